import type { OrderStore } from './order-store.ts';
import type { OrderStats } from './order-stats.ts';

/**
 * The stats reads of GET /stats: one per window and second, whatever the number of pages asking (each polls every
 * second), and none when nobody asks.
 */
export class SharedStats {
  private readonly latest = new Map<number, { second: number; answer: Promise<OrderStats | undefined> }>();

  constructor(private readonly store: OrderStore) {}

  read(windowSeconds: number): Promise<OrderStats | undefined> {
    if (!this.store.stats) return Promise.resolve(undefined);
    const second = Math.floor(Date.now() / 1000);
    const cached = this.latest.get(windowSeconds);
    if (cached?.second === second) return cached.answer;
    const answer = this.store.stats(windowSeconds);
    // The page asks for two sizes; someone trying every size from 1s to 10m must not grow this without end.
    if (this.latest.size > 16) this.latest.clear();
    this.latest.set(windowSeconds, { second, answer });
    // A failed read is not kept: the next request tries again.
    answer.catch(() => {
      if (this.latest.get(windowSeconds)?.answer === answer) this.latest.delete(windowSeconds);
    });
    return answer;
  }
}
