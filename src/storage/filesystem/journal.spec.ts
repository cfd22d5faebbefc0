import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Logger } from '@nestjs/common';
import { frameRecord } from '@app/storage/filesystem/journal-format';
import { Journal } from '@app/storage/filesystem/journal';

describe('Journal', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-journal-'));
    file = path.join(dir, 'q.journal');
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => {
    jest.restoreAllMocks();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const record = (i: number) => JSON.stringify({ t: 'k', k: `k${i}`, v: i });

  it('appends durably and reads the records back in order', async () => {
    const { journal, payloads } = await Journal.open(file);
    expect(payloads).toEqual([]);
    await Promise.all(Array.from({ length: 50 }, (_, i) => journal.append(record(i))));
    expect(fs.statSync(file).size).toBe(journal.size);
    await journal.close();
    const reopened = await Journal.open(file);
    expect(reopened.payloads).toEqual(Array.from({ length: 50 }, (_, i) => JSON.parse(record(i))));
    await reopened.journal.close();
  });

  it('truncates a torn tail on disk when it opens', async () => {
    const { journal } = await Journal.open(file);
    await journal.append(record(1));
    const good = journal.size;
    await journal.close();
    fs.appendFileSync(file, frameRecord(record(2)).subarray(0, 15));
    const reopened = await Journal.open(file);
    expect(reopened.payloads).toHaveLength(1);
    expect(fs.statSync(file).size).toBe(good);
    await reopened.journal.close();
  });

  it('keeps writes appended during a compaction whose rename failed, in the old file', async () => {
    const { journal } = await Journal.open(file);
    for (let i = 0; i < 5; i++) await journal.append(record(i));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const rename = jest.spyOn(fs.promises, 'rename').mockRejectedValueOnce(new Error('EXDEV: rename failed'));
    const compaction = journal.compact(journal.position, async (write) => {
      await write([frameRecord(JSON.stringify({ t: 'h', seq: 1 }))]);
      await gate;
    });
    const during = Array.from({ length: 5 }, (_, i) => journal.append(record(100 + i)));
    release();
    await expect(compaction).rejects.toThrow('rename failed');
    expect(rename).toHaveBeenCalled();
    await Promise.all(during);
    await journal.append(record(200));
    await journal.close();
    expect(fs.existsSync(`${file}.compact`)).toBe(false);
    const reopened = await Journal.open(file);
    expect(reopened.payloads.map((p) => (p as { v: number }).v)).toEqual([0, 1, 2, 3, 4, 100, 101, 102, 103, 104, 200]);
    await reopened.journal.close();
  });

  it('replaces the file with the snapshot plus the records appended after it', async () => {
    const { journal } = await Journal.open(file);
    for (let i = 0; i < 20; i++) await journal.append(record(i));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const snapshotAt = journal.position;
    const compaction = journal.compact(snapshotAt, async (write) => {
      await write([frameRecord(JSON.stringify({ t: 'k', k: 'snapshot', v: 'all of it' }))]);
      await gate;
    });
    const during = Array.from({ length: 3 }, (_, i) => journal.append(record(100 + i)));
    await Promise.all(during.slice(0, 1));
    release();
    const { before, after } = await compaction;
    await Promise.all(during);
    await journal.append(record(300));
    expect(after).toBeLessThan(before);
    await journal.close();
    const reopened = await Journal.open(file);
    expect(reopened.payloads.map((p) => (p as { v: unknown }).v)).toEqual(['all of it', 100, 101, 102, 300]);
    await reopened.journal.close();
  });
});
