import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { groupIdFor, type RunningConsumer } from '../../src/infra/bus.ts';
import { connectAdmin, createKafka, createProducer } from '../../src/infra/kafka.ts';
import { ensureTopics } from '../../src/infra/kafka-topics.ts';
import { KafkaBus } from '../../src/infra/kafka-bus.ts';
import { silentLogger } from '../../src/infra/log.ts';
import { testEnv } from '../helpers/env.ts';
import { removeSagaTopics } from '../helpers/kafka.ts';
import { waitFor } from '../helpers/wait.ts';

const brokers = testEnv.brokers.split(',');
const prefix = `t${randomUUID().slice(0, 8)}.`;
afterAll(() => removeSagaTopics(testEnv.brokers, prefix));

// inventory's sales moved from the `inventory` group to `inventory-sales`: an upgraded worker must
// neither read payment.success again from the beginning nor skip what came while it was upgraded.
describe('a consumer group that takes topics over from another', () => {
  it('starts where the other left off, then keeps its own offsets', async () => {
    const kafka = createKafka({ brokers, clientId: 'doms-takeover-test', logger: silentLogger });
    const admin = await connectAdmin(kafka, brokers);
    const producer = createProducer(kafka);
    await producer.connect();
    const topic = `${prefix}payment.success`;
    const bus = new KafkaBus(kafka, producer, prefix, silentLogger);
    const seen: string[] = [];
    const consume = () =>
      bus.subscribe({
        group: 'inventory-sales',
        takesOverFrom: 'inventory',
        topics: ['payment.success'],
        pace: 'record',
        onChunk: async ({ partition, messages }) => void seen.push(...messages.map((m) => `${partition}@${m.offset}`)),
      });
    let consumer: RunningConsumer | undefined;
    try {
      await ensureTopics(admin, prefix, 2);
      // Just created: a partition may have no leader yet for a moment (NOT_LEADER), so a write is retried.
      const write = (partition: number, n: number) =>
        waitFor(() => producer.send({ topic, acks: -1, messages: Array.from({ length: n }, (_, i) => ({ partition, value: `m${i}` })) }), {
          what: `a write to partition ${partition}`,
        });
      await write(0, 10);
      await write(1, 3);
      // The old group had handled partition 0 up to offset 6 and committed nothing on partition 1.
      await admin.setOffsets({ groupId: groupIdFor('inventory', prefix), topic, partitions: [{ partition: 0, offset: '6' }] });

      consumer = await consume();
      const expected = ['0@6', '0@7', '0@8', '0@9', '1@0', '1@1', '1@2'];
      await waitFor(() => seen.length >= expected.length, { timeout: 30_000, what: `the new group to read ${expected.length} messages` });
      expect(seen.sort()).toEqual(expected);
      await consumer.stop();
      consumer = undefined;

      // Its own commits now count: the old group's offsets are not copied again.
      await admin.setOffsets({ groupId: groupIdFor('inventory', prefix), topic, partitions: [{ partition: 0, offset: '2' }] });
      seen.length = 0;
      await write(0, 1);
      consumer = await consume();
      await waitFor(() => seen.length >= 1, { timeout: 30_000, what: 'the new message' });
      expect(seen).toEqual(['0@10']);
    } finally {
      await consumer?.stop();
      await producer.disconnect();
      await admin.disconnect();
    }
  }, 90_000);
});
