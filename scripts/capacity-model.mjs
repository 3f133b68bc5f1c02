#!/usr/bin/env node
// The README's capacity model: what a target rate needs, scaled on paper from what one order cost on this
// machine (the output of scripts/capacity-figures.sh). Usage:
//   bash scripts/capacity-figures.sh 500 30 > cap.log; node scripts/capacity-model.mjs cap.log 50000 [--ttl 7d] [--rf 3] [--cluster cluster.log]
// where cluster.log is the same script's output on a Redis Cluster (its header says how): the Redis rows then
// come from the cluster's primaries.
// Assumptions, each stated in the output: a Node process uses one core and is given UTIL of it, so that a
// burst or a rebalance's backlog has room; CPU per order stays what it was at the measured rate (it falls
// as batches fill, so this errs high); Redis and PostgreSQL scale by cores of the same speed as these.
import { readFileSync } from 'node:fs';

const [file, rateArg, ...rest] = process.argv.slice(2);
if (!file || !rateArg || !Number.isFinite(Number(rateArg))) {
  console.error('usage: node scripts/capacity-model.mjs <capacity-figures output> <orders/s> [--ttl 7d] [--rf 3] [--cluster <output on a Redis Cluster>]');
  process.exit(2);
}
const flag = (name, fallback) => {
  const i = rest.indexOf(name);
  return i >= 0 && rest[i + 1] ? rest[i + 1] : fallback;
};
const rate = Number(rateArg);
const rf = Number(flag('--rf', '3'));
const ttl = flag('--ttl', '7d');
const ttlSeconds = Number(ttl.slice(0, -1)) * { s: 1, m: 60, h: 3600, d: 86_400 }[ttl.slice(-1)];
if (!Number.isFinite(ttlSeconds)) {
  console.error(`capacity-model: --ttl ${ttl}: give a number and one of s, m, h, d (7d)`);
  process.exit(2);
}
const UTIL = 0.7;
const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;
const need = (us, one, many) => plural(Math.ceil(cores(us)), one, many);

const text = readFileSync(file, 'utf8');
const num = (re, what) => {
  const m = re.exec(text);
  if (!m) {
    console.error(`capacity-model: ${file} has no ${what}: is it the output of scripts/capacity-figures.sh?`);
    process.exit(1);
  }
  return Number(m[1]);
};
const measuredAt = num(/^rate (\d+)\/s/m, 'rate line');
const cpu = Object.fromEntries(
  ['order', 'inventory', 'payment', 'notification', 'redis', 'postgres', 'kafka'].map((p) => [p, num(new RegExp(`^  ${p} (\\d+)$`, 'm'), `${p} CPU line`)]),
);
const wal = num(/WAL bytes per order: (\d+)/, 'WAL line');
const redisMemory = num(/Redis memory kept per order[^:]*: (\d+)/, 'Redis memory line');
const kafkaBytes = num(/Kafka bytes on disk per order[^:]*: (\d+)/, 'Kafka bytes line');
const evalsha = /evalsha\s+[\d.]+ calls\s+[\d.]+ µs \(([\d.]+) µs a call\)/.exec(text);

// On a Redis Cluster the stock store takes a hold per product and a decision per order, each in its own slot,
// and waits for a replica: more calls per order, spread over the primaries.
const clusterFile = flag('--cluster', undefined);
const cluster = clusterFile ? readClusterRedis(readFileSync(clusterFile, 'utf8'), clusterFile) : undefined;
function readClusterRedis(t, f) {
  const nodes = [...t.matchAll(/^ {2}redis node (\d+) (master|slave) (\d+)$/gm)].map((m) => ({ role: m[2], us: Number(m[3]) }));
  const memory = /Redis memory kept per order[^:]*: (\d+)/.exec(t);
  if (nodes.length === 0 || !memory) {
    console.error(`capacity-model: ${f} has no \`redis node\` lines: run capacity-figures.sh with REDIS_PORTS on a cluster`);
    process.exit(1);
  }
  const primaries = nodes.filter((n) => n.role === 'master');
  return { primaryUs: primaries.reduce((a, n) => a + n.us, 0), allUs: nodes.reduce((a, n) => a + n.us, 0), memory: Number(memory[1]), nodes: nodes.length };
}

const cores = (us) => (rate * us) / 1e6 / UTIL;
const fmt = (n) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1));
const bytes = (b) => (b >= 1e12 ? `${(b / 1e12).toFixed(1)} TB` : b >= 1e9 ? `${(b / 1e9).toFixed(1)} GB` : `${(b / 1e6).toFixed(1)} MB`);
const instances = Object.fromEntries(['order', 'inventory', 'payment', 'notification'].map((s) => [s, Math.ceil(cores(cpu[s]))]));
// A topic's partitions cap its consumers; twice the busiest consumer's instances leaves room to add
// instances without growing the topic (growing moves keys: doms topics grow --help).
const partitions = 2 * Math.max(instances.inventory, instances.order, instances.payment);

console.log(
  `Capacity for ${rate.toLocaleString('en-US')} orders/s, from CPU per order measured at ${measuredAt}/s (${file}); each Node process given ${UTIL * 100} % of one core.`,
);
console.log('');
console.log('| part | CPU µs per order (measured) | orders/s per core | needs |');
console.log('| --- | --- | --- | --- |');
for (const s of ['order', 'inventory', 'payment', 'notification'])
  console.log(`| ${s} instances | ${cpu[s]} | ${fmt((1e6 * UTIL) / cpu[s])} | **${instances[s]}** (one core each) |`);
console.log(`| partitions per saga topic | – | – | **${partitions}** (twice the most instances of a service) |`);
console.log(
  `| Kafka brokers' CPU (one broker here, RF 1) | ${cpu.kafka} | ${fmt((1e6 * UTIL) / cpu.kafka)} | ${fmt(cores(cpu.kafka))} cores before replication; RF ${rf} adds the followers' fetches |`,
);
console.log(`| Kafka disk, RF ${rf} | ${kafkaBytes} B per replica | – | ${bytes(rate * kafkaBytes * rf)}/s written across the brokers |`);
console.log(
  `| Redis, one server (one thread: one core) | ${cpu.redis} | ${fmt((1e6 * UTIL) / cpu.redis)} ` +
    `| ${fmt(cores(cpu.redis))} cores' worth: ${rate <= (1e6 * UTIL) / cpu.redis ? 'one server holds it' : 'past one server: a cluster (below)'} |`,
);
if (cluster) {
  console.log(
    `| Redis Cluster primaries (${clusterFile}) | ${cluster.primaryUs} on the primaries, ${cluster.allUs} on all ${cluster.nodes} nodes ` +
      `| ${fmt((1e6 * UTIL) / cluster.primaryUs)} | **${need(cluster.primaryUs, 'primary', 'primaries')}**, each with a replica |`,
  );
  console.log(
    `| Redis Cluster memory at the ledger TTL (${ttl}) | ${cluster.memory} B kept per order, replicas included | – | ${bytes(rate * ttlSeconds * cluster.memory)} |`,
  );
}
console.log(`| Redis memory at the ledger TTL (${ttl}) | ${redisMemory} B kept per order | – | ${bytes(rate * ttlSeconds * redisMemory)} |`);
console.log(
  `| PostgreSQL (one primary) | ${cpu.postgres} | ${fmt((1e6 * UTIL) / cpu.postgres)} | **${need(cpu.postgres, 'core', 'cores')}**, WAL ${bytes(rate * wal)}/s (${wal} B per order) |`,
);
if (evalsha)
  console.log(
    `| one product's stock (one key, one slot) | ${evalsha[1]} µs a reservation script | ${fmt(1e6 / Number(evalsha[1]))} | the most orders/s of any one product, however many shards |`,
  );
