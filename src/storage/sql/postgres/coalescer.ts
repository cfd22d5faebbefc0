interface Waiting<I, O> {
  item: I;
  resolve: (output: O) => void;
  reject: (error: unknown) => void;
}

export interface CoalescerOptions<I> {
  /** items in one batch at most */
  maxBatch: number;
  /** batches being written at once; items submitted meanwhile wait for the next one */
  maxInFlight: number;
  /** items with the same key never share a batch: the later one sees the earlier one's effect */
  key?: (item: I) => string;
}

/**
 * Natural batching for one kind of statement ("group commit" in the application): items
 * submitted while a batch is being written wait and go out together in the next batch. An idle
 * coalescer writes after the current turn of the event loop, so the requests read in one turn
 * share a statement; nothing ever waits on a timer, so a lone item is not delayed.
 *
 * `write` gets the items of a batch and answers one output per item, in order; if it throws,
 * every item of the batch is rejected with that error.
 */
export class Coalescer<I, O> {
  private waiting: Waiting<I, O>[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly write: (items: I[]) => Promise<O[]>,
    private readonly options: CoalescerOptions<I>,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.options.maxInFlight || !this.waiting.length) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      while (this.inFlight < this.options.maxInFlight && this.waiting.length) this.send(this.take());
    });
  }

  private take(): Waiting<I, O>[] {
    const { maxBatch, key } = this.options;
    if (!key) return this.waiting.splice(0, maxBatch);
    const batch: Waiting<I, O>[] = [];
    const rest: Waiting<I, O>[] = [];
    const keys = new Set<string>();
    for (const waiting of this.waiting) {
      const k = key(waiting.item);
      if (batch.length < maxBatch && !keys.has(k)) {
        keys.add(k);
        batch.push(waiting);
      } else {
        rest.push(waiting);
      }
    }
    this.waiting = rest;
    return batch;
  }

  private send(batch: Waiting<I, O>[]): void {
    this.inFlight++;
    let written: Promise<O[]>;
    try {
      written = this.write(batch.map((w) => w.item));
    } catch (error) {
      written = Promise.reject(error);
    }
    written
      .then(
        (outputs) => {
          if (outputs.length !== batch.length) throw new Error(`a batch of ${batch.length} answered ${outputs.length} outputs`);
          batch.forEach((w, i) => w.resolve(outputs[i]));
        },
        (error: unknown) => batch.forEach((w) => w.reject(error)),
      )
      .catch((error: unknown) => batch.forEach((w) => w.reject(error)))
      .finally(() => {
        this.inFlight--;
        this.schedule();
      });
  }
}
