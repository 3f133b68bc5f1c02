/** Batches that start within this many ms of each other came with one fetch (kafkajs hands them over side by side). */
const SAME_FETCH_MS = 5;

/**
 * When a paced consumer may fetch again. It lingers only while busy, that is when the fetch before this
 * one also brought messages, not long before: a consumer waking from idle handles its first batch and
 * fetches again at once. So one order on a quiet saga is not held back (its RESERVED and its outcome
 * come a few milliseconds apart: the first is answered at once, only the second lingers), while under
 * load every fetch waits out the linger and brings many events.
 */
export class FetchPace {
  private fetchAt = Number.NEGATIVE_INFINITY;
  private previousAt = Number.NEGATIVE_INFINITY;

  /** `busyWithinMs`: fetches this close together mean a steady stream (the linger plus a fetch's longest wait). */
  constructor(
    private readonly lingerMs: number,
    private readonly busyWithinMs: number,
  ) {}

  /** A batch arrived at `now` (ms, monotonic): the earliest time the next fetch should go. */
  arrived(now: number): number {
    if (now - this.fetchAt > SAME_FETCH_MS) {
      this.previousAt = this.fetchAt;
      this.fetchAt = now;
    }
    const busy = this.fetchAt - this.previousAt <= this.busyWithinMs;
    return busy ? this.fetchAt + this.lingerMs : now;
  }
}
