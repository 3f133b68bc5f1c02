import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './env.ts';

export interface TestRedisCluster {
  /** `redis+cluster://127.0.0.1:<first port>`, what doms is given. */
  url: string;
  /** The six nodes' ports: three primaries first, then their replicas. */
  ports: number[];
  stop(): Promise<void>;
}

function script(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['scripts/redis-cluster.sh', ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d));
    child.stderr.on('data', (d: Buffer) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(output) : reject(new Error(`redis-cluster.sh ${args.join(' ')} failed (exit ${code}):\n${output}`))));
  });
}

const isFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/** Six ports in a row, and their cluster-bus ports (+10000), all free. */
async function freeRun(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = 20_000 + Math.floor(Math.random() * 25_000);
    const ports = Array.from({ length: 6 }, (_, i) => first + i);
    if ((await Promise.all([...ports, ...ports.map((p) => p + 10_000)].map(isFree))).every(Boolean)) return first;
  }
  throw new Error('no six free ports in a row for a Redis Cluster');
}

/** A real six-node Redis Cluster of this test's own (scripts/redis-cluster.sh), removed by stop(). */
export async function startRedisCluster(): Promise<TestRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'doms-redis-cluster-'));
  const first = await freeRun();
  await script(['up', dir, String(first)]);
  return {
    url: `redis+cluster://127.0.0.1:${first}`,
    ports: Array.from({ length: 6 }, (_, i) => first + i),
    stop: async () => {
      await script(['down', dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
