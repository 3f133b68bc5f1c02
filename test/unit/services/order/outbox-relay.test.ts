import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseEvent, serializeEvent } from '../../../../src/events/events.ts';
import { EventHeaders } from '../../../../src/events/headers.ts';
import { Topics } from '../../../../src/events/topics.ts';
import type { Bus, OutgoingMessage } from '../../../../src/infra/bus.ts';
import { silentLogger } from '../../../../src/infra/log.ts';
import { MemoryBus } from '../../../../src/infra/memory-bus.ts';
import type { PgliteDb } from '../../../../src/infra/pglite-db.ts';
import { SqlOrderStore } from '../../../../src/services/order/order-store.ts';
import { OutboxRelay, type OutboxRow } from '../../../../src/services/order/outbox-relay.ts';
import { countStatements, orderDb, ORDER_DB_TIMEOUT } from '../../../helpers/pglite.ts';
import { sagaEvents as ev } from '../../../helpers/saga-events.ts';
import { deferred, turns, waitFor, type Deferred } from '../../../helpers/wait.ts';

const ORIGIN = randomUUID();

const quick = { timeout: 4_000, interval: 10 };

/** A MemoryBus whose sends can be made to fail, or to hang until released; every attempt is recorded. */
class FlakyBus implements Bus {
  readonly prefix = '';
  readonly logger = silentLogger;
  readonly inner = new MemoryBus(silentLogger);
  failing = false;
  holding: Deferred<void> | undefined;
  readonly attempts: Promise<void>[] = [];

  subscribe: Bus['subscribe'] = (s) => this.inner.subscribe(s);

  send(messages: readonly OutgoingMessage[]): Promise<void> {
    const attempt = (async () => {
      if (this.holding) await this.holding.promise;
      if (this.failing) throw new Error('broker unavailable');
      await this.inner.send(messages);
    })();
    this.attempts.push(attempt);
    return attempt;
  }

  /** Every attempt made so far has settled (sent or failed). */
  settled(): Promise<unknown> {
    return Promise.allSettled(this.attempts);
  }

  keysOn(topic: string): string[] {
    return this.inner.messages(topic).map((m) => m.key?.toString() ?? '');
  }
}

describe('OutboxRelay on PGlite', () => {
  let db: PgliteDb;
  let bus: FlakyBus;
  let relay: OutboxRelay | undefined;

  beforeAll(async () => {
    db = await orderDb();
  }, ORDER_DB_TIMEOUT);
  afterAll(() => db?.end());
  beforeEach(async () => {
    // Each test starts with an empty outbox, so no sweep publishes another test's rows.
    await db.query('DELETE FROM outbox');
    bus = new FlakyBus();
  });
  afterEach(async () => {
    bus.failing = false;
    bus.holding?.resolve();
    await relay?.stop();
    relay = undefined;
  });

  /** Writes outbox rows directly, `ageSeconds` old, as a writer would have left them. */
  const insertRows = async (count: number, { ageSeconds = 0, key = () => randomUUID() } = {}): Promise<OutboxRow[]> => {
    const rows: OutboxRow[] = [];
    for (let i = 0; i < count; i++) {
      const orderId = key();
      const payload = serializeEvent(ev.created(orderId, { [randomUUID()]: i + 1 }));
      const { rows: inserted } = await db.query<OutboxRow>(
        `INSERT INTO outbox (topic, key, payload, created_at) VALUES ($1, $2, $3, now() - make_interval(secs => $4)) RETURNING id::text, topic, key, payload`,
        [Topics.OrderCreated, orderId, payload, ageSeconds],
      );
      rows.push(inserted[0]!);
    }
    return rows;
  };
  const unpublished = async (rows: readonly OutboxRow[]) =>
    (
      await db.query<{ id: string }>('SELECT id::text FROM outbox WHERE published_at IS NULL AND id = ANY($1::bigint[]) ORDER BY outbox.id', [
        rows.map((r) => r.id),
      ])
    ).rows.map((r) => r.id);
  const allMarked = (rows: readonly OutboxRow[], what: string) => waitFor(async () => (await unpublished(rows)).length === 0, { ...quick, what });

  it('publishes the rows handed to it and marks them published', async () => {
    relay = new OutboxRelay(db, bus, silentLogger, ORIGIN);
    const rows = await insertRows(3);
    relay.publish(rows);
    await waitFor(() => rows.every((r) => bus.keysOn(Topics.OrderCreated).includes(r.key)), { ...quick, what: 'the rows on order.created' });
    await allMarked(rows, 'published_at to be set on the rows handed over');
    for (const row of rows) {
      const message = bus.inner.messages(Topics.OrderCreated).find((m) => m.key?.toString() === row.key)!;
      expect(message.value?.toString(), 'the payload is published as written').toBe(row.payload);
      expect(message.headers[EventHeaders.Origin], "the database's origin id is stamped on the event").toBe(ORIGIN);
    }
  });

  it('publishes each order the store writes right after its commit (the fast path)', async () => {
    relay = new OutboxRelay(db, bus, silentLogger, ORIGIN);
    const store = new SqlOrderStore(db, (rows) => relay!.publish(rows));
    const results = await Promise.all(Array.from({ length: 10 }, () => store.create({ userId: randomUUID(), amount: 3, items: { [randomUUID()]: 1 } })));
    const ids = results.map((r) => (r.kind === 'created' ? r.order.id : 'not created'));
    await waitFor(() => ids.every((id) => bus.keysOn(Topics.OrderCreated).includes(id)), { ...quick, what: 'an order.created for every order' });
    for (const m of bus.inner.messages(Topics.OrderCreated)) {
      const parsed = parseEvent(Topics.OrderCreated, m.value);
      expect(parsed.ok && parsed.event.orderId).toBe(m.key?.toString());
    }
    await waitFor(async () => (await db.query('SELECT 1 FROM outbox WHERE published_at IS NULL')).rows.length === 0, {
      ...quick,
      what: 'every outbox row to be marked',
    });
  });

  it("marks acknowledged rows in the store's next statement, with no statement of their own", async () => {
    relay = new OutboxRelay(db, bus, silentLogger, ORIGIN);
    const store = new SqlOrderStore(db, (rows) => relay!.publish(rows), relay);
    const first = await store.create({ userId: randomUUID(), amount: 3, items: { [randomUUID()]: 1 } });
    const id = first.kind === 'created' ? first.order.id : 'not created';
    await waitFor(() => bus.keysOn(Topics.OrderCreated).includes(id), { ...quick, what: "the first order's order.created" });
    await waitFor(async () => (await relay!.backlog()).rows === 0, { ...quick, what: 'the acknowledged row to stop counting as waiting, unmarked as it is' });
    const statements = await countStatements(db, () => store.advance(id, 'RESERVED'));
    expect(statements, 'the status change alone').toHaveLength(1);
    const { rows } = await db.query<{ published: boolean }>('SELECT published_at IS NOT NULL AS published FROM outbox WHERE key = $1', [id]);
    expect(rows, 'marked by the status change').toEqual([{ published: true }]);
  });

  it('publishes, once started, the rows nobody handed over (a writer that died)', async () => {
    const rows = await insertRows(3, { ageSeconds: 5 });
    relay = new OutboxRelay(db, bus, silentLogger, ORIGIN);
    relay.start();
    await waitFor(() => rows.every((r) => bus.keysOn(Topics.OrderCreated).includes(r.key)), { ...quick, what: 'the sweep to publish the left-behind rows' });
    await allMarked(rows, 'the swept rows to be marked');
  });

  it('sweeps one order’s left-behind rows in the order they were written', async () => {
    const orderId = randomUUID();
    // Ids from 96 to 107: ids of two and three digits, compared.
    await db.query("SELECT setval(pg_get_serial_sequence('outbox', 'id'), 95)");
    const rows = await insertRows(12, { ageSeconds: 5, key: () => orderId });
    expect(rows.map((r) => r.id.length)).toContain(3);
    relay = new OutboxRelay(db, bus, silentLogger, ORIGIN);
    relay.start();
    await allMarked(rows, 'the sweep to publish the rows');
    const published = bus.inner.messages(Topics.OrderCreated).map((m) => m.value?.toString());
    expect(published).toEqual(rows.map((r) => r.payload));
  });

  it('leaves rows unmarked when the broker refuses them, and the sweep publishes them once it is back', async () => {
    relay = new OutboxRelay(db, bus, silentLogger, ORIGIN);
    bus.failing = true;
    // Rows whose fast path fails; old enough for the sweep, as they would be after a short outage.
    const rows = await insertRows(4, { ageSeconds: 5 });
    relay.publish(rows);
    await bus.settled();
    await turns();
    expect(await unpublished(rows), 'a refused send marks nothing').toEqual(rows.map((r) => r.id));

    relay.start();
    await waitFor(() => bus.attempts.length >= 2, { ...quick, what: 'the sweep to try to send' });
    await bus.settled();
    expect(await unpublished(rows), 'a refused sweep marks nothing (its claim rolled back)').toEqual(rows.map((r) => r.id));
    expect(bus.keysOn(Topics.OrderCreated)).toEqual([]);

    bus.failing = false;
    await allMarked(rows, 'the sweep to publish the rows once the broker is back');
    expect(bus.keysOn(Topics.OrderCreated).sort()).toEqual(rows.map((r) => r.key).sort());
  });

  it('waits on stop() for sends under way and marks what they published', async () => {
    relay = new OutboxRelay(db, bus, silentLogger, ORIGIN);
    relay.start();
    bus.holding = deferred();
    const rows = await insertRows(3);
    relay.publish(rows);
    await waitFor(() => bus.attempts.length >= 1, { ...quick, what: 'the send to start' });

    let stopped = false;
    const stopping = relay.stop().then(() => (stopped = true));
    await turns(20);
    expect(stopped, 'stop() returned while a send was under way').toBe(false);

    bus.holding.resolve();
    await stopping;
    relay = undefined;
    // Marked before stop() returned: a restarted relay will not send them again.
    expect(await unpublished(rows)).toEqual([]);
    expect(bus.keysOn(Topics.OrderCreated).sort()).toEqual(rows.map((r) => r.key).sort());
  });

  it('stops promptly when idle', async () => {
    relay = new OutboxRelay(db, bus, silentLogger, ORIGIN);
    relay.start();
    const t0 = performance.now();
    await relay.stop();
    relay = undefined;
    expect(performance.now() - t0).toBeLessThan(500);
  });
});
