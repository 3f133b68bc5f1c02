import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './env.ts';

export interface ClusterNode {
  id: string;
  port: number;
  role: 'master' | 'slave';
  /** A replica's primary. */
  masterId?: string;
  /** A primary's slot ranges, inclusive. */
  slots: [number, number][];
}

/** CLUSTER NODES, parsed; nodes flagged fail or noaddr are left out. */
export function parseClusterNodes(text: string): ClusterNode[] {
  return text
    .trim()
    .split('\n')
    .map((line) => line.trim().split(' '))
    .filter((f) => !/fail|noaddr/.test(f[2]!))
    .map((f) => ({
      id: f[0]!,
      port: Number(f[1]!.split('@')[0]!.split(':').at(-1)),
      role: f[2]!.includes('master') ? ('master' as const) : ('slave' as const),
      ...(f[3] !== '-' && { masterId: f[3] }),
      slots: f
        .slice(8)
        .filter((r) => !r.startsWith('['))
        .map((r) => {
          const [a, b] = r.split('-').map(Number);
          return [a!, b ?? a!] as [number, number];
        }),
    }));
}

export interface TestRedisCluster {
  /** What doms is given: every node as a seed, as a deployment would list them, so any one may be down. */
  url: string;
  /** The six nodes' ports: three primaries first, then their replicas. */
  ports: number[];
  /** The pid of the node on `port` (its pid file). */
  pid(port: number): number;
  /** What `port`'s node is now: 'master', 'slave', or 'down'. */
  role(port: number): Promise<string>;
  /** The cluster as `port`'s node sees it (CLUSTER NODES), failed nodes left out. */
  nodes(port: number): Promise<ClusterNode[]>;
  /** `redis-cli <args>` against the node on `port`. */
  cli(port: number, ...args: string[]): Promise<string>;
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
  // A cluster that did not come up whole is stopped, not left running behind the failed test.
  await script(['up', dir, String(first)]).catch(async (e: unknown) => {
    await script(['down', dir]).catch(() => {});
    throw e;
  });
  const cli = (port: number, ...args: string[]) =>
    new Promise<string>((resolve, reject) =>
      execFile('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 120_000 }, (e, out, err) =>
        e ? reject(new Error(`redis-cli -p ${port} ${args.join(' ')}: ${err || e.message}`)) : resolve(out),
      ),
    );
  return {
    url: `redis+cluster://${Array.from({ length: 6 }, (_, i) => `127.0.0.1:${first + i}`).join(',')}`,
    ports: Array.from({ length: 6 }, (_, i) => first + i),
    pid: (port) => Number(readFileSync(join(dir, String(port), 'redis.pid'), 'utf8').trim()),
    role: (port) =>
      cli(port, 'ROLE').then(
        (r) => r.split('\n')[0]!.trim(),
        () => 'down',
      ),
    nodes: async (port) => parseClusterNodes(await cli(port, 'CLUSTER', 'NODES')),
    cli,
    stop: async () => {
      await script(['down', dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
