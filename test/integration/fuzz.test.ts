import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Topic } from '../../src/events/topics.ts';
import { groupIdFor } from '../../src/infra/bus.ts';
import type { DeadLetterView } from '../../src/infra/kafka-dead-letters.ts';
import { SERVICE_GROUPS } from '../../src/services/registry.ts';
import { testEnv } from '../helpers/env.ts';
import { announceSeed, fuzzRuns, sampleOf } from '../helpers/fuzz.ts';
import { checkOne, describeTally, newTally, orderRequest, type Queryable } from '../helpers/fuzz-orders.ts';
import { messageHeaders, messageKey, messageTimestamp, oversizedValue, poisonValue } from '../helpers/fuzz-topics.ts';
import { getOrder, placeOrder } from '../helpers/orders.ts';
import { waitFor } from '../helpers/wait.ts';
import { Saga } from '../helpers/workers.ts';

/** Requests against the real order service: fewer than on PGlite, for the real path. */
const HTTP_CASES = 300;
/** Poison messages per input topic, in three rounds between good orders, plus one near the broker's size limit. */
const POISON_PER_TOPIC = 24;
/** Under the broker's 1 MiB message limit (message.max.bytes), with room for the record's overhead. */
const BROKER_MAX_VALUE = 1_000_000;
/** Partitions per topic (the Saga sets DOMS_PARTITIONS=3): poison goes round them all. */
const PARTITIONS = 3;

/** Which services read each topic: every one of them dead-letters the topic's poison once. */
const readers = new Map<Topic, string[]>();
for (const { group, topics } of SERVICE_GROUPS) for (const t of topics) readers.set(t, [...(readers.get(t) ?? []), group]);
const INPUT_TOPICS = [...readers.keys()];

const kafka = new Kafka({ clientId: 'doms-fuzz', brokers: testEnv.brokers.split(','), logLevel: logLevel.NOTHING });
let producer: Producer;
let saga: Saga;
let db: pg.Client;

beforeAll(async () => {
  saga = new Saga(['--failure-rate', '0.5', '--payment-seed', 'fuzz']);
  await saga.start('all');
  db = new pg.Client({ connectionString: saga.databaseUrl });
  await db.connect();
  producer = kafka.producer();
  await producer.connect();
});
afterAll(async () => {
  await producer?.disconnect();
  await db?.end();
});

describe('POST /orders under fuzzing, on the real order service and PostgreSQL', () => {
  it(`answers ${HTTP_CASES} random requests 200 with the order stored once, or 400 naming a field that is wrong; never 5xx, never hangs`, async () => {
    announceSeed('POST /orders on PostgreSQL');
    const tally = newTally();
    const started = Date.now();
    const sql: Queryable = { query: async <T>(text: string, params?: unknown[]) => ({ rows: (await db.query(text, params)).rows as T[] }) };
    await fc.assert(
      fc.asyncProperty(orderRequest, (req) => checkOne(saga.target, sql, req, tally)),
      fuzzRuns(HTTP_CASES),
    );
    console.log(describeTally(tally, Date.now() - started));
    expect(tally.created).toBeGreaterThan(HTTP_CASES / 10);
    const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM orders');
    expect(Number(rows[0]!.n), 'only the orders answered 200 were stored').toBe(tally.ids.size);
    expect(saga.processes[0]!.child.exitCode, 'the worker still runs').toBeNull();
  }, 240_000);
});

interface Injected {
  topic: Topic;
  partition: number;
  offset: string;
  kind: string;
  /** Sent with a timestamp of its own (a Date may not hold it), headers, no key. */
  odd: { timestamp: boolean; headers: boolean; noKey: boolean };
}

const poisonMessage = (topic: Topic) =>
  fc.record({ value: poisonValue(topic, { maxBytes: 300_000 }), key: messageKey, headers: messageHeaders, timestamp: messageTimestamp });

describe('every input topic under fuzzing, on the real broker with the real workers', () => {
  it(`sets all poison aside in the topics' dead-letter topics, once per reading service, while good orders keep finishing`, async () => {
    announceSeed('poison on every input topic');
    try {
      await poisonEveryTopic();
    } catch (e: unknown) {
      // What the workers said last shows a crash or a partition held up.
      const exits = saga.processes.map((p) => p.child.exitCode);
      throw new Error(
        `${(e as Error).message}\nworker exit codes: ${exits.join(', ')}\nlast worker output:\n${saga.output.split('\n').slice(-60).join('\n')}`,
        { cause: e },
      );
    }
  }, 420_000);
});

async function poisonEveryTopic(): Promise<void> {
  const started = Date.now();
  const product = randomUUID();
  const scarce = randomUUID();
  const seeded = await saga.doms(['stock', 'seed', `${product}=100000`, `${scarce}=0`]);
  expect(seeded.code, seeded.stderr).toBe(0);

  const plans = INPUT_TOPICS.map((topic, i) => {
    const messages = sampleOf(poisonMessage(topic), POISON_PER_TOPIC, 100 + i);
    const [big] = sampleOf(fc.record({ value: oversizedValue(topic, BROKER_MAX_VALUE), key: messageKey }), 1, 200 + i);
    return { topic, messages: [...messages, { ...big!, headers: undefined, timestamp: undefined }] };
  });
  const injected: Injected[] = [];
  const inject = async (round: number, rounds: number) => {
    for (const { topic, messages } of plans) {
      const mine = messages.filter((_, i) => i % rounds === round);
      for (const [i, m] of mine.entries()) {
        const partition = (round + i) % PARTITIONS;
        const send = (timestamp: string | undefined) =>
          producer.send({
            topic: saga.prefix + topic,
            acks: -1,
            messages: [
              { key: m.key, value: m.value.value, partition, ...(m.headers && { headers: m.headers }), ...(timestamp !== undefined && { timestamp }) },
            ],
          });
        // A broker that bounds record times (Kafka 4's default, log.message.timestamp.after.max.ms) refuses the far ones: send it without.
        const [meta] = await send(m.timestamp).catch((e: unknown) => {
          const { type, cause } = e as { type?: string; cause?: { type?: string } };
          if (type !== 'INVALID_TIMESTAMP' && cause?.type !== 'INVALID_TIMESTAMP') throw e;
          m.timestamp = undefined;
          return send(undefined);
        });
        injected.push({
          topic,
          partition: meta!.partition,
          offset: meta!.baseOffset!,
          kind: m.value.kind,
          odd: { timestamp: m.timestamp !== undefined, headers: m.headers !== undefined, noKey: m.key === null },
        });
      }
    }
  };
  const good: string[] = [];
  const order = async (productId: string) =>
    good.push((await placeOrder(() => saga.target, { userId: randomUUID(), amount: 12.5, items: { [productId]: 1 } })).id);

  const rounds = 3;
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < 3; i++) await order(product);
    await order(scarce);
    await inject(round, rounds);
    for (let i = 0; i < 3; i++) await order(product);
  }
  const kinds = new Map<string, number>();
  for (const m of injected) kinds.set(m.kind, (kinds.get(m.kind) ?? 0) + 1);
  const odd = (what: keyof Injected['odd']) => injected.filter((m) => m.odd[what]).length;
  console.log(
    `${injected.length} poison messages on ${INPUT_TOPICS.length} topics: ${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')}; ` +
      `${odd('timestamp')} with a timestamp of their own, ${odd('headers')} with headers, ${odd('noKey')} without a key`,
  );

  // Good orders placed before, between and after the poison all end: no partition is held up.
  for (const id of good) {
    await waitFor(async () => ['CONFIRMED', 'CANCELLED', 'REJECTED'].includes((await getOrder(saga.target, id)).status), {
      timeout: 120_000,
      interval: 200,
      what: `order ${id} to end`,
    });
  }

  // Each reading service sets each poison message aside once: matched by where it came from.
  const expected = new Set(
    injected.flatMap(({ topic, partition, offset }) =>
      readers.get(topic)!.map((group) => `${groupIdFor(group, saga.prefix)} ${topic} [${partition}]@${offset}`),
    ),
  );
  const where = (l: DeadLetterView) => `${l.group} ${l.source.topic} [${l.source.partition}]@${l.source.offset}`;
  let lastMissing: string[] = [];
  const letters = await waitFor(
    async () => {
      const listed = await saga.doms(['dlq', '--json'], { timeout: 120_000 });
      if (listed.code !== 0) throw new Error(`doms dlq exited ${listed.code}: ${listed.stderr}`);
      const all = JSON.parse(listed.stdout) as DeadLetterView[];
      const seen = new Set(all.map(where));
      const missing = [...expected].filter((k) => !seen.has(k));
      if (missing.length === 0) return all;
      lastMissing = missing;
      return undefined;
    },
    { timeout: 180_000, interval: 2000, what: 'every poison message in its dead-letter topic' },
  ).catch((e: unknown) => {
    throw new Error(`${(e as Error).message}\nstill missing: ${lastMissing.slice(0, 20).join(', ')}`);
  });
  const strays = letters.filter((l) => !expected.has(where(l)));
  expect(strays.map(where), 'nothing but the poison was dead-lettered').toEqual([]);
  for (const l of letters) expect(l.error, where(l)).not.toBe('');
  const byTopic = new Map<string, number>();
  for (const l of letters) byTopic.set(l.source.topic, (byTopic.get(l.source.topic) ?? 0) + 1);

  expect(
    saga.processes.map((p) => p.child.exitCode),
    'no worker exited',
  ).toEqual(saga.processes.map(() => null));
  const verified = await saga.doms(['verify', '--wait', '30s'], { timeout: 120_000 });
  expect(verified.code, verified.stdout + verified.stderr).toBe(0);
  console.log(
    `${letters.length} dead letters for ${expected.size} expected (${letters.length - new Set(letters.map(where)).size} repeated by redelivery): ` +
      `${[...byTopic].map(([t, n]) => `${t} ${n}`).join(', ')}; ${good.length} good orders ended; ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}
