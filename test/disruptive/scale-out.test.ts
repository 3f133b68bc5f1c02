import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisStockStore } from '../../src/services/inventory/redis-stock-store.ts';
import type { Order } from '../../src/services/order/order-store.ts';
import type { DomsProcess } from '../helpers/cli.ts';
import { testEnv } from '../helpers/env.ts';
import { faultsFound, reportFaultFigures, type FaultPhase } from '../helpers/fault-figures.ts';
import { FaultNotObserved, expectKilled, expectStopped, processState, type FaultObserved } from '../helpers/fault-proof.ts';
import { waitFor } from '../helpers/wait.ts';
import { getOrder, placeOrder } from '../helpers/orders.ts';
import { freePort, Saga } from '../helpers/workers.ts';
import { Kafka, logLevel } from 'kafkajs';

const redis = new Redis(testEnv.redisUrl);
afterAll(async () => {
  await redis.quit();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TERMINAL = ['CONFIRMED', 'REJECTED', 'CANCELLED'];
/** Longer than any consumer session here: 3 s asked (DOMS_SESSION_TIMEOUT), 6 s on a broker whose minimum is a stock one's. */
const SESSION_TIMEOUT_MS = 10_000;

/** Three instances of every service, each a `doms run` process; order instances on ports of their own. */
class Fleet {
  readonly instances = new Map<string, { process: DomsProcess; port?: number }>();
  constructor(readonly saga: Saga) {}

  async start(name: string): Promise<void> {
    const service = name.split('#')[0]!;
    const port = service === 'order' ? (this.instances.get(name)?.port ?? (await freePort())) : undefined;
    const process = await this.saga.start(service, port ? ['--port', String(port)] : []);
    this.instances.set(name, { process, port });
  }

  /** A live order instance's URL, picked at random: a client behind a load balancer. */
  target = (): string => {
    const ports = [...this.instances].filter(([n, i]) => n.startsWith('order#') && i.process.child.exitCode === null).map(([, i]) => i.port!);
    return `http://127.0.0.1:${ports[Math.floor(Math.random() * ports.length)] ?? ports[0]}`;
  };

  /** Kills an instance with -9 (proving it died of it) and starts it again. */
  async kill(name: string): Promise<void> {
    const { process } = this.instances.get(name)!;
    const pid = process.child.pid!;
    process.child.kill('SIGKILL');
    await process.exited;
    if (process.child.signalCode !== 'SIGKILL')
      throw new FaultNotObserved(`${name} (pid ${pid}) ended by ${process.child.signalCode ?? `exit ${process.child.exitCode}`}, not SIGKILL`);
    expectKilled(pid, name);
    await this.start(name);
  }

  /** Drains that took longer than doms run's 10 s and were cut short (exit 130): counted, and the test fails on one. */
  forcedStops = 0;

  /** Stops an instance (it drains) and starts a new process in its place. */
  async restart(name: string): Promise<void> {
    const old = this.instances.get(name)!.process;
    const code = await old.stop();
    if (code === 130) this.forcedStops++;
    else if (code !== 0) throw new Error(`${name} (pid ${old.child.pid}) exited ${code} on SIGTERM`);
    expectKilled(old.child.pid!, name);
    await this.start(name);
    if (this.instances.get(name)!.process.child.pid === old.child.pid) throw new FaultNotObserved(`${name} was not restarted`);
  }
}

describe('scale-out', () => {
  it('loses and duplicates nothing with three instances of every service through kills, a rolling restart, a rebalance storm and a frozen (zombie) worker', async () => {
    const saga = new Saga(['--failure-rate', '0.3', '--latency', '5ms']);
    saga.env.DOMS_PARTITIONS = '6';
    const fleet = new Fleet(saga);
    const names = ['order', 'inventory', 'payment', 'notification'].flatMap((s) => [`${s}#1`, `${s}#2`, `${s}#3`]);
    for (const name of names) await fleet.start(name);
    const products = [randomUUID(), randomUUID(), randomUUID()];
    await new RedisStockStore(redis).seed({ [products[0]!]: 5000, [products[1]!]: 5000, [products[2]!]: 60 });

    // A steady stream (about 20/s) to whichever order instance is up, from a client that retries with
    // an Idempotency-Key, for as long as the disruptions last.
    const placed: Promise<Order>[] = [];
    let stop = false;
    const streaming = (async () => {
      while (!stop) {
        const n = placed.length;
        placed.push(placeOrder(() => fleet.target(), { userId: randomUUID(), amount: 20, items: { [products[n % 3]!]: 1 + (n % 3) } }, { timeout: 90_000 }));
        await sleep(50);
      }
    })();
    const streamStart = Date.now();
    const phases: Record<string, number> = {};
    /** Each phase's stretch and the moment of each blow in it, for the fault figures. */
    const stretches: Omit<FaultPhase, 'load'>[] = [];
    /** Runs a phase: `blow` marks each blow, `observe` records what proved the phase's faults happened. */
    const phase = async (name: string, run: (blow: () => void, observe: (o: FaultObserved) => void) => Promise<void>) => {
      const before = placed.length;
      const stretch: Omit<FaultPhase, 'load'> = { scenario: `scale-out: ${name}`, from: Date.now(), events: [], observed: {} };
      await run(
        () => stretch.events!.push(Date.now()),
        (o) => Object.assign(stretch.observed, o),
      );
      stretches.push(stretch);
      phases[name] = placed.length - before;
    };
    const admin = new Kafka({ clientId: 'doms-scale-out-test', brokers: saga.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    /** Members of a service's consumer group once it is stable, as the group coordinator reports them. */
    const members = async (service: string) => {
      const { groups } = await admin.describeGroups([`${saga.prefix}doms-${service}`]);
      return groups[0]?.state === 'Stable' ? groups[0].members.length : -1;
    };

    // 1. An instance killed with -9 and started again, four times, each service once.
    await phase('kill -9 of one instance of each service, 1.5 s apart', async (blow, observe) => {
      const victims = ['inventory#1', 'order#2', 'payment#2', 'notification#1'];
      for (const name of victims) {
        await sleep(1_500);
        blow();
        await fleet.kill(name);
      }
      observe({ killedBySigkill: victims.length });
    });
    // 2. Kills at a steady beat: every 10 s one instance is killed with -9 and started again, round the
    // services, each holding its partitions until its session times out. The first comes 10 s in, once
    // the previous phase's stall is over, and the phase ends 10 s after the last.
    await phase('kill -9 every 10 s, five times, round the services', async (blow, observe) => {
      const start = Date.now();
      const victims = ['payment#1', 'inventory#3', 'order#3', 'notification#2', 'inventory#2'];
      for (const [i, name] of victims.entries()) {
        await sleep(start + (i + 1) * 10_000 - Date.now());
        blow();
        await fleet.kill(name);
      }
      observe({ killedBySigkill: victims.length });
      await sleep(start + (victims.length + 1) * 10_000 - Date.now());
    });
    // 3. A rolling restart: every instance stopped (drained) and started in turn.
    await phase('rolling restart of all twelve', async (blow, observe) => {
      for (const name of names) {
        blow();
        await fleet.restart(name);
      }
      observe({ restartedProcesses: names.length, forcedStops: fleet.forcedStops });
    });
    // A forced stop leaves the group uncleanly, so its partitions wait out the session: the pause a rolling
    // restart must not have (an order service held open by a keep-alive client did this, issue 18).
    expect(fleet.forcedStops, `stops (SIGTERM) that did not drain within doms run's 10 s and were forced`).toBe(0);
    // 4. A rebalance storm: a fourth inventory and payment instance join and leave, again and again,
    // each join and each leave moving partitions between the instances while orders flow.
    await phase('rebalance storm: a fourth inventory and payment instance joining and leaving, three times', async (blow, observe) => {
      let joinsSeen = 0;
      for (let round = 0; round < 3; round++) {
        blow();
        await Promise.all(['inventory#4', 'payment#4'].map((name) => fleet.start(name)));
        // The join happened: each group's coordinator lists a fourth member.
        for (const service of ['inventory', 'payment'])
          joinsSeen += await waitFor(async () => (await members(service)) === 4 && 1, {
            timeout: 30_000,
            interval: 200,
            what: `fault not observed: a fourth member in the ${service} group`,
          });
        blow();
        await Promise.all(['inventory#4', 'payment#4'].map((name) => fleet.instances.get(name)!.process.stop()));
      }
      observe({ fourthMembersSeen: joinsSeen });
    });
    // 5. Zombies: an inventory instance and an order service frozen past their session timeout (their
    // partitions move to the other instance, which also takes the clients and relays the outbox), then
    // woken while orders still flow: whatever they do after waking must change nothing.
    await phase('zombies: an inventory and an order instance frozen for 15 s', async (blow, observe) => {
      const frozen = [fleet.instances.get('inventory#2')!.process, fleet.instances.get('order#1')!.process];
      const spread = fleet.target;
      fleet.target = () => `http://127.0.0.1:${fleet.instances.get('order#2')!.port}`;
      blow();
      const frozenAt = Date.now();
      for (const p of frozen) p.child.kill('SIGSTOP');
      await waitFor(() => frozen.every((p) => processState(p.child.pid!) === 'T'), { timeout: 5_000, what: 'fault not observed: both zombies in state T' });
      await sleep(SESSION_TIMEOUT_MS + 5_000);
      // Still frozen all along (nothing woke them), then woken.
      for (const p of frozen) expectStopped(p.child.pid!, 'a zombie');
      blow();
      for (const p of frozen) p.child.kill('SIGCONT');
      observe({ frozenProcesses: frozen.length, frozenMs: Date.now() - frozenAt });
      fleet.target = spread;
    });
    await sleep(3_000);
    stop = true;
    await streaming;
    const streamSeconds = (Date.now() - streamStart) / 1000;
    // Every request was answered with an order (placeOrder gives up after 90 s of retries).
    const orders = await Promise.all(placed);

    const verified = await saga.doms(['verify', '--wait', '120s', '--max-in-flight', '120s', '--json'], { timeout: 150_000 });
    expect(verified.code, `${verified.stdout}${verified.stderr}\n--- workers ---\n${saga.output.slice(-4000)}`).toBe(0);
    const final = await Promise.all(orders.map((o) => getOrder(fleet.target(), o.id)));
    const unfinished = final.filter((o) => !TERMINAL.includes(o.status));
    expect(unfinished.map((o) => `${o.id} ${o.status}`)).toEqual([]);
    expect(new Set(final.map((o) => o.id)).size, 'one order per request, despite retries').toBe(orders.length);

    // The pauses rebalances and kills cause, for the record: creation → outcome, per order.
    const took = final.map((o) => Date.parse(o.statusHistory.at(-1)!.at) - Date.parse(o.createdAt)).sort((a, b) => a - b);
    const at = (q: number) => took[Math.min(took.length - 1, Math.floor(q * took.length))]!;
    console.log(
      `scale-out: ${final.length} orders (sent during ${JSON.stringify(phases)}); creation → outcome p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, p99.9 ${at(0.999)} ms, max ${took.at(-1)} ms`,
    );

    // A row per phase for the reliability table. Beyond what verify checks, it counts charges and
    // notifications in the workers' own log lines, and the units sold against the stock put in.
    const load = `${Math.round(orders.length / streamSeconds)}/s`;
    const rows = await reportFaultFigures(
      saga,
      stretches.map((s) => ({ ...s, load })),
      { placed: orders, products, verify: verified },
    );
    expect(faultsFound(rows)).toEqual([]);
    await admin.disconnect();
  }, 480_000);
});
