import type { Logger } from '@nestjs/common';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FolderWatcher } from '@app/common/folder-watcher';

describe('FolderWatcher', () => {
  let dir: string;
  const logger = { warn: jest.fn() } as unknown as Logger;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'folder-watcher-'));
  });

  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('answers the matching files on the first call and after a change, null while nothing changed', () => {
    fs.writeFileSync(path.join(dir, 'b.json'), '{}');
    fs.writeFileSync(path.join(dir, 'a.json'), '{}');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'ignored');
    const watcher = new FolderWatcher([{ dir, suffixes: ['.json'] }], () => undefined, logger);
    expect(watcher.changed()?.map((f) => [f.name, f.size])).toEqual([
      ['a.json', 2],
      ['b.json', 2],
    ]);
    expect(watcher.changed()).toBeNull();
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'still ignored');
    expect(watcher.changed()).toBeNull();
    fs.writeFileSync(path.join(dir, 'a.json'), '{"x":1}');
    expect(watcher.changed()?.map((f) => [f.name, f.size])).toEqual([
      ['a.json', 7],
      ['b.json', 2],
    ]);
    fs.rmSync(path.join(dir, 'b.json'));
    expect(watcher.changed()?.map((f) => f.name)).toEqual(['a.json']);
  });

  it('calls onChange when a file is written in a watched folder', async () => {
    let notify: () => void = () => undefined;
    const changed = new Promise<void>((resolve) => (notify = resolve));
    const watcher = new FolderWatcher([{ dir, suffixes: ['.json'] }], () => notify(), logger);
    expect(watcher.changed()).toEqual([]);
    watcher.start();
    try {
      fs.writeFileSync(path.join(dir, 'q.json'), '{}');
      await changed;
      expect(watcher.changed()?.map((f) => f.name)).toEqual(['q.json']);
    } finally {
      watcher.stop();
    }
  });

  it('rescans a folder that does not exist yet without failing', () => {
    const watcher = new FolderWatcher([{ dir: path.join(dir, 'missing'), suffixes: ['.json'] }], () => undefined, logger);
    watcher.start();
    expect(watcher.changed()).toEqual([]);
    watcher.stop();
    expect(logger.warn).not.toHaveBeenCalled();
  });
});
