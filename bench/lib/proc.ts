import * as fs from 'node:fs';
import * as os from 'node:os';

const CLOCK_TICKS_PER_SECOND = 100;

/** CPU seconds (user + system, all threads) of a Linux process, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** Resident set size and its high-water mark in MB, from /proc/<pid>/status. */
export function memory(pid: number): { rssMb: number; hwmMb: number } | null {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
  } catch {
    return null;
  }
}

export interface ResourceUsage {
  /** average CPU of the process over the window, 100 = one core */
  cpuPercent: number | null;
  cpuSeconds: number | null;
  /** largest RSS sampled during the window (every 100 ms) */
  peakRssMb: number | null;
  endRssMb: number | null;
}

/** Samples one process while a piece of work runs. */
export class ResourceSampler {
  private readonly startCpu: number | null;
  private readonly startedAt = process.hrtime.bigint();
  private peakRss = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pid: number) {
    this.startCpu = cpuSeconds(pid);
    this.sample();
    this.timer = setInterval(() => this.sample(), 100);
    this.timer.unref();
  }

  private sample(): void {
    const mem = memory(this.pid);
    if (mem && mem.rssMb > this.peakRss) this.peakRss = mem.rssMb;
  }

  stop(): ResourceUsage {
    clearInterval(this.timer);
    this.sample();
    const wallSeconds = Number(process.hrtime.bigint() - this.startedAt) / 1e9;
    const endCpu = cpuSeconds(this.pid);
    const used = endCpu !== null && this.startCpu !== null ? endCpu - this.startCpu : null;
    const mem = memory(this.pid);
    return {
      cpuPercent: used === null ? null : Math.round((used / wallSeconds) * 1000) / 10,
      cpuSeconds: used === null ? null : Math.round(used * 100) / 100,
      peakRssMb: this.peakRss ? Math.round(this.peakRss) : null,
      endRssMb: mem ? Math.round(mem.rssMb) : null,
    };
  }
}

/** Busy CPU of the whole machine in /proc/stat ticks: [busy, total]. */
function machineTicks(): [number, number] | null {
  try {
    const cpu = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const total = cpu.reduce((a, b) => a + b, 0);
    return [total - cpu[3] - (cpu[4] ?? 0), total];
  } catch {
    return null;
  }
}

/** CPU seconds of every process whose command is `name` (e.g. all postgres backends). */
function cpuSecondsOf(name: string): number {
  let sum = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === name) sum += cpuSeconds(Number(entry)) ?? 0;
    } catch {
      // the process ended meanwhile
    }
  }
  return sum;
}

export interface MachineUsage {
  /** busy share of all cores, 100 = one core (this machine has `cores`) */
  machineCpuPercent: number | null;
  /** postgres server processes that lived through the window, 100 = one core */
  postgresCpuPercent: number;
  cores: number;
}

/** What the whole machine and the Postgres server spent while a piece of work ran. */
export class MachineSampler {
  private readonly startTicks = machineTicks();
  private readonly startPostgres = cpuSecondsOf('postgres');
  private readonly startedAt = process.hrtime.bigint();

  stop(): MachineUsage {
    const wallSeconds = Number(process.hrtime.bigint() - this.startedAt) / 1e9;
    const end = machineTicks();
    const cores = Math.max(1, os.cpus().length);
    const busy = end && this.startTicks ? (end[0] - this.startTicks[0]) / (end[1] - this.startTicks[1]) : null;
    return {
      machineCpuPercent: busy === null ? null : Math.round(busy * cores * 1000) / 10,
      postgresCpuPercent: Math.round(((cpuSecondsOf('postgres') - this.startPostgres) / wallSeconds) * 1000) / 10,
      cores,
    };
  }
}
