import { randomUUID } from 'node:crypto';
import type { Consumer } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { serializeEvent } from '../../src/events/events.ts';
import { OUTCOME_TOPICS } from '../../src/events/outcomes.ts';
import { Topics } from '../../src/events/topics.ts';
import { connectAdmin, createKafka, createProducer } from '../../src/infra/kafka.ts';
import { followOutcomes } from '../../src/infra/kafka-outcomes.ts';
import { ensureTopics } from '../../src/infra/kafka-topics.ts';
import { silentLogger } from '../../src/infra/log.ts';
import { testEnv } from '../helpers/env.ts';
import { removeSagaTopics } from '../helpers/kafka.ts';
import { waitFor } from '../helpers/wait.ts';

const brokers = testEnv.brokers.split(',');
const prefix = `t${randomUUID().slice(0, 8)}.`;
afterAll(() => removeSagaTopics(testEnv.brokers, prefix));

describe("doms load's outcome follower", () => {
  // Its group commits nothing, so after a rebalance (a `doms topics grow` under load causes one) kafkajs
  // started every partition at its end again: outcomes written during the rebalance were never seen, and
  // `doms load` counted their orders as timed out.
  it('sees every outcome written while its group rebalances', async () => {
    const kafka = createKafka({ brokers, clientId: 'doms-follow-test', logger: silentLogger });
    const admin = await connectAdmin(kafka, brokers);
    await ensureTopics(admin, prefix, 2);
    await admin.disconnect();
    const producer = createProducer(kafka);
    await producer.connect();
    const seen = new Set<string>();
    const follower = await followOutcomes(kafka, prefix, (orderId) => seen.add(orderId));
    const joins: number[] = [];
    follower.on(follower.events.GROUP_JOIN, ({ payload }) => joins.push(Object.values(payload.memberAssignment).flat().length));
    const { groupId } = await follower.describeGroup();

    // Outcomes keep coming, on both partitions, for the whole test.
    const sent: string[] = [];
    let producing = true;
    const writing = (async () => {
      while (producing) {
        const batch = Array.from({ length: 4 }, () => randomUUID());
        await producer.send({
          topic: prefix + Topics.PaymentSuccess,
          acks: -1,
          messages: batch.map((orderId, i) => ({
            partition: i % 2,
            key: orderId,
            value: serializeEvent({ type: Topics.PaymentSuccess, orderId, paymentId: randomUUID(), amount: 10 }),
          })),
        });
        sent.push(...batch);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();

    // A second member joins the follower's group and leaves again: two rebalances, and some partitions
    // are away from the follower in between (the other member reads them and commits nothing).
    let intruder: Consumer | undefined = kafka.consumer({ groupId, allowAutoTopicCreation: false });
    try {
      await intruder.connect();
      await intruder.subscribe({ topics: OUTCOME_TOPICS.map((t) => prefix + t) });
      await intruder.run({ autoCommit: false, eachBatch: async () => {} });
      await waitFor(() => joins.length >= 1 && joins.at(-1)! < 2 * OUTCOME_TOPICS.length, {
        timeout: 30_000,
        what: 'the follower to give partitions to the other member',
      });
      await intruder.disconnect();
      intruder = undefined;
      await waitFor(() => joins.length >= 2 && joins.at(-1) === 2 * OUTCOME_TOPICS.length, {
        timeout: 30_000,
        what: 'the follower to hold every partition again',
      });
      const before = sent.length;
      await waitFor(() => sent.length >= before + 40, { timeout: 10_000, what: 'more outcomes after the rebalances' });
    } finally {
      producing = false;
      await writing;
      await intruder?.disconnect();
    }

    try {
      // Seen late is fine; the assertion below says how many were never seen.
      await waitFor(() => sent.every((id) => seen.has(id)), { timeout: 20_000, what: 'every outcome seen' }).catch(() => {});
    } finally {
      await follower.disconnect();
      await producer.disconnect();
    }
    const missed = sent.filter((id) => !seen.has(id));
    expect(missed.length, `${missed.length} of the ${sent.length} outcomes written were never seen`).toBe(0);
    expect(sent.length).toBeGreaterThan(40);
  }, 120_000);
});
