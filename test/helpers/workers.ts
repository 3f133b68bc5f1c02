import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import pg from 'pg';
import { afterAll } from 'vitest';
import { DomsProcess } from './cli.ts';
import { testEnv } from './env.ts';

export interface WorkerSet {
  /** Topic and group prefix of this set: its saga is invisible to other tests. */
  prefix: string;
  databaseUrl: string;
  target: string;
  process: DomsProcess;
  /** Environment for `doms` commands aimed at this set. */
  env: Record<string, string>;
  stop(): Promise<number | null>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/**
 * Starts `doms run all` in its own topics and its own database, and stops it (and drops the
 * database) after the file's tests. Extra args go to `doms run`, e.g. ['--failure-rate', '1'].
 */
export async function startWorkers(extraArgs: string[] = [], service = 'all'): Promise<WorkerSet> {
  const id = randomUUID().slice(0, 8);
  const prefix = `t${id}.`;
  const db = new URL(testEnv.postgresUrl);
  db.pathname = `/doms_t${id}`;
  const databaseUrl = db.toString();
  const port = await freePort();
  const env = {
    KAFKA_BROKERS: testEnv.brokers,
    REDIS_URL: testEnv.redisUrl,
    DATABASE_URL: databaseUrl,
    DOMS_TOPIC_PREFIX: prefix,
    DOMS_TARGET: `http://127.0.0.1:${port}`,
    DOMS_PARTITIONS: '3',
  };
  const worker = new DomsProcess(['run', service, '--port', String(port), ...extraArgs], env);
  await worker.waitForOutput(/running /, 60_000);
  const set: WorkerSet = {
    prefix,
    databaseUrl,
    target: env.DOMS_TARGET,
    process: worker,
    env,
    stop: async () => {
      const code = await worker.stop();
      await dropDatabase(`doms_t${id}`);
      return code;
    },
  };
  afterAll(async () => {
    if (worker.child.exitCode === null) await set.stop();
  });
  return set;
}

async function dropDatabase(name: string): Promise<void> {
  const client = new pg.Client({ connectionString: testEnv.postgresUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
