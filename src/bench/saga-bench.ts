import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join, relative } from 'node:path';
import type { Admin } from 'kafkajs';
import { defaultRedisNamespace, SETTINGS } from '../config/settings.ts';
import { errorMessage } from '../errors.ts';
import { createKafka } from '../infra/kafka.ts';
import { silentLogger } from '../infra/log.ts';
import { freePort } from '../infra/net.ts';
import { OrderMix } from '../loadgen/order-mix.ts';
import { loadConfig, type LoadConfig, type LoadInfra } from '../loadgen/run-load.ts';
import { kafkaSecurity } from '../wiring/process-kafka-security.ts';
import { kafkaLoadInfra } from '../wiring/load-infra.ts';
import type { BenchArgs } from './args.ts';
import { brokerShareWarning, measureBrokerShare } from './broker-share.ts';
import { cleanUp, type BenchFootprint } from './cleanup.ts';
import { LOAD_GENERATOR } from './cpu-per-order.ts';
import { runClosedLoop } from './closed-loop.ts';
import { shareOfFloorRate } from './floor-ratios.ts';
import { FLOOR_BATCH, runFloorStep } from './floor-step.ts';
import { STACK_SERVERS, type ProcessSet } from './processes.ts';
import { measureRawCeilings } from './raw-ceilings.ts';
import type { RunInfo, SagaBenchReport, ShapeRun, StepReport } from './report-types.ts';
import { readProfiles, waitForProfiles } from './read-profiles.ts';
import { floorLine } from './report-floor.ts';
import { measureCpuAt, runStep, type StepHooks, type StepSetting } from './saga-step.ts';
import { SOAK_KILL_ORDER_TIMEOUT_MS, SoakRun } from './soak-run.ts';
import { runVerify } from './verify-step.ts';
import { Workers, type WorkerShape } from './workers.ts';

export interface BenchContext {
  root: string;
  run: RunInfo;
  /** Names the profile directory. */
  stamp: string;
  /** Aborted on Ctrl-C / SIGTERM: the current phase ends early, clean-up still runs. */
  signal: AbortSignal;
  log(line: string): void;
}

const BROKERS = (process.env.KAFKA_BROKERS ?? 'localhost:9092').split(',');
const REDIS_URL = process.env.REDIS_URL ?? 'redis://localhost:6379';
const PG_SERVER = process.env.DATABASE_URL ?? 'postgres://postgres@localhost:5432/postgres';
/** An order without an outcome this long after its intended send counts as timed out. */
const ORDER_TIMEOUT_MS = 10_000;
/** `doms run --latency`: the simulated payment gateway's time per charge, part of every saga's latency. */
const PAYMENT_LATENCY = '5ms';
const USERS = 10_000;
/** The workers' partitions per topic (they read DOMS_PARTITIONS from the same environment). */
const PARTITIONS = Number(process.env.DOMS_PARTITIONS || '6');
const PRODUCTS = 1000;
const STOCK = 10_000_000;

/**
 * The saga bench: the four workers as separate processes on the local stack, an uncounted
 * warm-up, then steps of rising offered rate (or one long soak step), each followed by
 * `doms verify`; then the closed-loop POST figure and the raw ceilings. Always removes what it made.
 * A step (load, CPU, RSS, verify, its HTML report) is saga-step.ts.
 */
export async function runSagaBench(args: BenchArgs, ctx: BenchContext): Promise<SagaBenchReport> {
  const { root, signal, log } = ctx;
  const id = randomUUID().slice(0, 8);
  const prefix = `bench${id}.`;
  // The run's own Redis keys, as its workers name them from the prefix (set below, whatever the caller's environment says).
  const redisNamespace = defaultRedisNamespace(prefix);
  const database = `doms_bench_${id}`;
  const databaseUrl = Object.assign(new URL(PG_SERVER), { pathname: `/${database}` }).toString();
  const seed = `bench-${id}`;
  const productIds = new OrderMix({ seed, users: 1, products: PRODUCTS, items: { min: 1, max: 1 }, quantity: { min: 1, max: 1 } }).products.map((p) => p.id);
  const footprint: BenchFootprint = { prefix, database, pgServerUrl: PG_SERVER, databaseUrl, redisUrl: REDIS_URL, redisNamespace, productIds };
  const profileDir = args.profile ? join(root, 'bench-results', 'profiles', ctx.stamp) : undefined;
  const report: SagaBenchReport = {
    kind: 'saga',
    run: ctx.run,
    mode: args.mode === 'soak' ? 'soak' : 'steps',
    prefix,
    boundP99Ms: args.p99Ms,
    stepMs: args.mode === 'soak' ? args.soakMs : args.stepMs,
    highestSustainedRate: 0,
    steps: [],
    setup: '',
    interrupted: false,
    leftovers: [],
  };

  const port = await freePort();
  const target = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    KAFKA_BROKERS: BROKERS.join(','),
    REDIS_URL,
    DATABASE_URL: databaseUrl,
    DOMS_TOPIC_PREFIX: prefix,
    DOMS_REDIS_NAMESPACE: redisNamespace,
    DOMS_TARGET: target,
    LOG_LEVEL: 'warn',
    FORCE_COLOR: '0',
  };
  log(`topics and groups ${prefix}*, database ${database}, order API ${target}`);
  await exec(root, 'bash', ['scripts/stack.sh', 'up'], signal);

  let admin: Admin | undefined;
  let workers: Workers | undefined;
  let loadInfra: LoadInfra | undefined;
  let floorLeftovers: string[] = [];
  const profileProblems: string[] = [];
  /** Stops the workers; under --profile, then waits for each one's profile to be written whole. */
  const stopWorkers = async (w: Workers) => {
    await w.stop();
    if (!profileDir) return;
    const expected = w.profiledProcesses();
    log(`waiting for the CPU profile${expected.length === 1 ? '' : 's'} of ${expected.length} process${expected.length === 1 ? '' : 'es'}…`);
    const missing = await waitForProfiles(profileDir, expected);
    for (const line of missing) log(`WARNING: ${line}`);
    profileProblems.push(...missing);
  };
  try {
    admin = createKafka({ brokers: BROKERS, clientId: 'doms-bench', logger: silentLogger, security: kafkaSecurity() }).admin();
    await admin.connect();
    report.brokerShare = await measureBrokerShare(admin, prefix);
    report.brokerWarning = brokerShareWarning(report.brokerShare);
    log(
      report.brokerWarning
        ? `WARNING: ${report.brokerWarning}`
        : `the broker carries ${report.brokerShare.partitions} other partitions in ${report.brokerShare.topics} topics`,
    );

    const products = new Set(productIds);
    const base: Omit<LoadConfig, 'rate' | 'durationMs'> = loadConfig({
      target,
      rate: 1,
      durationMs: 1000,
      brokers: BROKERS,
      redisUrl: REDIS_URL,
      topicPrefix: prefix,
      redisNamespace,
      users: USERS,
      products: PRODUCTS,
      stock: STOCK,
      seed,
      timeoutMs: ORDER_TIMEOUT_MS,
      connections: args.connections,
    });

    // Before the workers start, so that nothing else runs meanwhile; its warm-up warms the broker too.
    if (args.mode === 'steps' && args.floor && !signal.aborted) {
      log(`floor: the saga's I/O for ${args.floorOrders.toLocaleString('en-US')} orders with ideal batching (${FLOOR_BATCH} per request), in one process…`);
      const f = await runFloorStep({
        orders: args.floorOrders,
        cores: ctx.run.machine.cores,
        prefix,
        brokers: BROKERS,
        redisUrl: REDIS_URL,
        pgServerUrl: PG_SERVER,
        database,
        partitions: PARTITIONS,
        mix: mixOptions(seed, base),
        ledgerTtlMs: SETTINGS.ledgerTtl.parse(process.env.DOMS_LEDGER_TTL || SETTINGS.ledgerTtl.default),
        stock: STOCK,
        signal,
      });
      report.floor = f.floor;
      report.floorError = f.error;
      floorLeftovers = f.leftovers;
      log(f.floor ? floorLine(f.floor) : `floor FAILED: ${f.error}`);
    }

    for (const [shapeIndex, shape] of args.shapes.entries()) {
      if (signal.aborted) break;
      // The first shape fills the report's own steps; another goes beside them, with the same load.
      const first = shapeIndex === 0;
      let run: ShapeRun = report;
      if (!first) {
        const other: NonNullable<SagaBenchReport['otherShape']> = { shape, setup: '', steps: [], highestSustainedRate: 0 };
        run = report.otherShape = other;
      }
      const workerShape: WorkerShape = shape === 'all' ? { kind: 'all', workers: args.allWorkers } : { kind: 'services' };
      workers = new Workers(root, env, ['--port', String(port), '--latency', PAYMENT_LATENCY], profileDir, workerShape);
      const w = workers;
      const names = Object.keys(w.processes());
      log(`starting ${names.join(', ')}${profileDir ? ` under node --cpu-prof (${relative(root, profileDir)})` : ''}`);
      await workers.ready(target, admin, prefix, signal);
      const processes: ProcessSet = { ...w.processes(), ...STACK_SERVERS, [LOAD_GENERATOR]: () => [process.pid] };
      // One Kafka client for the generator's outcome consumers and seeding, shared by the steps.
      const shared = (loadInfra ??= await kafkaLoadInfra({ brokers: BROKERS, redisUrl: REDIS_URL, topicPrefix: prefix, redisNamespace }, silentLogger));

      const how = shape === 'all' ? `one \`doms run all --workers ${args.allWorkers}\` process` : 'four `doms run <service>` processes';
      run.setup = [
        `${how}, ${PARTITIONS} partitions per topic, payment --latency ${PAYMENT_LATENCY} (default failure rate);`,
        `orders of ${base.items.min}–${base.items.max} of ${PRODUCTS.toLocaleString('en-US')} products from ${USERS.toLocaleString('en-US')} users,`,
        `${args.connections} HTTP connections; an order without an outcome after ${(args.mode === 'soak' && args.killEveryMs > 0 ? SOAK_KILL_ORDER_TIMEOUT_MS : ORDER_TIMEOUT_MS) / 1000} s times out`,
      ].join(' ');

      const setting: StepSetting = {
        root,
        stamp: ctx.stamp,
        env,
        products,
        workers: w,
        processes,
        infra: shared,
        base,
        p99BoundMs: args.p99Ms,
        floor: report.floor,
        signal,
        log,
      };
      const step = (kind: StepReport['kind'], rate: number, durationMs: number, hooks?: StepHooks) => runStep(setting, kind, rate, durationMs, hooks);

      if (args.warmupMs > 0) run.warmup = await step('warm-up', args.warmupRate, args.warmupMs);

      if (args.mode === 'soak') {
        const soak = new SoakRun({
          workers: w,
          admin,
          prefix,
          target,
          lag: () => shared.lag(),
          rate: args.rate,
          durationMs: args.soakMs,
          rssEveryMs: args.rssEveryMs,
          killEveryMs: args.killEveryMs,
          log,
        });
        const timeoutMs = args.killEveryMs > 0 ? SOAK_KILL_ORDER_TIMEOUT_MS : ORDER_TIMEOUT_MS;
        if (args.killEveryMs > 0)
          log(`kill -9 of one worker every ${args.killEveryMs / 1000}s, round the services; an order times out after ${timeoutMs / 1000}s`);
        if (!signal.aborted) {
          const s = await step('soak', args.rate, args.soakMs, {
            during: soak.start,
            onOutcome: soak.outcome,
            onResult: soak.loadResult,
            timeoutMs,
            measureCpu: args.killEveryMs === 0,
          });
          report.steps.push(s);
          report.highestSustainedRate = s.sustained ? s.offered : 0;
        }
        report.soak = await soak.report(report.steps.at(-1), timeoutMs);
        log(report.soak.verdict.ok ? 'soak passed' : `soak FAILED: ${report.soak.verdict.failures.join('; ')}`);
      } else {
        if (args.cpuRates.length > 0 && !signal.aborted) {
          log(`CPU by rate: ${args.cpuRates.join(', ')}/s, ${args.cpuStepMs / 1000}s each, measured before the steps (not judged)`);
          run.cpuByRate = [];
          for (const rate of args.cpuRates) {
            if (signal.aborted) break;
            run.cpuByRate.push(await measureCpuAt(setting, rate, args.cpuStepMs));
          }
        }
        for (const rate of args.rates) {
          if (signal.aborted) break;
          const s = await step('step', rate, args.stepMs);
          run.steps.push(s);
          if (!s.sustained) break;
          run.highestSustainedRate = rate;
        }
        if (report.floor) run.sustainedShareOfFloor = shareOfFloorRate(run.highestSustainedRate, report.floor.rate);
        if (first && args.closedLoopMs > 0 && !signal.aborted) {
          log(`closed loop: POST /orders back-to-back on ${args.closedLoopConnections} connections for ${args.closedLoopMs / 1000}s`);
          // The steps' catalogue (same seed, same products), so its stock is already seeded.
          const closed = await runClosedLoop({
            target,
            connections: args.closedLoopConnections,
            durationMs: args.closedLoopMs,
            mix: new OrderMix(mixOptions(seed, base)),
            signal,
          });
          log(
            `closed loop: ${closed.perSecond} requests/s, HTTP p50 ${closed.httpMs.p50.toFixed(1)} ms, p99 ${closed.httpMs.p99.toFixed(1)} ms, ` +
              `max ${closed.httpMs.max.toFixed(0)} ms, ${closed.errors} errors; verifying…`,
          );
          report.closedLoop = { ...closed, verify: signal.aborted ? undefined : await runVerify(root, env, products, 60) };
          const v = report.closedLoop.verify;
          log(`closed loop: verify ${!v ? 'not run (interrupted)' : v.ok ? 'passes' : `FAILS: ${v.summary}`}`);
        }
      }
      log(`stopping ${names.join(', ')}…`);
      await stopWorkers(w);
      workers = undefined;
    }

    if (args.mode === 'steps' && args.rawCeilings && !signal.aborted) {
      log("raw ceilings: Kafka's ProducerPerformance, redis-benchmark, pgbench…");
      const topic = `${prefix}raw`;
      await admin.createTopics({ topics: [{ topic, numPartitions: 6 }], waitForLeaders: true });
      report.raw = await measureRawCeilings({ root, brokers: BROKERS.join(','), pgUrl: databaseUrl, redisUrl: REDIS_URL, topic, signal });
    }
  } catch (e: unknown) {
    if (!signal.aborted) report.error = (e as Error).stack ?? errorMessage(e);
  } finally {
    report.interrupted = signal.aborted;
    await loadInfra?.close().catch(() => {});
    if (workers) {
      log('stopping the workers…');
      await stopWorkers(workers);
    }
    if (profileDir) {
      const read = await readProfiles(profileDir, root);
      for (const line of read.problems) log(`WARNING: profile ${line}`);
      report.profiles = read.profiles;
      report.profileDir = relative(root, profileDir);
      const problems = [...profileProblems, ...read.problems.map((p) => `profile ${p}`)];
      if (problems.length > 0) report.profileProblems = problems;
    }
    log('cleaning up…');
    report.leftovers = [...floorLeftovers, ...(await cleanUp(footprint, admin, (l) => log(l)))];
    await admin?.disconnect().catch(() => {});
  }
  return report;
}

function mixOptions(seed: string, base: Pick<LoadConfig, 'users' | 'products' | 'items' | 'quantity'>) {
  return { seed, users: base.users, products: base.products, items: base.items, quantity: base.quantity };
}

function exec(root: string, cmd: string, args: string[], signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: root, stdio: 'inherit', signal });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}`))));
  });
}
