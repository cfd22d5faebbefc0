import type { Stats } from './api';

export interface Point {
  t: number;
  PENDING: number;
  INPROGRESS: number;
  COMPLETE: number;
  ERROR: number;
}

const WINDOW_MS = 15 * 60_000;
const history = new Map<string, Point[]>();

/** Keeps each queue's counts of the last 15 minutes in this tab only. */
export function record(stats: Stats, now = Date.now()): Point[] {
  const points = history.get(stats.queue) ?? [];
  points.push({ t: now, ...stats.counts });
  while (points.length && points[0].t < now - WINDOW_MS) points.shift();
  history.set(stats.queue, points);
  return points;
}

export function pointsOf(queue: string): Point[] {
  return history.get(queue) ?? [];
}

/** Messages settled (COMPLETE or ERROR) per minute over the last minute of samples; null until two samples. */
export function throughput(points: Point[]): number | null {
  if (points.length < 2) return null;
  const last = points[points.length - 1];
  const first = points.find((p) => p.t >= last.t - 60_000) ?? points[0];
  const from = first === last ? points[points.length - 2] : first;
  const minutes = (last.t - from.t) / 60_000;
  if (minutes <= 0) return null;
  const settled = (p: Point) => p.COMPLETE + p.ERROR;
  return Math.max(0, settled(last) - settled(from)) / minutes;
}
