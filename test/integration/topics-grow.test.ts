import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { ALL_TOPICS, Topics, topicName, type Topic } from '../../src/events/topics.ts';
import { connectAdmin, createKafka } from '../../src/infra/kafka.ts';
import { ensureTopics, replicationFor, type TopicDescription } from '../../src/infra/kafka-topics.ts';
import { silentLogger } from '../../src/infra/log.ts';
import { RedisStockStore } from '../../src/services/inventory/redis-stock-store.ts';
import type { LoadResult } from '../../src/loadgen/result.ts';
import type { Order } from '../../src/services/order/order-store.ts';
import { doms } from '../helpers/cli.ts';
import { testEnv } from '../helpers/env.ts';
import { removeSagaTopics } from '../helpers/kafka.ts';
import { getOrder, placeOrder } from '../helpers/orders.ts';
import { waitFor } from '../helpers/wait.ts';
import { Saga } from '../helpers/workers.ts';

const brokers = testEnv.brokers.split(',');
const prefixes: string[] = [];
const redis = new Redis(testEnv.redisUrl);
const kafka = new Kafka({ clientId: 'doms-grow-test', brokers, logLevel: logLevel.NOTHING });
const admin = kafka.admin();
afterAll(async () => {
  await admin.disconnect();
  await redis.quit();
  for (const prefix of prefixes) await removeSagaTopics(testEnv.brokers, prefix);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const eventTopics = (described: TopicDescription[]) => described.filter((t) => !t.deadLetter);

describe('topics that grow', () => {
  it('creates the topics with the replication the cluster holds, shows them, and never shrinks them', async () => {
    const prefix = `g${randomUUID().slice(0, 8)}.`;
    prefixes.push(prefix);
    const env = { KAFKA_BROKERS: testEnv.brokers, DOMS_TOPIC_PREFIX: prefix };
    const kafkaAdmin = await connectAdmin(createKafka({ brokers, clientId: 'doms-grow-test', logger: silentLogger }), brokers);
    let expected: ReturnType<typeof replicationFor>;
    try {
      expected = replicationFor((await kafkaAdmin.describeCluster()).brokers.length);
      expect(await ensureTopics(kafkaAdmin, prefix, 2)).toEqual([]);
      // More asked for than the topics have: reported, not done (that is `doms topics grow`'s).
      const short = await ensureTopics(kafkaAdmin, prefix, 4);
      expect(short.map((s) => s.topic).sort()).toEqual(ALL_TOPICS.map((t) => topicName(t, prefix)).sort());
      expect(short.every((s) => s.partitions === 2)).toBe(true);
    } finally {
      await kafkaAdmin.disconnect();
    }

    const listed = await doms(['topics', '--json'], { env });
    expect(listed.code, listed.stderr).toBe(0);
    const described = JSON.parse(listed.stdout) as TopicDescription[];
    expect(described).toHaveLength(12);
    for (const t of described)
      expect(t).toEqual({
        topic: t.topic,
        deadLetter: t.topic.endsWith('.dlq'),
        exists: true,
        partitions: t.deadLetter ? 1 : 2,
        replicationFactor: expected.replicationFactor,
        minInsyncReplicas: expected.minInsyncReplicas,
        underReplicated: 0,
      });

    const grown = await doms(['topics', 'grow', '--partitions', '3', '--topic', 'order.created,payment.failed'], { env });
    expect(grown.code, grown.stderr).toBe(0);
    expect(grown.stdout).toBe(`${prefix}order.created: 2 → 3 partitions\n${prefix}payment.failed: 2 → 3 partitions\n`);
    // Flags, after the subcommand's name, are grow's own (not `doms topics`'s).
    const again = await doms([
      'topics',
      'grow',
      '--partitions',
      '3',
      '--topic',
      'order.created',
      '--json',
      '--topic-prefix',
      prefix,
      '--brokers',
      testEnv.brokers,
    ]);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({ partitions: 3, changed: [], unchanged: [`${prefix}order.created`] });

    const fewer = await doms(['topics', 'grow', '--partitions', '2'], { env });
    expect(fewer.code).toBe(2);
    expect(fewer.stderr).toBe(
      `doms: cannot shrink topic ${prefix}order.created: it has 3 partitions, more than --partitions 2 (and 1 more topics); Kafka never removes partitions\n`,
    );
    const after = JSON.parse((await doms(['topics', '--json'], { env })).stdout) as TopicDescription[];
    expect(eventTopics(after).map((t) => t.partitions)).toEqual(ALL_TOPICS.map((t) => (['order.created', 'payment.failed'].includes(t) ? 3 : 2)));
  }, 120_000);

  it('grows under a running saga with load, and every order still ends once', async () => {
    const saga = new Saga(['--failure-rate', '0.3', '--latency', '5ms']);
    saga.env.DOMS_PARTITIONS = '2';
    await saga.start('all');
    // A worker that wants more partitions than the topics have says so, once, with the fix.
    saga.env.DOMS_PARTITIONS = '4';
    const second = await saga.start('payment');
    const warning = await second.waitForOutput(/topics? .*fewer partitions than DOMS_PARTITIONS=4.*\n/, 30_000);
    expect(warning[0]).toContain(`${saga.prefix}inventory.reserved (2)`);
    expect(warning[0]).toContain('doms topics grow --partitions 4');
    expect(second.output.match(/fewer partitions than DOMS_PARTITIONS/g)).toHaveLength(1);
    // A third payment instance has no partition of inventory.reserved's two: doms status says so.
    await saga.start('payment');
    const idleNote = async () =>
      ((JSON.parse((await saga.doms(['status', '--json'])).stdout) as { notes: string[] }).notes ?? []).find((n) => /^payment: .* idle/.test(n)) ?? false;
    expect(await waitFor(idleNote, { timeout: 30_000, interval: 500, what: 'the idle payment instance in doms status' })).toBe(
      `payment: 3 instances in ${saga.prefix}doms-payment but its topics have 2 partitions: 1 idle (doms topics grow --partitions <n> adds partitions)`,
    );

    const products = [randomUUID(), randomUUID(), randomUUID()];
    await new RedisStockStore(redis).seed({ [products[0]!]: 1000, [products[1]!]: 1000, [products[2]!]: 30 });
    await admin.connect();
    const onNewPartitions = async (topic: Topic) =>
      (await admin.fetchTopicOffsets(topicName(topic, saga.prefix))).filter((p) => p.partition >= 2).reduce((n, p) => n + Number(p.high), 0);

    // A steady stream of orders (about 20/s) until at least 200 are placed and orders have gone through the new partitions.
    const placed: Promise<Order>[] = [];
    let stop = false;
    const streaming = (async () => {
      while (!stop) {
        placed.push(placeOrder(() => saga.target, { userId: randomUUID(), amount: 20, items: { [products[placed.length % 3]!]: 1 + (placed.length % 3) } }));
        await sleep(50);
      }
    })();
    await waitFor(() => placed.length >= 40, { timeout: 30_000, what: '40 orders placed' });

    const grow = await saga.doms(['topics', 'grow', '--partitions', '4']);
    expect(grow.code, grow.stderr).toBe(0);
    expect(grow.stdout.trim().split('\n')).toEqual(ALL_TOPICS.map((t) => `${saga.prefix}${t}: 2 → 4 partitions`));
    expect(await idleNote()).toBe(false);

    // The workers' producers and consumers see the new partitions within their metadata age (30 s):
    // orders are written to them, and payment answers orders reserved on them.
    await waitFor(async () => placed.length >= 200 && (await onNewPartitions(Topics.OrderCreated)) > 0 && (await onNewPartitions(Topics.PaymentSuccess)) > 0, {
      timeout: 120_000,
      interval: 500,
      what: 'orders through the new partitions',
    });
    stop = true;
    await streaming;
    const orders = await Promise.all(placed);

    const listed = JSON.parse((await saga.doms(['topics', '--json'])).stdout) as TopicDescription[];
    expect(eventTopics(listed).map((t) => t.partitions)).toEqual(ALL_TOPICS.map(() => 4));

    const verified = await saga.doms(['verify', '--wait', '90s', '--max-in-flight', '90s'], { timeout: 120_000 });
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    const final = await Promise.all(orders.map((o) => getOrder(saga.target, o.id)));
    expect(final.filter((o) => !['CONFIRMED', 'REJECTED', 'CANCELLED'].includes(o.status)).map((o) => `${o.id} ${o.status}`)).toEqual([]);

    const fewer = await saga.doms(['topics', 'grow', '--partitions', '3', '--topic', 'payment.success']);
    expect(fewer.code).toBe(2);
    expect(fewer.stderr).toBe(
      `doms: cannot shrink topic ${saga.prefix}payment.success: it has 4 partitions, more than --partitions 3; Kafka never removes partitions\n`,
    );
  }, 300_000);

  it('lets doms load, running across a grow, follow every order to its end, also those on the new partitions', async () => {
    const saga = new Saga(['--failure-rate', '0.2']);
    saga.env.DOMS_PARTITIONS = '2';
    await saga.start('all');
    await admin.connect();
    const written = async (topic: Topic, from = 0) =>
      (await admin.fetchTopicOffsets(topicName(topic, saga.prefix))).filter((p) => p.partition >= from).reduce((n, p) => n + Number(p.high), 0);

    const load = saga.doms(['load', '--rate', '30', '--duration', '50s', '--timeout', '90s', '--products', '10', '--json'], { timeout: 200_000 });
    await waitFor(async () => (await written(Topics.PaymentSuccess)) > 0, { timeout: 60_000, interval: 200, what: 'the load under way' });
    const grow = await saga.doms(['topics', 'grow', '--partitions', '4']);
    expect(grow.code, grow.stderr).toBe(0);

    const run = await load;
    expect(run.code, run.stderr).toBe(0);
    const c = (JSON.parse(run.stdout) as LoadResult).counts;
    expect(c.sent).toBe(1500);
    expect({ inFlight: c.inFlight, timeouts: c.timeouts, httpErrors: c.httpErrors }).toEqual({ inFlight: 0, timeouts: 0, httpErrors: 0 });
    expect(c.confirmed + c.rejected + c.cancelled).toBe(c.sent);
    // Outcomes were written to the partitions added during the run, and the load generator saw them.
    expect(await written(Topics.PaymentSuccess, 2)).toBeGreaterThan(0);

    const verified = await saga.doms(['verify', '--wait', '30s']);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
  }, 300_000);
});
