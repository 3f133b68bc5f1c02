import { errorMessage, retriability } from '../errors.ts';
import { sleep } from '../infra/concurrency.ts';
import type { Logger } from '../infra/log.ts';

/** How a consumer treats a chunk that failed; see `attempt` for the rules. */
export interface RetryPolicy {
  /** Tries of a chunk whose handler fails with an error of unknown kind, before its poison is looked for. */
  unknownAttempts: number;
  /** Backoff: first wait, doubled each time up to the cap. */
  baseMs: number;
  capMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { unknownAttempts: 8, baseMs: 100, capMs: 5_000 };

/** A handler (not the infrastructure around it) threw: the input may be at fault. */
export class HandlerFailed extends Error {
  constructor(readonly error: unknown) {
    super(errorMessage(error), { cause: error });
  }
}

/** The chunk failed in a way that retrying it will not fix: its handler's error is permanent, or of unknown kind `tries` times. */
export class GiveUp extends Error {
  constructor(
    readonly error: unknown,
    readonly tries: number,
    readonly permanent: boolean,
  ) {
    super(errorMessage(error));
  }
}

/**
 * Runs `fn` until it succeeds, the partition is no longer ours, or it is clear that retrying will not help:
 * - a failure outside the handler (publishing, the broker) and a handler's transient error (Redis,
 *   PostgreSQL or Kafka away) are retried with backoff for as long as it takes — handlers are
 *   idempotent, so a retried chunk is harmless;
 * - a handler's permanent error (a bug, input a constraint refuses) gives up at once, an error of
 *   unknown kind after `unknownAttempts` tries: `GiveUp` is thrown so the caller can set the poison aside.
 */
export async function attempt(
  fn: () => Promise<void>,
  {
    log,
    owned,
    heartbeat = async () => {},
    policy = DEFAULT_RETRY,
  }: { log: Logger; owned: () => boolean; heartbeat?: () => Promise<void>; policy?: RetryPolicy },
): Promise<void> {
  let unknown = 0;
  for (let n = 0; ; n++) {
    try {
      return await fn();
    } catch (e: unknown) {
      // Once the partition is gone (stop or rebalance), its new owner redoes the chunk.
      if (!owned()) throw e;
      if (e instanceof HandlerFailed) {
        const kind = retriability(e.error);
        if (kind === 'permanent') throw new GiveUp(e.error, n + 1, true);
        if (kind === 'unknown' && ++unknown >= policy.unknownAttempts) throw new GiveUp(e.error, n + 1, false);
      }
      const wait = Math.min(policy.baseMs * 2 ** Math.min(n, 20), policy.capMs);
      log.warn('handling failed, retrying', { attempt: n + 1, inMs: wait, error: errorMessage(e) });
      await sleep(wait);
      await heartbeat().catch(() => {});
    }
  }
}
