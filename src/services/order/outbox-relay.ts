import { errorMessage } from '../../errors.ts';
import { sleep } from '../../infra/concurrency.ts';
import type { Logger } from '../../infra/log.ts';
import type { Bus } from '../../infra/bus.ts';
import { prepared, withTransaction, type Db } from '../../infra/db.ts';
import { OUTBOX_CHANNEL } from './schema.ts';

const BATCH = 500;
/** A missed notification (e.g. while the listener reconnects) costs at most this much delay. */
const SAFETY_POLL_MS = 1000;

const CLAIM_BATCH = prepared('doms_claim_outbox', `
UPDATE outbox SET published_at = now()
WHERE id IN (SELECT id FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
RETURNING id::text, topic, key, payload`);

interface OutboxRow {
  id: string;
  topic: string;
  key: string;
  payload: string;
}

/**
 * Publishes outbox rows in id order and marks them published. A crash between publish and mark
 * republishes (consumers are idempotent); nothing is lost, because a mark is only committed after the
 * broker acknowledged the row. A broker outage of any length is waited out with backoff. Woken by
 * the NOTIFY of each flush of new orders, it does not poll on the hot path, and whatever arrives
 * while it publishes goes out in its next batch.
 */
export class OutboxRelay {
  private stopping = false;
  private wake: () => void = () => {};
  private unlisten: (() => void) | undefined;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly db: Db,
    private readonly bus: Bus,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.loop;
    this.dropListener();
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      const woken = new Promise<void>((resolve) => (this.wake = resolve));
      try {
        await this.listen();
        while (!this.stopping && (await this.publishBatch()) === BATCH) {}
        failures = 0;
        await Promise.race([woken, sleep(SAFETY_POLL_MS)]);
      } catch (e: unknown) {
        failures++;
        const wait = Math.min(200 * 2 ** failures, 10_000);
        this.log.warn('outbox relay cannot publish yet, retrying', { inMs: wait, error: errorMessage(e) });
        this.dropListener();
        await Promise.race([woken, sleep(wait)]);
      }
    }
  }

  private async listen(): Promise<void> {
    if (this.unlisten) return;
    this.unlisten = await this.db.listen(OUTBOX_CHANNEL, () => this.wake(), () => this.dropListener());
  }

  private dropListener(): void {
    const unlisten = this.unlisten;
    this.unlisten = undefined;
    unlisten?.();
  }

  /** Publishes one batch; returns how many rows it published. */
  private publishBatch(): Promise<number> {
    return withTransaction(this.db, async (client) => {
      // Claimed and marked in one statement; the transaction stays open until the broker acknowledged,
      // so a failed send rolls the marks back. SKIP LOCKED: several order services relay side by side
      // without publishing the same row twice.
      const { rows } = await client.query<OutboxRow>(CLAIM_BATCH, [BATCH]);
      if (rows.length > 0) {
        rows.sort((a, b) => a.id.length - b.id.length || (a.id < b.id ? -1 : 1));
        await this.bus.send(rows.map((row) => ({ topic: row.topic, key: row.key, value: row.payload })));
      }
      return rows.length;
    });
  }
}
