import { randomUUID } from 'node:crypto';
import type { Admin, Producer } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunningConsumer } from '../../src/infra/bus.ts';
import { connectAdmin, createKafka, createProducer } from '../../src/infra/kafka.ts';
import { ensureTopics } from '../../src/infra/kafka-topics.ts';
import { KafkaBus } from '../../src/infra/kafka-bus.ts';
import { silentLogger } from '../../src/infra/log.ts';
import { testEnv } from '../helpers/env.ts';
import { removeSagaTopics } from '../helpers/kafka.ts';
import { waitFor } from '../helpers/wait.ts';

const brokers = testEnv.brokers.split(',');
const prefixes: string[] = [];
afterAll(() => Promise.all(prefixes.map((p) => removeSagaTopics(testEnv.brokers, p))));

/**
 * A bus whose record-paced consumers linger `recordLingerMs`, on saga topics of its own with `partitions`
 * each; `body` runs with it, and its consumer, producer and admin are closed afterwards.
 */
async function withPacedBus(
  { recordLingerMs, partitions }: { recordLingerMs: number; partitions: number },
  body: (t: { bus: KafkaBus; producer: Producer; admin: Admin; prefix: string; started: (c: RunningConsumer) => void }) => Promise<void>,
): Promise<void> {
  const prefix = `t${randomUUID().slice(0, 8)}.`;
  prefixes.push(prefix);
  const kafka = createKafka({ brokers, clientId: 'doms-pace-test', logger: silentLogger });
  const admin = await connectAdmin(kafka, brokers);
  const producer = createProducer(kafka);
  await producer.connect();
  const tuning = { fetchMaxWaitMs: 100, fetchMinBytes: 1, fetchLingerMs: 0, recordLingerMs, commitIntervalMs: 1000, sessionTimeoutMs: 6000 };
  let consumer: RunningConsumer | undefined;
  try {
    await ensureTopics(admin, prefix, partitions);
    await body({ bus: new KafkaBus(kafka, producer, prefix, silentLogger, tuning), producer, admin, prefix, started: (c) => (consumer = c) });
  } finally {
    await consumer?.stop();
    await producer.disconnect();
    await admin.disconnect();
  }
}

describe('a paced consumer', () => {
  // The order service's timeline consumer holds 4 topics × DOMS_PARTITIONS partitions. kafkajs handles a
  // fetch's partitions a few at a time when told to; each wave of a paced consumer then lingered again, so
  // with 24 partitions the timeline ran three lingers (~0.6 s) behind instead of one.
  it('gets every partition of one fetch in one wave: a single linger, not one per wave', async () => {
    const partitions = 12;
    const lingerMs = 600;
    const topics = ['payment.success', 'payment.failed'] as const;
    await withPacedBus({ recordLingerMs: lingerMs, partitions }, async ({ bus, producer, prefix, started }) => {
      // One message on every partition of both topics, all there before the consumer's first fetch.
      for (const topic of topics)
        await waitFor(
          () =>
            producer.send({
              topic: prefix + topic,
              acks: -1,
              messages: Array.from({ length: partitions }, (_, partition) => ({ partition, value: `${topic}/${partition}` })),
            }),
          { what: `a write to every partition of ${topic}` },
        );
      const arrivals: { at: number; chunk: string }[] = [];
      started(
        await bus.subscribe({
          group: 'waves',
          topics,
          pace: 'record',
          onChunk: async ({ topic, partition }) => void arrivals.push({ at: performance.now(), chunk: `${topic}/${partition}` }),
        }),
      );
      const all = topics.length * partitions;
      await waitFor(() => arrivals.length >= all, { timeout: 30_000, what: `all ${all} partitions' messages (got ${arrivals.length})` });
      expect(new Set(arrivals.map((a) => a.chunk)).size).toBe(all);
      const times = arrivals.map((a) => a.at);
      const spread = Math.max(...times) - Math.min(...times);
      // In waves of 8, the last wave came two lingers (1.2 s) after the first.
      expect(spread, `first to last of the ${all} partitions' chunks, ms`).toBeLessThan(lingerMs);
    });
  }, 90_000);

  it('does not linger after the first batch out of idle: one order on a quiet saga is not held back', async () => {
    const lingerMs = 1500;
    await withPacedBus({ recordLingerMs: lingerMs, partitions: 1 }, async ({ bus, producer, prefix, started }) => {
      const write = (value: string) =>
        waitFor(() => producer.send({ topic: `${prefix}payment.success`, acks: -1, messages: [{ value }] }), { what: `a write of ${value}` });
      const handled: { at: number; value: string }[] = [];
      started(
        await bus.subscribe({
          group: 'idle-pace',
          topics: ['payment.success'],
          pace: 'record',
          onChunk: async ({ messages }) => void handled.push(...messages.map((m) => ({ at: performance.now(), value: String(m.value) }))),
        }),
      );
      // The reservation, then its outcome a moment after it was handled.
      await write('first');
      await waitFor(() => handled.length >= 1, { timeout: 30_000, what: 'the first message' });
      await write('second');
      await waitFor(() => handled.length >= 2, { timeout: 30_000, what: 'the second message' });
      expect(handled.map((h) => h.value)).toEqual(['first', 'second']);
      // Lingering after the first batch would have held the second back a whole linger (1.5 s).
      expect(handled[1]!.at - handled[0]!.at, 'ms from the first message to the second').toBeLessThan(lingerMs * 0.8);
    });
  }, 90_000);
});
