import { errorMessage } from '../errors.ts';
import { execFile } from 'node:child_process';
import { Redis } from 'ioredis';

/** The machine's own ceilings, measured with each system's own tool, for comparison with the saga. */
export interface RawCeilings {
  kafkaProducer?: string;
  redis?: string;
  postgres?: string;
}

/** The one key redis-benchmark's SET/GET tests use (no -r, so no random suffix). */
export const REDIS_BENCHMARK_KEY = 'key:__rand_int__';

function run(cmd: string, args: string[], cwd: string, signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, encoding: 'utf8', timeout: 180_000, maxBuffer: 16 * 1024 * 1024, signal }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${error.message.split('\n')[0]}${stderr ? `: ${stderr.trim().split('\n').pop()}` : ''}`));
      else resolve(stdout);
    });
  });
}

const failed = (e: unknown) => `failed: ${errorMessage(e).split('\n')[0]}`;

export async function measureRawCeilings(options: {
  root: string;
  brokers: string;
  pgUrl: string;
  redisUrl: string;
  topic: string;
  signal?: AbortSignal;
}): Promise<RawCeilings> {
  const { root, brokers, pgUrl, redisUrl, topic, signal } = options;
  const out: RawCeilings = {};
  try {
    // 200-byte records, acks=all, as fast as it goes: Kafka's producer perf tool from the same jars.
    const text = await run(
      'bash',
      [
        'scripts/stack.sh',
        'tool',
        'org.apache.kafka.tools.ProducerPerformance',
        '--topic',
        topic,
        '--num-records',
        '300000',
        '--record-size',
        '200',
        '--throughput',
        '-1',
        '--producer-props',
        `bootstrap.servers=${brokers}`,
        'acks=all',
      ],
      root,
      signal,
    );
    out.kafkaProducer = text.trim().split('\n').pop()?.trim();
  } catch (e: unknown) {
    out.kafkaProducer = failed(e);
  }
  if (!signal?.aborted) out.redis = await redisCeiling(redisUrl, root, signal);
  if (!signal?.aborted) {
    try {
      await run('pgbench', ['-i', '-q', '-s', '2', pgUrl], root, signal);
      const text = await run('pgbench', ['-c', '8', '-j', '2', '-T', '10', pgUrl], root, signal);
      const tps = /tps = ([\d.]+)/.exec(text)?.[1];
      const latency = /latency average = ([\d.]+ ms)/.exec(text)?.[1];
      out.postgres = `pgbench TPC-B-like, scale 2, 8 clients: ${tps} tps, latency average ${latency}`;
    } catch (e: unknown) {
      out.postgres = failed(e);
    }
  }
  return out;
}

/** redis-benchmark SET/GET; its key is removed afterwards unless it was there before. */
async function redisCeiling(redisUrl: string, root: string, signal?: AbortSignal): Promise<string> {
  const url = new URL(redisUrl);
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
  try {
    await redis.connect();
    // redis-benchmark writes to db 0 whatever the URL says, so that is where the key is looked for.
    await redis.select(0);
    const existed = (await redis.exists(REDIS_BENCHMARK_KEY)) === 1;
    try {
      const args = ['-h', url.hostname || '127.0.0.1', '-p', url.port || '6379', '-q', '-n', '100000', '-c', '50', '-t', 'set,get'];
      if (url.password) args.push('-a', decodeURIComponent(url.password));
      const text = await run('redis-benchmark', args, root, signal);
      return `redis-benchmark, 50 clients: ${text
        .replace(/\r/g, '\n')
        .split('\n')
        .filter((l) => /requests per second/.test(l))
        .map((l) => l.trim())
        .join('; ')}`;
    } finally {
      if (!existed) await redis.del(REDIS_BENCHMARK_KEY);
    }
  } catch (e: unknown) {
    return failed(e);
  } finally {
    redis.disconnect();
  }
}
