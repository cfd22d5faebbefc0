import * as fs from 'node:fs';
import * as path from 'node:path';
import * as semver from 'semver';

const root = path.resolve(__dirname, '../..');
const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');

interface LockedPackage {
  version?: string;
  engines?: Record<string, string> | string[];
}

const manifest = JSON.parse(read('package.json')) as { engines: { node: string } };
const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, LockedPackage & { engines?: { node?: string } }> };
const target = semver.minVersion(manifest.engines.node)!;

describe('runtime', () => {
  it('targets the Node major of .nvmrc, with package-lock.json in step with package.json', () => {
    expect(target.major).toBe(Number(read('.nvmrc').trim()));
    expect(lock.packages[''].engines).toEqual(manifest.engines);
  });

  it('every locked package accepts the oldest Node that engines allows (npm ci prints no EBADENGINE there)', () => {
    const refusing = Object.entries(lock.packages)
      .map(([name, entry]) => ({ name: name.replace(/^.*node_modules\//, ''), range: Array.isArray(entry.engines) ? undefined : entry.engines?.node }))
      .filter(({ range }) => range && semver.validRange(range) && !semver.satisfies(target, range, { includePrerelease: true }))
      .map(({ name, range }) => `${name} needs Node ${range}`);
    expect(refusing).toEqual([]);
  });
});
