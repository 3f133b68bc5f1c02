import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChainableCommander, Redis } from 'ioredis';
import type { Consumer, Producer } from 'kafkajs';
import { Pool } from 'undici';
import { serializeEvent, type DomsEvent } from '../events/events.ts';
import { EventHeaders } from '../events/headers.ts';
import type { Items } from '../events/schemas.ts';
import { topicName, Topics } from '../events/topics.ts';
import { PgDb, prepared } from '../infra/db.ts';
import { createKafka, createProducer } from '../infra/kafka.ts';
import { silentLogger } from '../infra/log.ts';
import { connectPostgres } from '../infra/postgres.ts';
import { connectRedis, execAll } from '../infra/redis.ts';
import { OrderMix, type MixOptions } from '../loadgen/order-mix.ts';
import { postOrder } from '../loadgen/post-order.ts';

import type { CreateOrderRequest } from '../services/order/request.ts';
import { migrate } from '../services/order/schema.ts';
import { kafkaSecurity } from '../wiring/process-kafka-security.ts';
import { RESERVE, SETTLE } from '../services/inventory/redis-scripts.ts';
import { Queue } from './queue.ts';
import { orderKeys, stockKeysOf } from './redis-keys.ts';

/**
 * The floor: the saga's I/O for each order with ideal batching, in one process, so that what this
 * stack costs at the least per order can be measured beside doms (src/bench/floor-step.ts spawns this
 * file and reads its CPU, and the servers', from /proc). Per batch of orders, each step one request:
 *
 *   1. HTTP: a POST /orders per order (the load generator's body and client), on as many keep-alive
 *      connections as a batch has orders, to a node:http handler here that parses the JSON and
 *      answers, with the order, once the batch is committed;
 *   2. PostgreSQL: one statement, so one commit, writes the orders, their items, their CREATED
 *      timeline rows and an outbox row each, into tables made by the saga's own migration;
 *   3. Kafka: order.created produced (acks=all), then the outbox rows deleted;
 *   4. order.created consumed back: the saga's RESERVE script per order, one pipeline; inventory.reserved produced;
 *   5. inventory.reserved consumed back: the payment ledger's SET NX per order, one pipeline, and the
 *      status RESERVED with its timeline rows, one statement; payment.success produced;
 *   6. payment.success consumed back: the saga's SETTLE script (units sold) and the notification
 *      ledger's SET NX per order, one pipeline, and the status CONFIRMED with its timeline rows, one statement.
 *
 * Every order takes the saga's common path (stock is ample and no payment fails). Each event is
 * consumed once, by one consumer: the saga's services each read the topics they need, so
 * payment.success is read three times there. The floor checks every reply (each order reserved,
 * charged, sold and notified once, each row written), so it cannot be cheap by doing less.
 * src/bench/floor-process.ts runs it in a process of its own.
 */
export interface FloorConfig {
  /** Orders counted, after `warmupOrders` uncounted ones. */
  orders: number;
  warmupOrders: number;
  batch: number;
  brokers: string[];
  redisUrl: string;
  /** A database of the floor's own; created here, dropped by the parent. */
  databaseUrl: string;
  /** Of the floor's topics and consumer group. */
  topicPrefix: string;
  redisNamespace: string;
  partitions: number;
  mix: MixOptions;
  /** The workers' DOMS_LEDGER_TTL, ms. */
  ledgerTtlMs: number;
  /** Units a product starts with the first time an order names it. */
  stock: number;
}

const FLOOR_TOPICS = [Topics.OrderCreated, Topics.InventoryReserved, Topics.PaymentSuccess] as const;
type FloorTopic = (typeof FLOOR_TOPICS)[number];
type EventOf<T extends FloorTopic> = Extract<DomsEvent, { type: T }>;

type ScriptReply = [string, string, string?];
interface Scripts {
  floorReserve(...args: (string | number)[]): Promise<ScriptReply>;
  floorSettle(...args: (string | number)[]): Promise<ScriptReply>;
}

/** One order as POST /orders answers it (the saga's Order). */
interface Order extends CreateOrderRequest {
  id: string;
  createdAt: string;
}

interface Posted {
  request: CreateOrderRequest;
  res: ServerResponse;
}

const INSERT_ORDERS = prepared(
  'floor_insert_orders',
  `
WITH input AS (
  SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::numeric[], $4::text[]) AS t(id, user_id, amount, payload)
), orders AS (
  INSERT INTO orders (id, user_id, amount, status, created_at, updated_at) SELECT id, user_id, amount, 'CREATED', $5::timestamptz, $5::timestamptz FROM input
), items AS (
  INSERT INTO order_items (order_id, product_id, quantity) SELECT * FROM unnest($6::uuid[], $7::uuid[], $8::int[])
), history AS (
  INSERT INTO order_status_history (order_id, status, at) SELECT id, 'CREATED', $5::timestamptz FROM input
)
INSERT INTO outbox (topic, key, payload) SELECT '${Topics.OrderCreated}', id::text, payload FROM input RETURNING id`,
);

const DELETE_OUTBOX = prepared('floor_delete_outbox', 'DELETE FROM outbox WHERE id = ANY($1::bigint[])');

const ADVANCE = prepared(
  'floor_advance',
  `
WITH moved AS (
  UPDATE orders SET status = $2::text, updated_at = $3::timestamptz WHERE id = ANY($1::uuid[]) RETURNING id
)
INSERT INTO order_status_history (order_id, status, at) SELECT id, $2::text, $3::timestamptz FROM moved`,
);

export class Floor {
  private readonly mix: OrderMix;
  private readonly posted = new Queue<Posted>();
  private readonly consumed = Object.fromEntries(FLOOR_TOPICS.map((t) => [t, new Queue<string>()])) as Record<FloorTopic, Queue<string>>;
  private readonly origin = randomUUID();

  private constructor(
    private readonly config: FloorConfig,
    private readonly db: PgDb,
    private readonly redis: Redis & Scripts,
    private readonly producer: Producer,
    private readonly consumer: Consumer,
    private readonly http: { server: ReturnType<typeof createServer>; pool: Pool },
  ) {
    this.mix = new OrderMix(config.mix);
  }

  static async open(config: FloorConfig): Promise<Floor> {
    const db = new PgDb(await connectPostgres(config.databaseUrl, { max: 1 }));
    await migrate(db);
    const redis = await connectRedis(config.redisUrl, silentLogger);
    redis.defineCommand('floorReserve', { lua: RESERVE });
    redis.defineCommand('floorSettle', { lua: SETTLE });

    const kafka = createKafka({ brokers: config.brokers, clientId: 'doms-floor', logger: silentLogger, security: kafkaSecurity() });
    const admin = kafka.admin();
    await admin.connect();
    const topics = FLOOR_TOPICS.map((t) => topicName(t, config.topicPrefix));
    await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: config.partitions })), waitForLeaders: true });
    await admin.disconnect();
    const producer = createProducer(kafka);
    await producer.connect();
    // kafkajs's default fetch wait (5 s) answers as soon as records arrive, so no fetch comes back empty mid-run.
    const consumer = kafka.consumer({ groupId: `${config.topicPrefix}consumer`, allowAutoTopicCreation: false });
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });

    const server = createServer();
    server.keepAliveTimeout = 60_000;
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    // A connection per order of a batch: each POST is answered only once its whole batch is committed.
    const pool = new Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, {
      connections: config.batch,
      pipelining: 1,
      keepAliveTimeout: 60_000,
    });
    const floor = new Floor(config, db, redis as Redis & Scripts, producer, consumer, { server, pool });
    server.on('request', (req, res: ServerResponse) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => floor.posted.put([{ request: JSON.parse(body) as CreateOrderRequest, res }]));
    });
    const queues = new Map(FLOOR_TOPICS.map((t) => [topicName(t, config.topicPrefix), floor.consumed[t]]));
    // Offsets committed once a second, as the workers do (DOMS_COMMIT_INTERVAL), not after every fetch.
    await consumer.run({
      autoCommitInterval: 1000,
      eachBatch: async ({ batch }) => queues.get(batch.topic)!.put(batch.messages.map((m) => m.value!.toString('utf8'))),
    });
    return floor;
  }

  async run(orders: number): Promise<void> {
    for (let done = 0; done < orders; done += this.config.batch) await this.batch(Math.min(this.config.batch, orders - done));
  }

  private async batch(n: number): Promise<void> {
    await this.createOrders(n);
    const created = await this.consume(Topics.OrderCreated, n);
    await this.send(Topics.InventoryReserved, await this.reserve(created));
    const reserved = await this.consume(Topics.InventoryReserved, n);
    const [paid] = await Promise.all([this.charge(reserved), this.advance(reserved, 'RESERVED')]);
    await this.send(Topics.PaymentSuccess, paid);
    const settled = await this.consume(Topics.PaymentSuccess, n);
    // What each order reserved, as the inventory service reads it back from its reservation record.
    const items = new Map(reserved.map((e) => [e.orderId, e.items]));
    await Promise.all([this.sellAndNotify(settled, items), this.advance(settled, 'CONFIRMED')]);
  }

  /** Steps 1–3: the POSTs, the orders committed and answered, order.created published from the outbox. */
  private async createOrders(n: number): Promise<void> {
    const answered = Array.from({ length: n }, () => this.post(this.mix.nextJson()));
    const posted = await this.posted.take(n);
    const at = new Date();
    const orders = posted.map(({ request }): Order => ({ id: randomUUID(), ...request, createdAt: at.toISOString() }));
    const events = orders.map((o) => serializeEvent({ type: Topics.OrderCreated, orderId: o.id, userId: o.userId, totalAmount: o.amount, items: o.items }, at));
    const lines = orders.flatMap((o) => Object.entries(o.items).map(([productId, quantity]) => ({ orderId: o.id, productId, quantity })));
    const { rows } = await this.db.query<{ id: string }>(INSERT_ORDERS, [
      orders.map((o) => o.id),
      orders.map((o) => o.userId),
      orders.map((o) => o.amount),
      events,
      at,
      lines.map((l) => l.orderId),
      lines.map((l) => l.productId),
      lines.map((l) => l.quantity),
    ]);
    expectAll('outbox rows written', rows.length, n);
    posted.forEach(({ res }, i) => answer(res, orders[i]!));
    await Promise.all(answered);
    await this.producer.sendBatch({
      acks: -1,
      topicMessages: [
        {
          topic: topicName(Topics.OrderCreated, this.config.topicPrefix),
          messages: orders.map((o, i) => ({ key: o.id, value: events[i]!, headers: { [EventHeaders.Origin]: this.origin } })),
        },
      ],
    });
    const deleted = await this.db.query(DELETE_OUTBOX, [rows.map((r) => r.id)]);
    expectAll('outbox rows deleted', deleted.rowCount ?? 0, n);
  }

  private post(body: string): Promise<void> {
    return new Promise((resolve, reject) =>
      postOrder(this.http.pool, body, {
        onAnswer: (status, text) => (status === 200 ? resolve() : reject(new Error(`POST /orders answered ${status}: ${text}`))),
        onError: reject,
      }),
    );
  }

  private async consume<T extends FloorTopic>(topic: T, n: number): Promise<EventOf<T>[]> {
    return (await this.consumed[topic].take(n)).map((value) => JSON.parse(value) as EventOf<T>);
  }

  private async send(topic: FloorTopic, events: readonly DomsEvent[]): Promise<void> {
    const at = new Date();
    await this.producer.sendBatch({
      acks: -1,
      topicMessages: [{ topic: topicName(topic, this.config.topicPrefix), messages: events.map((e) => ({ key: e.orderId, value: serializeEvent(e, at) })) }],
    });
  }

  /** Step 4: the inventory service's reservation, as its Redis store calls the script. */
  private async reserve(created: EventOf<'order.created'>[]): Promise<EventOf<'inventory.reserved'>[]> {
    const namespace = this.config.redisNamespace;
    const pipeline = this.redis.pipeline() as ChainableCommander & Scripts;
    for (const { orderId, items } of created) {
      const ids = Object.keys(items);
      const [reservation] = orderKeys(namespace, orderId);
      const { products, stock } = stockKeysOf(namespace, ids);
      const pairs = ids.flatMap((id) => [id, items[id]!]);
      pipeline.floorReserve(2 + ids.length, reservation, products, ...stock, this.config.stock, JSON.stringify(items), this.config.ledgerTtlMs, ...pairs);
    }
    const replies = await execAll<ScriptReply>(pipeline);
    expectAll('orders reserved', replies.filter(([state, , repeat]) => state === 'RESERVED' && repeat === undefined).length, created.length);
    return created.map(({ orderId, userId, totalAmount, items }) => ({ type: Topics.InventoryReserved, orderId, userId, totalAmount, items }));
  }

  /** Step 5: the payment service's ledger, one record per order that only the first charge writes. */
  private async charge(reserved: EventOf<'inventory.reserved'>[]): Promise<EventOf<'payment.success'>[]> {
    const paid = reserved.map(({ orderId, totalAmount }) => ({ type: Topics.PaymentSuccess, orderId, paymentId: randomUUID(), amount: totalAmount }));
    const pipeline = this.redis.pipeline();
    for (const { orderId, paymentId } of paid) {
      const [, payment] = orderKeys(this.config.redisNamespace, orderId);
      pipeline.set(payment, JSON.stringify({ status: 'success', paymentId }), 'PX', this.config.ledgerTtlMs, 'NX', 'GET');
    }
    expectAll('payments recorded', (await execAll<string | null>(pipeline)).filter((previous) => previous === null).length, paid.length);
    return paid;
  }

  /** Step 6: the inventory service's sale of the reserved units and the notification service's ledger. */
  private async sellAndNotify(paid: EventOf<'payment.success'>[], itemsOf: ReadonlyMap<string, Items>): Promise<void> {
    const { redisNamespace: namespace, ledgerTtlMs: ttl } = this.config;
    const pipeline = this.redis.pipeline() as ChainableCommander & Scripts;
    for (const { orderId } of paid) {
      const items = itemsOf.get(orderId)!;
      const ids = Object.keys(items);
      const [reservation, , notified] = orderKeys(namespace, orderId);
      const { stock } = stockKeysOf(namespace, ids);
      pipeline.floorSettle(1 + ids.length, reservation, ...stock, JSON.stringify(items), 'SOLD', ttl, ...ids.map((id) => items[id]!));
      pipeline.set(notified, 'CONFIRMED', 'PX', ttl, 'NX');
    }
    const replies = await execAll<ScriptReply | string | null>(pipeline);
    expectAll('orders sold and notified', replies.filter((r) => (Array.isArray(r) ? r[0] === 'DONE' : r === 'OK')).length, paid.length * 2);
  }

  /** Steps 5 and 6: the order service's status change, with its timeline rows. */
  private async advance(events: readonly { orderId: string }[], status: 'RESERVED' | 'CONFIRMED'): Promise<void> {
    const { rowCount } = await this.db.query(ADVANCE, [events.map((e) => e.orderId), status, new Date()]);
    expectAll(`orders ${status}`, rowCount ?? 0, events.length);
  }

  async close(): Promise<void> {
    await this.consumer.disconnect().catch(() => {});
    await this.producer.disconnect().catch(() => {});
    await this.http.pool.close().catch(() => {});
    this.http.server.close();
    this.redis.disconnect();
    await this.db.end().catch(() => {});
  }
}

function answer(res: ServerResponse, o: Order): void {
  const text = JSON.stringify({ ...o, status: 'CREATED', updatedAt: o.createdAt, statusHistory: [{ status: 'CREATED', at: o.createdAt }] });
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function expectAll(what: string, got: number, want: number): void {
  if (got !== want) throw new Error(`floor: ${what}: ${got} of ${want}`);
}
