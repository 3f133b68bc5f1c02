import { errorMessage } from '../errors.ts';
import { sleep } from '../infra/concurrency.ts';
import type { Logger } from '../infra/log.ts';

/**
 * Transient failures (Redis, PostgreSQL or Kafka restarting) are retried in place with backoff, so one
 * outage does not turn into a consumer crash; handlers are idempotent, so a retried chunk is harmless.
 */
export async function withRetry(fn: () => Promise<void>, log: Logger, owned: () => boolean, heartbeat: () => Promise<void> = async () => {}): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e: unknown) {
      // Once the partition is gone (stop or rebalance), its new owner redoes the chunk.
      if (!owned()) throw e;
      const wait = Math.min(100 * 2 ** attempt, 5_000);
      log.warn('handling failed, retrying', { attempt: attempt + 1, inMs: wait, error: errorMessage(e) });
      await sleep(wait);
      await heartbeat().catch(() => {});
    }
  }
}
