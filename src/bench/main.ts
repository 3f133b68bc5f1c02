import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { parseDuration } from '../config/parse.ts';
import { createKafka } from '../infra/kafka.ts';
import { silentLogger } from '../infra/log.ts';
import { freePort } from '../infra/net.ts';
import { loadConfig, runLoad } from '../loadgen/run-load.ts';
import type { LoadResult } from '../loadgen/result.ts';
import { SERVICE_NAMES } from '../services/types.ts';
import { pidsMatching, usage, type ProcessUsage } from './processes.ts';
import { measureRawCeilings, type RawCeilings } from './raw-ceilings.ts';

/**
 * `npm run bench`: steps the offered rate up on the local stack until the saga's p99 passes a bound
 * or errors appear, and reports the highest sustained rate with the resources each process used,
 * next to the machine's raw ceilings (Kafka's producer perf tool, redis-benchmark, pgbench).
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BROKERS = process.env.KAFKA_BROKERS ?? 'localhost:9092';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://localhost:6379';
const PG_SERVER = process.env.DATABASE_URL ?? 'postgres://postgres@localhost:5432/postgres';
const RATES = (process.env.BENCH_RATES ?? '100,250,500,750,1000,1250,1500,2000').split(',').map(Number);
const STEP_MS = parseDuration(process.env.BENCH_STEP ?? '15s');
const P99_BOUND_MS = Number(process.env.BENCH_P99_MS ?? 1000);

interface Step {
  rate: number;
  result: LoadResult;
  sustained: boolean;
  why?: string;
  cpuPercent: Record<string, number>;
}

async function main() {
  const id = randomUUID().slice(0, 8);
  const prefix = `bench${id}.`;
  const database = `doms_bench_${id}`;
  const dbUrl = Object.assign(new URL(PG_SERVER), { pathname: `/${database}` }).toString();
  const port = await freePort();
  const target = `http://127.0.0.1:${port}`;
  console.log(`bench: stack up, then workers in ${prefix}* / ${database}; steps ${RATES.join(', ')}/s of ${STEP_MS / 1000}s; bound saga p99 < ${P99_BOUND_MS}ms`);
  await exec('bash', ['scripts/stack.sh', 'up']);

  const env = { ...process.env, KAFKA_BROKERS: BROKERS, REDIS_URL, DATABASE_URL: dbUrl, DOMS_TOPIC_PREFIX: prefix, LOG_LEVEL: 'warn', FORCE_COLOR: '0' };
  const workers = new Map<string, ChildProcess>();
  for (const service of SERVICE_NAMES) {
    const args = ['bin/doms.js', 'run', service, '--port', String(port), '--latency', '5ms'];
    workers.set(service, spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'inherit', 'inherit'] }));
  }
  const steps: Step[] = [];
  try {
    await waitUntilReady(target, prefix);
    const processes: Record<string, () => number[]> = {
      ...Object.fromEntries([...workers].map(([name, child]) => [`doms ${name}`, () => [child.pid!]])),
      'kafka broker': () => pidsMatching(/kafka\.Kafka /),
      redis: () => pidsMatching(/^redis-server/),
      postgresql: () => pidsMatching(/^postgres/),
      'load generator': () => [process.pid],
    };

    for (const rate of RATES) {
      const before = sample(processes);
      const started = Date.now();
      const result = await runLoad(
        loadConfig({ target, brokers: BROKERS.split(','), redisUrl: REDIS_URL, topicPrefix: prefix, rate, durationMs: STEP_MS, warmupMs: 2000, users: 10_000, products: 1000, stock: 10_000_000, seed: `bench-${rate}`, timeoutMs: 10_000 }),
        { logger: silentLogger },
      );
      const wall = (Date.now() - started) / 1000;
      const after = sample(processes);
      const cpuPercent = Object.fromEntries(Object.keys(processes).map((name) => [name, Math.round(((after[name]!.cpuSeconds - before[name]!.cpuSeconds) / wall) * 100)]));
      const c = result.counts;
      const why =
        c.httpErrors + c.timeouts > 0 ? `${c.httpErrors} HTTP errors, ${c.timeouts} timeouts`
        : result.latency.saga.p99 >= P99_BOUND_MS ? `saga p99 ${result.latency.saga.p99.toFixed(0)}ms ≥ ${P99_BOUND_MS}ms`
        : result.rates.achieved < rate * 0.97 ? `achieved only ${result.rates.achieved}/s`
        : undefined;
      steps.push({ rate, result, sustained: !why, why, cpuPercent });
      console.log(`bench: ${rate}/s → achieved ${result.rates.achieved}/s, saga p50 ${result.latency.saga.p50.toFixed(0)}ms p99 ${result.latency.saga.p99.toFixed(0)}ms, http p99 ${result.latency.http.p99.toFixed(0)}ms, late ${c.late}, errors ${c.httpErrors + c.timeouts}${why ? ` — not sustained: ${why}` : ''}`);
      if (why) break;
    }
    const memory = sample(processes);

    console.log('bench: raw ceilings (Kafka producer perf tool, redis-benchmark, pgbench)…');
    const rawTopic = `${prefix}raw`;
    const admin = createKafka({ brokers: BROKERS.split(','), clientId: 'doms-bench', logger: silentLogger }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: rawTopic, numPartitions: 6 }], waitForLeaders: true });
    await admin.disconnect();
    const raw = measureRawCeilings(ROOT, BROKERS, dbUrl, rawTopic);

    const best = [...steps].reverse().find((s) => s.sustained);
    const report = { machine: await machine(), boundP99Ms: P99_BOUND_MS, stepMs: STEP_MS, highestSustainedRate: best?.rate ?? 0, steps: steps.map(stepSummary), peakRssMiB: Object.fromEntries(Object.entries(memory).map(([k, v]) => [k, v.peakRssMiB])), raw };
    const markdown = toMarkdown(report, steps, best);
    await mkdir(`${ROOT}bench-results`, { recursive: true });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    await writeFile(`${ROOT}bench-results/bench-${stamp}.json`, JSON.stringify(report, null, 2) + '\n');
    await writeFile(`${ROOT}bench-results/bench-${stamp}.md`, markdown);
    console.log('\n' + markdown);
    console.log(`bench: written to bench-results/bench-${stamp}.{json,md}`);
  } finally {
    for (const child of workers.values()) child.kill('SIGTERM');
    await Promise.all([...workers.values()].map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('close', r)))));
    const client = new pg.Client({ connectionString: PG_SERVER });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(database)} WITH (FORCE)`);
    await client.end();
  }
}

function sample(processes: Record<string, () => number[]>): Record<string, ProcessUsage> {
  return Object.fromEntries(Object.entries(processes).map(([name, pids]) => [name, usage(pids())]));
}

function stepSummary(s: Step) {
  const { result: r } = s;
  return {
    offered: s.rate,
    achieved: r.rates.achieved,
    sustained: s.sustained,
    why: s.why,
    counts: r.counts,
    sagaMs: r.latency.saga,
    httpMs: r.latency.http,
    generator: { late: r.scheduler.late, maxLatenessMs: r.scheduler.maxLatenessMs, accuracy: Math.round((r.rates.achieved / s.rate) * 1000) / 10 },
    cpuPercent: s.cpuPercent,
  };
}

function toMarkdown(report: { machine: string; highestSustainedRate: number; peakRssMiB: Record<string, number>; raw: RawCeilings }, steps: Step[], best: Step | undefined): string {
  const ms = (n: number) => `${n.toFixed(0)}`;
  const lines = [
    `## doms benchmark — ${new Date().toISOString().slice(0, 10)}`,
    '',
    `Machine: ${report.machine}. Highest sustained rate: **${report.highestSustainedRate} orders/s**${best ? ` (saga p50 ${ms(best.result.latency.saga.p50)} ms, p99 ${ms(best.result.latency.saga.p99)} ms, p99.9 ${ms(best.result.latency.saga['p99.9'])} ms)` : ''}.`,
    '',
    '| offered/s | achieved/s | generator accuracy | late sends | saga p50 ms | saga p90 ms | saga p99 ms | saga p99.9 ms | saga max ms | HTTP p99 ms | errors + timeouts | sustained |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...steps.map((s) => {
      const r = s.result;
      return `| ${s.rate} | ${r.rates.achieved} | ${((r.rates.achieved / s.rate) * 100).toFixed(1)}% | ${r.scheduler.late} | ${ms(r.latency.saga.p50)} | ${ms(r.latency.saga.p90)} | ${ms(r.latency.saga.p99)} | ${ms(r.latency.saga['p99.9'])} | ${ms(r.latency.saga.max)} | ${ms(r.latency.http.p99)} | ${r.counts.httpErrors + r.counts.timeouts} | ${s.sustained ? 'yes' : `no: ${s.why}`} |`;
    }),
    '',
    '| process | CPU % at each step (100% = one core) | peak RSS MiB |',
    '| --- | --- | --- |',
    ...Object.keys(report.peakRssMiB).map((name) => `| ${name} | ${steps.map((s) => `${s.rate}/s: ${s.cpuPercent[name]}`).join(', ')} | ${report.peakRssMiB[name]} |`),
    '',
    'Raw ceilings of the same machine:',
    '',
    `- Kafka producer perf tool (300k × 200 B, acks=all): ${report.raw.kafkaProducer}`,
    `- redis-benchmark (50 clients): ${report.raw.redis}`,
    `- PostgreSQL: ${report.raw.postgres}`,
    '',
  ];
  return lines.join('\n');
}

async function machine(): Promise<string> {
  const cpu = (await readFile('/proc/cpuinfo', 'utf8')).match(/model name\s*:\s*(.+)/)?.[1] ?? 'unknown CPU';
  const cores = (await readFile('/proc/cpuinfo', 'utf8')).match(/^processor/gm)?.length ?? 0;
  const mem = Number((await readFile('/proc/meminfo', 'utf8')).match(/MemTotal:\s+(\d+)/)?.[1] ?? 0);
  return `${cores} cores (${cpu.trim()}), ${Math.round(mem / 1024 / 1024)} GiB, Node ${process.version}`;
}

async function waitUntilReady(target: string, prefix: string): Promise<void> {
  const admin = createKafka({ brokers: BROKERS.split(','), clientId: 'doms-bench', logger: silentLogger }).admin();
  await admin.connect();
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const groups = await admin.describeGroups(SERVICE_NAMES.map((s) => `${prefix}doms-${s}`));
      const healthy = await fetch(`${target}/health`).then((r) => r.ok, () => false);
      if (healthy && groups.groups.every((g) => g.state === 'Stable')) return;
      if (Date.now() > deadline) throw new Error('workers did not become ready within 60s');
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await admin.disconnect();
  }
}

function exec(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: 'inherit' });
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}`))));
  });
}


main().catch((e: unknown) => {
  console.error(`bench: ${(e as Error).stack ?? e}`);
  process.exitCode = 1;
});
