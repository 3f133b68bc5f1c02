import { errorMessage } from '../../errors.ts';
import { isTopic, topicName } from '../../events/topics.ts';
import { sleep } from '../../infra/concurrency.ts';
import type { Logger } from '../../infra/log.ts';
import type { Bus } from '../../infra/bus.ts';
import { withTransaction, type Db } from '../../infra/db.ts';
import { OUTBOX_CHANNEL } from './schema.ts';

const BATCH = 500;
/** A missed notification (e.g. while the listener reconnects) costs at most this much delay. */
const SAFETY_POLL_MS = 1000;

interface OutboxRow {
  id: string;
  topic: string;
  key: string;
  payload: string;
}

/**
 * Publishes outbox rows in id order and marks them published. A crash between publish and mark
 * republishes (consumers are idempotent); nothing is lost, because a row is only marked after the
 * broker acknowledged it. A broker outage of any length is waited out with backoff.
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
      // SKIP LOCKED: several order services can relay side by side without publishing the same row twice.
      const { rows } = await client.query<OutboxRow>(
        'SELECT id, topic, key, payload FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED',
        [BATCH],
      );
      if (rows.length > 0) {
        await this.bus.send(rows.map((row) => ({ topic: isTopic(row.topic) ? topicName(row.topic, this.bus.prefix) : row.topic, key: row.key, value: row.payload })));
        await client.query('UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])', [rows.map((r) => r.id)]);
      }
      return rows.length;
    });
  }
}
