import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { ConfigResourceTypes, type Admin } from 'kafkajs';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_TOPICS, deadLetterTopicName, topicName } from '../../src/events/topics.ts';
import { RedisStockStore } from '../../src/services/inventory/redis-stock-store.ts';
import type { Order } from '../../src/services/order/order-store.ts';
import { SERVICE_GROUPS, SERVICE_NAMES } from '../../src/services/registry.ts';
import {
  CLUSTER_DIR,
  CLUSTER_NODES,
  busiest,
  clusterAdmin,
  clusterBrokers,
  clusterStack,
  groupCoordinators,
  leaderCounts,
  liveNodes,
  nodeLogTail,
  nodePid,
  nodePort,
  partitionStates,
} from '../helpers/cluster.ts';
import { FaultNotObserved, expectChanged, expectKilled, probePort, type FaultObserved } from '../helpers/fault-proof.ts';
import { testEnv } from '../helpers/env.ts';
import { faultsFound, reportFaultFigures } from '../helpers/fault-figures.ts';
import { placeOrder } from '../helpers/orders.ts';
import { waitFor } from '../helpers/wait.ts';
import { Saga } from '../helpers/workers.ts';

// The saga on a three-broker KRaft cluster (replication factor 3, min.insync.replicas 2) of its own,
// started here beside the single dev broker: one node crashes, another is stopped for a while, and
// no order may be lost, stuck or settled twice.

const TERMINAL = ['CONFIRMED', 'REJECTED', 'CANCELLED'];
/** About 25 orders/s: what this 2-core machine carries next to three brokers and four workers. */
const PACE_MS = 40;
/** Longer than the consumers' session timeout (3 s, DOMS_SESSION_TIMEOUT; at most 6 s on any broker). */
const STOPPED_FOR_MS = 12_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const redis = new Redis(testEnv.redisUrl);
let saga: Saga;
let admin: Admin | undefined;
let db: pg.Client | undefined;

beforeAll(async () => {
  // A fresh cluster each time: nothing left from an earlier run can hide (or cause) a failure.
  await clusterStack(['down', '--purge']);
  await clusterStack(['up']);
  mark('cluster up');
  admin = await clusterAdmin();
}, 240_000);

afterAll(async () => {
  const teardownAt = Date.now();
  if (saga) saveOutput();
  await db?.end().catch(() => {});
  // Workers first, while the cluster is there for them to leave their groups cleanly.
  await saga?.teardown();
  await admin?.disconnect().catch(() => {});
  await redis.quit();
  const stopped = Date.now();
  // SIGKILL: quick, and the next run starts from a purged cluster anyway. Data and logs stay until
  // then (.stack/cluster) for a look after a failure.
  await clusterStack(['down', '--kill']);
  console.log(`cluster test teardown: workers stopped in ${stopped - teardownAt} ms, cluster in ${Date.now() - stopped} ms`);
}, 120_000);

const timeline: string[] = [];
const mark = (what: string) => timeline.push(`${new Date().toISOString()} ${what}`);

/** Everything the workers printed, in .stack/cluster/workers.log (kept after the run, as are the brokers' logs). */
function saveOutput(): string {
  const file = `${CLUSTER_DIR}/workers.log`;
  writeFileSync(file, `${timeline.join('\n')}\n\n${saga.output}`);
  return file;
}

/**
 * What a failure message needs: the test's timeline, the workers' warnings and errors (their info
 * lines are one per order) and their last lines. Everything they printed goes to a file as well.
 */
function diagnosis(): string {
  const file = saveOutput();
  const lines = saga.output.split('\n');
  const notable = lines.filter((l) => / (WARN|ERROR) /.test(l));
  return [
    '--- timeline ---',
    ...timeline,
    `--- workers: ${notable.length} warnings and errors (last 60; all output in ${file}) ---`,
    ...notable.slice(-60),
    '--- workers: last 30 lines ---',
    ...lines.slice(-30),
  ].join('\n');
}

/** Terminal transitions (when each order got its final status), oldest first. */
async function outcomeTimes(): Promise<number[]> {
  const { rows } = await db!.query<{ at: Date }>('SELECT updated_at AS at FROM orders WHERE status = ANY($1) ORDER BY updated_at', [TERMINAL]);
  return rows.map((r) => r.at.getTime());
}

/** The longest time without a single order reaching its final status, between `from` and `to`. */
function longestGap(times: number[], from: number, to: number): number {
  const inside = [from, ...times.filter((t) => t > from && t < to), to];
  let longest = 0;
  for (let i = 1; i < inside.length; i++) longest = Math.max(longest, inside[i]! - inside[i - 1]!);
  return longest;
}

/** Node N is down, as seen from outside it: its process gone, its port refusing, the cluster's metadata without it. */
async function proveNodeDown(node: number, pid: number): Promise<FaultObserved> {
  expectKilled(pid, `kafka-${node}`);
  if ((await probePort(nodePort(node))) !== 'refused') throw new FaultNotObserved(`kafka-${node}'s port ${nodePort(node)} still answers after its stop`);
  const live = await waitFor(async () => ((await liveNodes(admin!)).includes(node) ? false : await liveNodes(admin!)), {
    timeout: 30_000,
    interval: 250,
    what: `fault not observed: kafka-${node} to leave the cluster's metadata`,
  });
  return { [`kafka-${node} pid ${pid}`]: 'gone', liveNodesWhileDown: live.join(' ') };
}

/** Node N is back: a new process, in the metadata again. */
async function proveNodeBack(node: number, pidBefore: number): Promise<FaultObserved> {
  const observed = expectChanged(`kafka-${node} pid`, String(pidBefore), String(nodePid(node)));
  await waitFor(async () => (await liveNodes(admin!)).includes(node), { timeout: 30_000, interval: 250, what: `kafka-${node} back in the cluster's metadata` });
  return observed;
}

/** The pid of a node that must have been started by this checkout's script, or the fault cannot be injected. */
function ourNodePid(node: number): number {
  const pid = nodePid(node);
  if (pid === undefined) throw new FaultNotObserved(`kafka-${node} has no pid file in ${CLUSTER_DIR}: a broker this checkout did not start cannot be stopped`);
  return pid;
}

describe('a three-broker cluster', () => {
  it('loses, strands and duplicates no order when the busiest leader is killed and another node is stopped for a while', async () => {
    saga = new Saga(['--failure-rate', '0.2', '--payment-seed', 'cluster']);
    saga.env.KAFKA_BROKERS = clusterBrokers.join(',');
    // The order service first (it picks the HTTP port), then the other three side by side.
    await saga.start('order');
    await Promise.all(SERVICE_NAMES.filter((s) => s !== 'order').map((s) => saga.start(s)));
    mark('workers running');
    const why = (what: string) => `${what}\n${diagnosis()}`;
    db = new pg.Client({ connectionString: saga.databaseUrl });
    db.on('error', () => {}); // the database is dropped (WITH FORCE) at teardown
    await db.connect();

    // Topics made by doms with replicationFactor -1 take the cluster's defaults.
    const topics = ALL_TOPICS.map((t) => topicName(t, saga.prefix));
    const partitions = topics.length * Number(saga.env.DOMS_PARTITIONS);
    const all = [...topics, ...ALL_TOPICS.map((t) => deadLetterTopicName(t, saga.prefix))];
    const states = await partitionStates(admin!, all);
    expect(
      states.filter((s) => s.replicas.length !== 3),
      'every partition of the saga has 3 replicas',
    ).toEqual([]);
    const configs = await admin!.describeConfigs({
      resources: all.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ['min.insync.replicas'] })),
      includeSynonyms: false,
    });
    expect(configs.resources.map((r) => [r.resourceName, r.configEntries[0]?.configValue])).toEqual(all.map((t) => [t, '2']));

    const products = [randomUUID(), randomUUID()];
    // The second runs out: some orders are rejected, and their path is exercised too.
    await new RedisStockStore(redis).seed({ [products[0]!]: 100_000, [products[1]!]: 60 });

    // A steady stream of orders until the end of the test, from a client that retries with an Idempotency-Key.
    const placed: Promise<Order>[] = [];
    let streaming = true;
    const stream = (async () => {
      for (let i = 0; streaming; i++) {
        placed.push(placeOrder(() => saga.target, { userId: randomUUID(), amount: 10 + (i % 7), items: { [products[i % 5 === 0 ? 1 : 0]!]: 1 } }));
        await sleep(PACE_MS);
      }
    })();
    /**
     * Waits until the first orders placed after `since` have all settled: the saga runs end to end, on
     * every partition (orders are spread over all of them by id).
     */
    const settlesAfter = async (since: number, what: string, timeout = 60_000) => {
      let progress = '';
      await waitFor(
        async () => {
          const { rows } = await db!.query<{ n: number; done: number }>(
            `SELECT count(*)::int AS n, (count(*) FILTER (WHERE status = ANY($2)))::int AS done
             FROM (SELECT status FROM orders WHERE created_at > $1 ORDER BY created_at LIMIT 20) o`,
            [new Date(since), TERMINAL],
          );
          const { n, done } = rows[0]!;
          progress = `${done} of the first ${n} settled`;
          return n === 20 && done === 20;
        },
        { timeout, interval: 250, what },
      ).catch((e: unknown) => {
        throw new Error(why(`${(e as Error).message} (${progress})`));
      });
    };
    const start = Date.now();
    mark('orders stream in');
    await settlesAfter(start, 'the first orders to settle on the cluster');
    mark('orders settle');

    // a. The node leading the most of the saga's partitions dies without warning.
    const led = leaderCounts(await partitionStates(admin!, topics));
    const crashed = busiest(led);
    const killedAt = Date.now();
    mark(`killing kafka-${crashed} (leader of ${led.get(crashed)} of ${partitions} partitions)`);
    const crashedPid = ourNodePid(crashed);
    await clusterStack(['down', '--node', String(crashed), '--kill']);
    const killObserved = await proveNodeDown(crashed, crashedPid);
    // The controller fences the node once its heartbeats stop (broker.session.timeout.ms, 9 s), then its partitions get new leaders.
    await waitFor(async () => (await partitionStates(admin!, topics)).every((p) => p.leader !== crashed && !p.isr.includes(crashed)), {
      timeout: 60_000,
      interval: 250,
      what: `the partitions led by kafka-${crashed} to get new leaders`,
    }).catch((e: unknown) => {
      throw new Error(why((e as Error).message));
    });
    const failedOver = Date.now() - killedAt;
    mark(`kafka-${crashed}'s partitions have new leaders`);
    await settlesAfter(killedAt, `orders placed after kafka-${crashed} (leader of ${led.get(crashed)} of ${partitions} partitions) was killed to settle`);
    const settledAfterKill = Date.now() - killedAt;
    const restartedAt = Date.now();
    mark(`restarting kafka-${crashed}`);
    await clusterStack(['up']);
    Object.assign(killObserved, await proveNodeBack(crashed, crashedPid));
    mark(`kafka-${crashed} up`);
    // Back in every ISR before the next blow, or a second node down would leave partitions below min.insync.
    await waitFor(async () => (await partitionStates(admin!, [...topics, '__consumer_offsets'])).every((p) => p.isr.length === 3), {
      timeout: 60_000,
      interval: 500,
      what: `kafka-${crashed} to rejoin every ISR`,
    }).catch((e: unknown) => {
      throw new Error(why(`${(e as Error).message}\n--- kafka-${crashed} ---\n${nodeLogTail(crashed)}`));
    });

    // b. Another node, the coordinator of most of the saga's consumer groups, goes away for longer than a consumer session.
    const groups = (await admin!.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(saga.prefix));
    expect(groups.length, why(`consumer groups of ${saga.prefix}: ${groups.join(', ')}`)).toBe(SERVICE_GROUPS.length);
    const coordinators = await groupCoordinators(admin!, groups);
    const coordinated = new Map<number, number>(CLUSTER_NODES.map((n) => [n, [...coordinators.values()].filter((c) => c === n).length]));
    const stopped = busiest(new Map([...coordinated].filter(([n]) => n !== crashed)));
    const stoppedAt = Date.now();
    mark(`stopping kafka-${stopped} (coordinator of ${coordinated.get(stopped)} groups)`);
    const stoppedPid = ourNodePid(stopped);
    await clusterStack(['down', '--node', String(stopped)]);
    const stopObserved = await proveNodeDown(stopped, stoppedPid);
    mark(`kafka-${stopped} stopped`);
    await settlesAfter(stoppedAt, `orders placed after kafka-${stopped} (coordinator of ${coordinated.get(stopped)} groups) was stopped to settle`);
    const settledAfterStop = Date.now() - stoppedAt;
    await sleep(Math.max(0, stoppedAt + STOPPED_FOR_MS - Date.now()));
    // Down all along: still out of the metadata, its port still refusing.
    if ((await liveNodes(admin!)).includes(stopped)) throw new FaultNotObserved(`kafka-${stopped} is back in the metadata before it was started again`);
    if ((await probePort(nodePort(stopped))) !== 'refused') throw new FaultNotObserved(`kafka-${stopped}'s port answered while it was meant to be down`);
    const backAt = Date.now();
    mark(`starting kafka-${stopped}`);
    await clusterStack(['up']);
    Object.assign(stopObserved, await proveNodeBack(stopped, stoppedPid), { downMs: Date.now() - stoppedAt });
    mark(`kafka-${stopped} up`);
    await settlesAfter(backAt, `orders placed after kafka-${stopped} came back to settle`);
    await sleep(2_000);

    streaming = false;
    await stream;
    const streamEnd = Date.now();
    const orders = await Promise.all(placed);
    mark(`${orders.length} orders placed; verifying`);
    const verified = await saga.doms(['verify', '--wait', '90s', '--max-in-flight', '90s', '--json'], { timeout: 120_000 });
    expect(verified.code, why(verified.stdout + verified.stderr)).toBe(0);
    const { rows } = await db.query<{ id: string; status: string }>('SELECT id, status FROM orders');
    const status = new Map(rows.map((r) => [r.id, r.status]));
    const unsettled = orders.filter((o) => !TERMINAL.includes(status.get(o.id) ?? 'missing'));
    expect(
      unsettled.map((o) => `${o.id}: ${status.get(o.id) ?? 'missing'}`),
      why('every order placed reached a final status'),
    ).toEqual([]);
    expect(rows.length, 'one order per request, despite the client retries').toBe(orders.length);
    for (const w of saga.processes) expect(w.child.exitCode, why(`worker ${w.child.pid} is still running`)).toBeNull();

    mark('verified');
    const times = await outcomeTimes();
    console.log(
      [
        `cluster test: ${orders.length} orders in ${Math.round((streamEnd - start) / 1000)} s`,
        `a. kafka-${crashed} killed (led ${led.get(crashed)}/${partitions}): new leaders after ${failedOver} ms, the first orders placed after settled within ${settledAfterKill} ms; ` +
          `longest gap in outcomes ${longestGap(times, killedAt, restartedAt)} ms while down, ${longestGap(times, restartedAt, stoppedAt)} ms after its restart`,
        `b. kafka-${stopped} stopped for ${backAt - stoppedAt} ms (coordinated ${coordinated.get(stopped)}/${groups.length} groups): ` +
          `the first orders placed after settled within ${settledAfterStop} ms; longest gap ${longestGap(times, stoppedAt, backAt)} ms while down, ` +
          `${longestGap(times, backAt, streamEnd)} ms after its return`,
        ...timeline,
      ].join('\n'),
    );

    // The rows of the reliability table: orders placed up to the second blow count with the first.
    const load = `${Math.round(orders.length / ((streamEnd - start) / 1000))}/s`;
    const figures = await reportFaultFigures(
      saga,
      [
        {
          scenario: 'cluster: the busiest leader killed (-9), then restarted',
          load,
          from: killedAt,
          events: [killedAt, restartedAt],
          observed: killObserved,
        },
        {
          scenario: `cluster: a group coordinator stopped for ${Math.round((backAt - stoppedAt) / 1000)} s`,
          load,
          from: stoppedAt,
          events: [stoppedAt, backAt],
          observed: stopObserved,
        },
      ],
      { placed: orders, products, verify: verified },
    );
    expect(faultsFound(figures), why('nothing lost, duplicated, oversold or charged twice')).toEqual([]);
  }, 270_000);
});
