import type { Producer } from 'kafkajs';
import type pg from 'pg';
import { errorMessage } from '../../errors.ts';
import { isTopic, topicName } from '../../events/topics.ts';
import { sleep } from '../../infra/concurrency.ts';
import type { Logger } from '../../infra/log.ts';
import type { Pool } from '../../infra/postgres.ts';
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
  private listener: pg.PoolClient | undefined;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly producer: Producer,
    private readonly prefix: string,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.loop;
    this.listener?.release();
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
    if (this.listener) return;
    const client = await this.pool.connect();
    client.on('notification', () => this.wake());
    client.on('error', () => this.dropListener());
    await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
    this.listener = client;
  }

  private dropListener(): void {
    const client = this.listener;
    this.listener = undefined;
    // Passing an error destroys the connection instead of returning a broken one to the pool.
    client?.release(new Error('listener dropped'));
  }

  /** Publishes one batch; returns how many rows it published. */
  private async publishBatch(): Promise<number> {
    const client = await this.pool.connect();
    let failed: unknown;
    try {
      await client.query('BEGIN');
      // SKIP LOCKED: several order services can relay side by side without publishing the same row twice.
      const { rows } = await client.query<OutboxRow>(
        'SELECT id, topic, key, payload FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED',
        [BATCH],
      );
      if (rows.length > 0) {
        const byTopic = new Map<string, { key: string; value: string }[]>();
        for (const row of rows) {
          const topic = isTopic(row.topic) ? topicName(row.topic, this.prefix) : row.topic;
          const list = byTopic.get(topic) ?? [];
          list.push({ key: row.key, value: row.payload });
          byTopic.set(topic, list);
        }
        await this.producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
        await client.query('UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])', [rows.map((r) => r.id)]);
      }
      await client.query('COMMIT');
      return rows.length;
    } catch (e: unknown) {
      await client.query('ROLLBACK').catch(() => {});
      failed = e;
      throw e;
    } finally {
      // A connection that failed mid-transaction is destroyed, not handed to the next request.
      client.release(failed instanceof Error ? failed : undefined);
    }
  }
}
