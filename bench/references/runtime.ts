import * as fs from 'node:fs';
import * as path from 'node:path';

export const REFERENCE_PACKAGES = ['pg-boss', 'graphile-worker'] as const;

interface PackageManifest {
  version: string;
  engines?: { node?: string };
}

/** The installed package.json of a reference (graphile-worker does not export it, so it is read from disk). */
export function referenceManifest(name: (typeof REFERENCE_PACKAGES)[number]): PackageManifest {
  for (const dir of require.resolve.paths(name) ?? []) {
    const file = path.join(dir, name, 'package.json');
    if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8')) as PackageManifest;
  }
  throw new Error(`${name} is not installed (npm ci installs the bench references)`);
}

const parts = (version: string): number[] => version.split('.').map((n) => Number.parseInt(n, 10) || 0);

/** Whether `version` satisfies an engines range of the form `>=X.Y.Z` (the only form the references use). */
export function satisfiesMinimum(version: string, range: string): boolean {
  const match = /^\s*>=\s*v?(\d+(?:\.\d+){0,2})\s*$/.exec(range);
  if (!match) return true;
  const have = parts(version.replace(/^v/, ''));
  const need = parts(match[1]);
  for (let i = 0; i < 3; i++) {
    if ((have[i] ?? 0) !== (need[i] ?? 0)) return (have[i] ?? 0) > (need[i] ?? 0);
  }
  return true;
}

/**
 * Why the references cannot run on this Node (pg-boss 12 and graphile-worker 0.18 are ESM-only and
 * declare Node ≥ 22), or null when they can.
 */
export function referencesRuntimeProblem(nodeVersion = process.versions.node): string | null {
  const unmet = REFERENCE_PACKAGES.map((name) => ({ name, manifest: referenceManifest(name) }))
    .filter(({ manifest }) => manifest.engines?.node && !satisfiesMinimum(nodeVersion, manifest.engines.node))
    .map(({ name, manifest }) => `${name} ${manifest.version} needs Node ${manifest.engines!.node}`);
  return unmet.length ? `${unmet.join(' and ')}, this is Node ${nodeVersion}` : null;
}
