import { Coalescer } from '@app/storage/sql/postgres/coalescer';

/** A write whose batches stay open until released, recording what each batch held. */
function controlledWrite() {
  const batches: number[][] = [];
  const releases: Array<() => void> = [];
  const write = (items: number[]) => {
    batches.push(items);
    return new Promise<string[]>((resolve) => releases.push(() => resolve(items.map((i) => `done ${i}`))));
  };
  return { batches, releases, write };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

/** Lets the event loop turn until `condition` holds (at most 20 turns, no timers). */
async function turnsUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 20 && !condition(); i++) await turn();
}

describe('Coalescer', () => {
  it('writes items of one turn together, and items arriving during a write as the next batch', async () => {
    const { batches, releases, write } = controlledWrite();
    const coalescer = new Coalescer(write, { maxBatch: 10, maxInFlight: 1 });
    const first = [1, 2, 3].map((i) => coalescer.submit(i));
    await turn();
    expect(batches).toEqual([[1, 2, 3]]);
    const second = [4, 5].map((i) => coalescer.submit(i));
    await turn();
    expect(batches).toHaveLength(1);
    releases[0]();
    expect(await Promise.all(first)).toEqual(['done 1', 'done 2', 'done 3']);
    await turnsUntil(() => batches.length === 2);
    expect(batches).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
    releases[1]();
    expect(await Promise.all(second)).toEqual(['done 4', 'done 5']);
  });

  it('caps a batch at maxBatch and keeps items with one key in separate batches', async () => {
    const { batches, releases, write } = controlledWrite();
    const coalescer = new Coalescer(write, { maxBatch: 2, maxInFlight: 1, key: (i) => String(i % 10) });
    const all = [1, 11, 2, 3].map((i) => coalescer.submit(i));
    await turn();
    expect(batches).toEqual([[1, 2]]);
    releases[0]();
    await turnsUntil(() => batches.length === 2);
    expect(batches[1]).toEqual([11, 3]);
    releases[1]();
    expect(await Promise.all(all)).toEqual(['done 1', 'done 11', 'done 2', 'done 3']);
  });

  it('rejects every item of a failed batch and goes on with the next', async () => {
    let calls = 0;
    const coalescer = new Coalescer<number, number>(
      async (items) => {
        calls++;
        if (calls === 1) throw new Error('connection reset');
        return items.map((i) => i * 2);
      },
      { maxBatch: 10, maxInFlight: 1 },
    );
    const failed = [coalescer.submit(1), coalescer.submit(2)];
    await expect(failed[0]).rejects.toThrow('connection reset');
    await expect(failed[1]).rejects.toThrow('connection reset');
    expect(await coalescer.submit(3)).toBe(6);
  });

  it('rejects when the write answers the wrong number of outputs', async () => {
    const coalescer = new Coalescer<number, number>(async () => [1], { maxBatch: 10, maxInFlight: 1 });
    const both = [coalescer.submit(1), coalescer.submit(2)];
    await expect(Promise.all(both)).rejects.toThrow('a batch of 2 answered 1 outputs');
  });
});
