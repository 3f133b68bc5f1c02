import { execFileSync } from 'node:child_process';

/** The machine's own ceilings, measured with each system's own tool, for comparison with the saga. */
export interface RawCeilings {
  kafkaProducer?: string;
  redis?: string;
  postgres?: string;
}

function run(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', timeout: 180_000, stdio: ['ignore', 'pipe', 'pipe'] });
}

export function measureRawCeilings(root: string, brokers: string, pgUrl: string, topic: string): RawCeilings {
  const out: RawCeilings = {};
  try {
    // 200-byte records, acks=all, as fast as it goes: Kafka's producer perf tool from the same jars.
    const text = run('bash', ['scripts/stack.sh', 'tool', 'org.apache.kafka.tools.ProducerPerformance', '--topic', topic, '--num-records', '300000', '--record-size', '200', '--throughput', '-1', '--producer-props', `bootstrap.servers=${brokers}`, 'acks=all'], root);
    out.kafkaProducer = text.trim().split('\n').pop()?.trim();
  } catch (e: unknown) {
    out.kafkaProducer = `failed: ${(e as Error).message.split('\n')[0]}`;
  }
  try {
    const text = run('redis-benchmark', ['-q', '-n', '100000', '-c', '50', '-t', 'set,get'], root);
    out.redis = text.replace(/\r/g, '\n').split('\n').filter((l) => /requests per second/.test(l)).map((l) => l.trim()).join('; ');
  } catch (e: unknown) {
    out.redis = `failed: ${(e as Error).message.split('\n')[0]}`;
  }
  try {
    run('pgbench', ['-i', '-q', '-s', '2', pgUrl], root);
    const text = run('pgbench', ['-c', '8', '-j', '2', '-T', '10', pgUrl], root);
    const tps = /tps = ([\d.]+)/.exec(text)?.[1];
    const latency = /latency average = ([\d.]+ ms)/.exec(text)?.[1];
    out.postgres = `pgbench TPC-B-like, 8 clients: ${tps} tps, latency average ${latency}`;
  } catch (e: unknown) {
    out.postgres = `failed: ${(e as Error).message.split('\n')[0]}`;
  }
  return out;
}
