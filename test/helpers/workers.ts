import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll } from 'vitest';
import { DomsProcess, doms, type CliResult } from './cli.ts';
import { testEnv } from './env.ts';
import { removeSagaTopics } from './kafka.ts';

import { freePort } from '../../src/infra/net.ts';
import { defaultRedisNamespace } from '../../src/config/settings.ts';

export { freePort };

const live = new Set<Saga>();

// Registered when a test file imports this module, so it runs after that file's tests whether the
// saga was made in a hook or in a test; vitest ignores hooks registered from inside a hook or test.
afterAll(async () => {
  await Promise.all([...live].map((saga) => saga.teardown()));
});

/**
 * One saga of its own: its own topics (prefix), consumer groups and database, so tests can run side
 * by side. Workers are real `doms run` processes; everything started is stopped (and the database
 * dropped) after the file's tests.
 */
export class Saga {
  readonly id = randomUUID().slice(0, 8);
  readonly prefix = `t${this.id}.`;
  readonly database = `doms_t${this.id}`;
  readonly databaseUrl: string;
  /**
   * Where its workers keep stock and records in Redis. Tests seed stock with RedisStockStore's
   * default namespace, `doms`, so a saga shares it unless made with `ownRedisNamespace`: then its
   * namespace follows its prefix, as a real saga's does, and teardown removes its keys.
   */
  readonly redisNamespace: string;
  readonly env: Record<string, string>;
  readonly processes: DomsProcess[] = [];
  target = '';
  private port = 0;

  constructor(
    private readonly runArgs: string[] = [],
    /** `redisUrl`: a Redis of the test's own (a cluster it removes whole), in place of the shared one. */
    private readonly options: { ownRedisNamespace?: boolean; redisUrl?: string } = {},
  ) {
    live.add(this);
    this.redisNamespace = options.ownRedisNamespace ? defaultRedisNamespace(this.prefix) : 'doms';
    const db = new URL(testEnv.postgresUrl);
    db.pathname = `/${this.database}`;
    this.databaseUrl = db.toString();
    this.env = {
      KAFKA_BROKERS: testEnv.brokers,
      REDIS_URL: options.redisUrl ?? testEnv.redisUrl,
      DATABASE_URL: this.databaseUrl,
      DOMS_TOPIC_PREFIX: this.prefix,
      DOMS_PARTITIONS: '3',
      ...(!options.ownRedisNamespace && { DOMS_REDIS_NAMESPACE: this.redisNamespace }),
      // Start-up steps are logged at debug: a worker that hangs shows where.
      LOG_LEVEL: 'debug',
    };
  }

  /** Starts `doms run <service>` and waits until it runs. */
  async start(service = 'all', extraArgs: string[] = []): Promise<DomsProcess> {
    if (!this.port) {
      this.port = await freePort();
      this.target = `http://127.0.0.1:${this.port}`;
      this.env.DOMS_TARGET = this.target;
    }
    const args = ['run', service, '--port', String(this.port), ...this.runArgs, ...extraArgs];
    const worker = new DomsProcess(args, this.env);
    this.processes.push(worker);
    try {
      // The first debug line comes within a second or two; a process silent for long never got going.
      await worker.waitForOutput(/\S/, 30_000);
    } catch (e: unknown) {
      // Seen rarely on a loaded 2-core machine: a worker process that prints nothing at all. Say so
      // loudly (with what /proc says of it) and start it once more rather than fail an unrelated test.
      console.error(`doms worker printed nothing in 30 s; starting it again.\n${(e as Error).message}`);
      worker.child.kill('SIGKILL');
      const again = new DomsProcess(args, this.env);
      this.processes.push(again);
      await again.waitForOutput(/running /, 60_000);
      return again;
    }
    await worker.waitForOutput(/running /, 60_000);
    return worker;
  }

  /** Runs a doms command against this saga. */
  doms(args: string[], options: { timeout?: number } = {}): Promise<CliResult> {
    return doms(args, { env: this.env, ...options });
  }

  /** Every worker's output so far. */
  get output(): string {
    return this.processes.map((p) => p.output).join('\n');
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.stop()));
  }

  async teardown(): Promise<void> {
    live.delete(this);
    await this.stopAll();
    await removeSagaTopics(this.env.KAFKA_BROKERS!, this.prefix);
    if (this.options.ownRedisNamespace && !this.options.redisUrl) await removeRedisNamespace(this.redisNamespace);
    const client = new pg.Client({ connectionString: testEnv.postgresUrl });
    await client.connect();
    try {
      await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(this.database)} WITH (FORCE)`);
    } finally {
      await client.end();
    }
  }
}

/** Deletes every key under a namespace of the saga's own (never the shared `doms`). */
async function removeRedisNamespace(namespace: string): Promise<void> {
  if (namespace === 'doms') throw new Error('refusing to delete the shared doms namespace');
  const redis = new Redis(testEnv.redisUrl);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${namespace}:*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** The common case: one `doms run all` process. */
export interface WorkerSet {
  prefix: string;
  databaseUrl: string;
  target: string;
  process: DomsProcess;
  env: Record<string, string>;
  saga: Saga;
  stop(): Promise<number | null>;
}

export async function startWorkers(extraArgs: string[] = []): Promise<WorkerSet> {
  const saga = new Saga(extraArgs);
  const worker = await saga.start('all');
  return { prefix: saga.prefix, databaseUrl: saga.databaseUrl, target: saga.target, process: worker, env: saga.env, saga, stop: () => worker.stop() };
}
