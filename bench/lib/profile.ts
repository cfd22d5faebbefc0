import * as fs from 'node:fs';
import * as path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
}

export interface ProfileSummary {
  file: string;
  sampledMs: number;
  /** share of non-idle samples */
  topFunctions: { fn: string; where: string; selfPercent: number }[];
  topAreas: { area: string; selfPercent: number }[];
}

const ROOT = path.resolve(__dirname, '..', '..');

/** Groups a script URL: a package under node_modules, our dist file, node internals, or V8 pseudo-frames. */
function areaOf(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith('node:')) return url.split('/')[0].replace(/^node:internal.*/, 'node:internal');
  const local = url.replace(/^file:\/\//, '').replace(`${ROOT}/`, '');
  return local.startsWith('dist/') ? local.replace(/\.js$/, '') : local;
}

/** Self-time summary of one .cpuprofile written by node --cpu-prof. */
export function summariseProfile(file: string, top = 15): ProfileSummary {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const totalSamples = profile.nodes.reduce((sum, n) => sum + (n.hitCount ?? 0), 0) || 1;
  const msPerSample = (profile.endTime - profile.startTime) / 1000 / totalSamples;
  const byFunction = new Map<string, { fn: string; where: string; hits: number }>();
  const byArea = new Map<string, number>();
  let busy = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (!hits) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') continue;
    busy += hits;
    const fn = functionName || '(anonymous)';
    const where = url ? `${url.replace(/^file:\/\//, '').replace(`${ROOT}/`, '')}:${lineNumber + 1}` : '';
    const key = `${fn}@${where}`;
    const entry = byFunction.get(key) ?? { fn, where, hits: 0 };
    entry.hits += hits;
    byFunction.set(key, entry);
    const area = areaOf(url, fn);
    byArea.set(area, (byArea.get(area) ?? 0) + hits);
  }
  const pct = (hits: number) => Math.round((hits / (busy || 1)) * 1000) / 10;
  return {
    file: path.basename(file),
    sampledMs: Math.round(busy * msPerSample),
    topFunctions: [...byFunction.values()]
      .sort((a, b) => b.hits - a.hits)
      .slice(0, top)
      .map((e) => ({ fn: e.fn, where: e.where, selfPercent: pct(e.hits) })),
    topAreas: [...byArea.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 12)
      .map(([area, hits]) => ({ area, selfPercent: pct(hits) })),
  };
}

export function summariseProfileDir(dir: string): ProfileSummary[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => summariseProfile(path.join(dir, f)))
    .filter((s) => s.sampledMs > 50);
}
