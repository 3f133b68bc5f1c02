import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { ALL_TOPICS, topicName } from '../../src/events/topics.ts';
import { connectAdmin, createKafka, ensureTopics } from '../../src/infra/kafka.ts';
import { silentLogger } from '../../src/infra/log.ts';
import { testEnv } from '../helpers/env.ts';
import { removeSagaTopics } from '../helpers/kafka.ts';
import { Saga } from '../helpers/workers.ts';

const brokers = testEnv.brokers.split(',');
const prefixes: string[] = [];
afterAll(async () => {
  for (const prefix of prefixes) await removeSagaTopics(testEnv.brokers, prefix);
});

describe('topics that grow', () => {
  it('gives existing saga topics the partitions DOMS_PARTITIONS asks for, and never shrinks them', async () => {
    const prefix = `g${randomUUID().slice(0, 8)}.`;
    prefixes.push(prefix);
    const admin = await connectAdmin(createKafka({ brokers, clientId: 'doms-grow-test', logger: silentLogger }), brokers);
    try {
      expect(await ensureTopics(admin, prefix, 2)).toEqual([]);
      const grown = await ensureTopics(admin, prefix, 5);
      expect(grown.map((g) => g.topic).sort()).toEqual(ALL_TOPICS.map((t) => topicName(t, prefix)).sort());
      expect(grown.every((g) => g.from === 2 && g.to === 5)).toBe(true);
      const { topics } = await admin.fetchTopicMetadata({ topics: ALL_TOPICS.map((t) => topicName(t, prefix)) });
      expect(topics.map((t) => t.partitions.length)).toEqual(ALL_TOPICS.map(() => 5));
      // Asking for fewer changes nothing; asking for the same again neither.
      expect(await ensureTopics(admin, prefix, 3)).toEqual([]);
      expect(await ensureTopics(admin, prefix, 5)).toEqual([]);
    } finally {
      await admin.disconnect();
    }
  });

  it('says so when an instance gets no partitions, and a start with DOMS_PARTITIONS raised grows the topics', async () => {
    const saga = new Saga();
    saga.env.DOMS_PARTITIONS = '1';
    await saga.start('payment');
    const second = await saga.start('payment');
    await second.waitForOutput(/given no partitions/, 60_000);
    await second.stop();
    saga.env.DOMS_PARTITIONS = '2';
    const third = await saga.start('payment');
    await third.waitForOutput(/topic \S*payment\.success grown from 1 to 2 partitions/, 60_000);
  }, 180_000);
});
