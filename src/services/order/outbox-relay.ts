import { errorMessage } from '../../errors.ts';
import { EventHeaders } from '../../events/headers.ts';
import type { Bus } from '../../infra/bus.ts';
import { sleep } from '../../infra/concurrency.ts';
import { prepared, withTransaction, type Db } from '../../infra/db.ts';
import type { Logger } from '../../infra/log.ts';
import { metrics, observeOutbox } from '../../infra/metrics.ts';
import { Attr, tracerFor, type Tracer } from '../../infra/tracing.ts';

/** A row of the outbox: an event committed with its state change, waiting to be published. */
export interface OutboxRow {
  id: string;
  topic: string;
  key: string;
  payload: string;
  /** The W3C trace context of the request that wrote it (tracing on), else null or absent. */
  headers?: Record<string, string> | null;
}

const toMessages = (rows: readonly OutboxRow[], headers: Record<string, string>) =>
  rows.map((row) => ({ topic: row.topic, key: row.key, value: row.payload, headers }));

/**
 * Sends rows with a `send <topic>` span each, the child of the request that wrote the row, whose
 * context the message carries on: the trace goes from the HTTP request through the outbox to Kafka.
 */
async function sendTraced(bus: Bus, tracer: Tracer, rows: readonly OutboxRow[], headers: Record<string, string>, path: 'fast' | 'sweep'): Promise<void> {
  const spans = rows.map((row) =>
    tracer.start(`send ${row.topic}`, 'producer', row.headers ?? undefined, {
      [Attr.MessagingSystem]: 'kafka',
      [Attr.MessagingOperationType]: 'send',
      [Attr.MessagingOperationName]: 'send',
      [Attr.MessagingDestination]: bus.prefix + row.topic,
      [Attr.MessagingKafkaKey]: row.key,
      [Attr.OrderId]: row.key,
      [Attr.OutboxPath]: path,
    }),
  );
  try {
    await bus.send(rows.map((row, i) => ({ topic: row.topic, key: row.key, value: row.payload, headers: { ...headers, ...spans[i]!.headers() } })));
  } catch (e: unknown) {
    for (const span of spans) span.end(e);
    throw e;
  }
  for (const span of spans) span.end();
}

const SWEEP_BATCH = 500;
/** How often the sweep looks for rows the fast path left behind. */
const SWEEP_EVERY_MS = 1000;
/** A row younger than this is the fast path's to publish; older ones the sweep takes. */
const LEFT_BEHIND_AFTER_S = 2;
/**
 * Published rows are marked by the order store's next statement (OutboxMarks), which costs no write of
 * its own; when none comes this soon, the relay marks them itself. Well under LEFT_BEHIND_AFTER_S, so
 * the sweep does not send them again.
 */
const MARK_FALLBACK_MS = 200;

/** Rows the fast path left behind (its process died, or the broker was away), claimed and marked at once. */
const CLAIM_LEFT_BEHIND = prepared(
  'doms_claim_outbox_headers',
  `UPDATE outbox SET published_at = now()
   WHERE id IN (SELECT id FROM outbox WHERE published_at IS NULL AND created_at < now() - make_interval(secs => $2)
                ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
   RETURNING id::text, topic, key, payload, headers`,
);

/** Unmarked rows, less those the broker has acknowledged and that wait to be marked ($1). */
const BACKLOG = prepared(
  'doms_outbox_backlog_unacked',
  `SELECT count(*)::int AS rows, coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 AS oldest
   FROM outbox WHERE published_at IS NULL AND id <> ALL($1::bigint[])`,
);

const MARK_PUBLISHED = prepared('doms_mark_outbox', 'UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[]) AND published_at IS NULL');

/**
 * Publishes the outbox. The fast path: the order store hands over the rows of each flush right after
 * its commit, and they are sent at once, with no round trip to read them back; once the broker has
 * acknowledged them they are marked published, in batches. The sweep: every second, rows older than a
 * couple of seconds and still unmarked (the process that wrote them died, or the broker was away) are
 * claimed, sent and marked in one transaction; a broker outage of any length is waited out with backoff.
 * Either way a row is marked only after the broker acknowledged it, so nothing is lost; a crash
 * between the two republishes it, which idempotent consumers absorb.
 */
/** Rows the broker has acknowledged, waiting to be marked published: taken by the order store's next statement. */
export interface OutboxMarks {
  take(): string[];
  /** Marks whose statement failed: marked later instead. */
  giveBack(ids: readonly string[]): void;
}

export class OutboxRelay implements OutboxMarks {
  private stopping = false;
  private wake: () => void = () => {};
  private sweeping: Promise<void> | undefined;
  private readonly sending = new Set<Promise<void>>();
  private marks: string[] = [];
  private marking: Promise<void> | undefined;
  private readonly headers: Record<string, string>;
  private readonly tracer = tracerFor('order');

  /** `origin`: this database's id (saga_origin), stamped on every event. */
  constructor(
    private readonly db: Db,
    private readonly bus: Bus,
    private readonly log: Logger,
    origin: string,
  ) {
    this.headers = { [EventHeaders.Origin]: origin };
  }

  start(): void {
    this.sweeping = this.sweepLoop();
    observeOutbox(() => this.backlog());
  }

  /** What still waits to be published: for the metrics, read when they are scraped. */
  async backlog(): Promise<{ rows: number; oldestSeconds: number }> {
    const { rows } = await this.db.query<{ rows: number; oldest: number }>(BACKLOG, [this.marks]);
    return { rows: rows[0]?.rows ?? 0, oldestSeconds: Math.round((rows[0]?.oldest ?? 0) * 1000) / 1000 };
  }

  async stop(): Promise<void> {
    this.stopping = true;
    observeOutbox(undefined);
    this.wake();
    await this.sweeping;
    await Promise.allSettled([...this.sending]);
    await this.marking;
    await this.flushMarks();
  }

  /** The fast path: rows just committed. Never throws; what fails here the sweep publishes later. */
  publish(rows: readonly OutboxRow[]): void {
    if (rows.length === 0) return;
    const committedAt = performance.now();
    const sent = this.send(rows, 'fast')
      .then(
        () => {
          metrics.outboxRelaySeconds.observe((performance.now() - committedAt) / 1000);
          metrics.outboxPublished.inc({ path: 'fast' }, rows.length);
          this.mark(rows.map((r) => r.id));
        },
        (e: unknown) => this.log.debug('outbox rows left for the sweep', { rows: rows.length, error: errorMessage(e) }),
      )
      .finally(() => this.sending.delete(sent));
    this.sending.add(sent);
  }

  private send(rows: readonly OutboxRow[], path: 'fast' | 'sweep'): Promise<void> {
    return this.tracer.enabled ? sendTraced(this.bus, this.tracer, rows, this.headers, path) : this.bus.send(toMessages(rows, this.headers));
  }

  private mark(ids: readonly string[]): void {
    this.marks.push(...ids);
    this.scheduleMarks();
  }

  take(): string[] {
    const ids = this.marks;
    this.marks = [];
    return ids;
  }

  giveBack(ids: readonly string[]): void {
    this.mark(ids);
  }

  private scheduleMarks(): void {
    if (this.marking || this.marks.length === 0) return;
    this.marking = sleep(MARK_FALLBACK_MS)
      .then(() => this.flushMarks())
      .finally(() => {
        this.marking = undefined;
        this.scheduleMarks();
      });
  }

  private async flushMarks(): Promise<void> {
    const ids = this.take();
    if (ids.length === 0) return;
    try {
      await this.db.query(MARK_PUBLISHED, [ids]);
    } catch (e: unknown) {
      // Unmarked rows are published again by the sweep: a duplicate, never a loss.
      this.log.warn('could not mark outbox rows published; the sweep will send them again', { rows: ids.length, error: errorMessage(e) });
    }
  }

  private async sweepLoop(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      const woken = new Promise<void>((resolve) => (this.wake = resolve));
      try {
        while (!this.stopping && (await this.sweep()) === SWEEP_BATCH) {
          // a full batch: more may be waiting
        }
        failures = 0;
        await Promise.race([woken, sleep(SWEEP_EVERY_MS)]);
      } catch (e: unknown) {
        failures++;
        const wait = Math.min(200 * 2 ** failures, 10_000);
        this.log.warn('outbox relay cannot publish yet, retrying', { inMs: wait, error: errorMessage(e) });
        await Promise.race([woken, sleep(wait)]);
      }
    }
  }

  /** Publishes one batch of left-behind rows; returns how many. */
  private sweep(): Promise<number> {
    return withTransaction(this.db, async (client) => {
      // The marks stay uncommitted until the broker acknowledged: a failed send rolls them back. SKIP
      // LOCKED: several order services sweep side by side without sending the same row twice.
      const { rows } = await client.query<OutboxRow>(CLAIM_LEFT_BEHIND, [SWEEP_BATCH, LEFT_BEHIND_AFTER_S]);
      if (rows.length > 0) {
        rows.sort((a, b) => a.id.length - b.id.length || (a.id < b.id ? -1 : 1));
        await this.send(rows, 'sweep');
        metrics.outboxPublished.inc({ path: 'sweep' }, rows.length);
        this.log.info('published outbox rows left behind', { rows: rows.length });
      }
      return rows.length;
    });
  }
}
