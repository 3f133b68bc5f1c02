/** One item's fate within a flush: a flush can fail some items and succeed others. */
export type Settled<O> = { ok: true; value: O } | { ok: false; error: unknown };

export interface GroupCommitOptions<I, O> {
  /** Writes a batch in one go; returns one result per item, in order. Throwing fails every item of the batch. */
  flush(items: I[]): Promise<Settled<O>[]>;
  /** Items per flush at most. */
  maxBatch: number;
  /** Items with the same key never share a flush (the later one waits for the next), e.g. two status changes of one order. */
  key?(item: I): string | undefined;
}

interface Waiting<I, O> {
  item: I;
  resolve(value: O): void;
  reject(error: unknown): void;
}

/**
 * Group commit: items submitted while a flush is under way are written together by the next one.
 * A flush starts as soon as the previous one returns, so an idle system pays no batching delay (only a
 * setImmediate, which lets everything that arrived in the same turn of the event loop go together),
 * and a busy one writes ever fuller batches instead of queueing round trips.
 */
export class GroupCommit<I, O> {
  private queue: Waiting<I, O>[] = [];
  private draining = false;

  constructor(private readonly options: GroupCommitOptions<I, O>) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.draining) {
        this.draining = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  /** Items waiting for a flush. */
  get pending(): number {
    return this.queue.length;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.take();
      let results: Settled<O>[];
      try {
        results = await this.options.flush(batch.map((w) => w.item));
        if (results.length !== batch.length) throw new Error(`flush returned ${results.length} results for ${batch.length} items`);
      } catch (e: unknown) {
        for (const w of batch) w.reject(e);
        continue;
      }
      results.forEach((r, i) => (r.ok ? batch[i]!.resolve(r.value) : batch[i]!.reject(r.error)));
    }
    this.draining = false;
  }

  /** The next batch, in submission order, holding each key at most once. */
  private take(): Waiting<I, O>[] {
    const { key, maxBatch } = this.options;
    if (!key) return this.queue.splice(0, maxBatch);
    const batch: Waiting<I, O>[] = [];
    const rest: Waiting<I, O>[] = [];
    const keys = new Set<string>();
    for (const w of this.queue) {
      const k = key(w.item);
      if (batch.length >= maxBatch || (k !== undefined && keys.has(k))) {
        rest.push(w);
        continue;
      }
      if (k !== undefined) keys.add(k);
      batch.push(w);
    }
    this.queue = rest;
    return batch;
  }
}
