import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { errorMessage } from '../errors.ts';
import { cpuPerOrder, TOTAL } from './cpu-per-order.ts';
import type { FloorConfig } from './floor.ts';
import type { FloorMessage } from './floor-process.ts';
import { FLOOR_PROCESS, floorRate, type FloorReport } from './floor-ratios.ts';
import { sample, STACK_SERVERS, type ProcessSet } from './processes.ts';

/** Orders of one batch: each step of the floor is one request for this many orders. */
export const FLOOR_BATCH = 500;
/** Uncounted orders first: connections opened, the consumer joined, code compiled (Node's and the broker's). */
const FLOOR_WARMUP_ORDERS = 2_500;
/** Set-up and warm-up, or the counted orders, taking longer than this is a hang. */
const FLOOR_PATIENCE_MS = 180_000;

export interface FloorStepOptions {
  orders: number;
  cores: number;
  /** The bench run's prefix: the floor's topics, group and Redis keys go under `<prefix>floor`. */
  prefix: string;
  brokers: string[];
  redisUrl: string;
  /** The PostgreSQL server (any database on it): the floor gets a database of its own there, dropped afterwards. */
  pgServerUrl: string;
  /** The run's database name; the floor's is it with `_floor`. */
  database: string;
  partitions: number;
  mix: FloorConfig['mix'];
  ledgerTtlMs: number;
  stock: number;
  signal: AbortSignal;
}

export interface FloorOutcome {
  floor?: FloorReport;
  error?: string;
  /** What could not be removed afterwards. Its topics and group go with the run's (`<prefix>*`). */
  leftovers: string[];
}

/**
 * Runs src/bench/floor.ts (src/bench/floor-process.ts) in a process of its own and measures the CPU it and the servers use for
 * the counted orders, read from /proc as for the saga's steps; then removes its database and Redis keys.
 */
export async function runFloorStep(o: FloorStepOptions): Promise<FloorOutcome> {
  const database = `${o.database}_floor`;
  const config: FloorConfig = {
    orders: o.orders,
    brokers: o.brokers,
    redisUrl: o.redisUrl,
    partitions: o.partitions,
    mix: o.mix,
    ledgerTtlMs: o.ledgerTtlMs,
    stock: o.stock,
    batch: FLOOR_BATCH,
    warmupOrders: FLOOR_WARMUP_ORDERS,
    databaseUrl: Object.assign(new URL(o.pgServerUrl), { pathname: `/${database}` }).toString(),
    topicPrefix: `${o.prefix}floor.`,
    redisNamespace: `${o.prefix}floor`,
  };
  const out: FloorOutcome = { leftovers: [] };
  // The compiled file beside this one: the bench runs from dist/.
  const child = fork(fileURLToPath(new URL('./floor-process.js', import.meta.url)), [JSON.stringify(config)], { stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
  // Should the bench itself end unexpectedly, the floor's process must not live on.
  const killChild = () => child.kill('SIGKILL');
  process.once('exit', killChild);
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
  try {
    await message(child, 'ready', o.signal, () => stderr);
    const processes: ProcessSet = { [FLOOR_PROCESS]: () => [child.pid!], ...STACK_SERVERS };
    const before = sample(processes);
    const started = performance.now();
    const done = message(child, 'done', o.signal, () => stderr);
    child.send({ type: 'go' });
    await done;
    const wallSeconds = (performance.now() - started) / 1000;
    const cpu = cpuPerOrder(before, sample(processes), o.orders, wallSeconds);
    child.send({ type: 'end' });
    out.floor = {
      orders: o.orders,
      warmupOrders: FLOOR_WARMUP_ORDERS,
      batch: FLOOR_BATCH,
      wallSeconds: Math.round(wallSeconds * 10) / 10,
      cpu,
      rate: floorRate(o.cores, cpu[TOTAL]!.usPerOrder),
    };
  } catch (e: unknown) {
    out.error = errorMessage(e);
  } finally {
    process.off('exit', killChild);
    if (child.exitCode === null && child.signalCode === null) {
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      if (out.error) child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
      clearTimeout(timer);
    }
    await dropDatabase(o.pgServerUrl, database).catch((e: unknown) => out.leftovers.push(`database ${database}: ${errorMessage(e)}`));
    await deleteKeys(o.redisUrl, config.redisNamespace).catch((e: unknown) => out.leftovers.push(`Redis keys ${config.redisNamespace}:*: ${errorMessage(e)}`));
  }
  return out;
}

/** The child's next message of `type`; fails if it exits first, takes too long, or the run is interrupted. */
function message<T extends FloorMessage['type']>(
  child: ChildProcess,
  type: T,
  signal: AbortSignal,
  stderr: () => string,
): Promise<Extract<FloorMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const settle = (fn: () => void) => {
      clearTimeout(timer);
      child.off('message', onMessage).off('exit', onExit);
      signal.removeEventListener('abort', onAbort);
      fn();
    };
    const onMessage = (m: FloorMessage) => m.type === type && settle(() => resolve(m as Extract<FloorMessage, { type: T }>));
    const onExit = (code: number | null, sig: string | null) =>
      settle(() => reject(new Error(`the floor process exited (${sig ?? `code ${code}`}) before '${type}': ${stderr().trim() || 'no output'}`)));
    const onAbort = () => settle(() => reject(new Error('interrupted')));
    const timer = setTimeout(
      () => settle(() => reject(new Error(`no '${type}' from the floor process within ${FLOOR_PATIENCE_MS / 1000} s`))),
      FLOOR_PATIENCE_MS,
    );
    child.on('message', onMessage).on('exit', onExit);
    signal.addEventListener('abort', onAbort);
  });
}

async function dropDatabase(serverUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(database)} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/** Every key under the floor's namespace, which is the run's own (`<prefix>floor`, no glob characters). */
async function deleteKeys(url: string, namespace: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 });
  await redis.connect();
  try {
    for await (const keys of redis.scanStream({ match: `${namespace}:*`, count: 1000 }) as AsyncIterable<string[]>) {
      if (keys.length > 0) await redis.unlink(...keys);
    }
  } finally {
    redis.disconnect();
  }
}
