import { readFileSync } from 'node:fs';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { REPO_ROOT } from './env.ts';
import { runStackScript } from './stack-script.ts';

/**
 * The three-broker KRaft cluster of `bash scripts/stack.sh up --brokers 3`, beside the single dev
 * broker: node N listens on 19092 + 2(N-1) (its controller on the next port).
 */
export const CLUSTER_NODES = [1, 2, 3] as const;
const BASE_PORT = Number(process.env.CLUSTER_PORT ?? 19092);
export const clusterBrokers = CLUSTER_NODES.map((n) => `localhost:${BASE_PORT + 2 * (n - 1)}`);
const STACK_DIR = process.env.DOMS_STACK_DIR ?? `${REPO_ROOT}.stack`;
/** Where the script keeps the cluster: cluster.id, and broker-N/{data,logs,kafka.pid,server.properties}. */
export const CLUSTER_DIR = `${STACK_DIR}/cluster`;

/** Runs `bash scripts/stack.sh <command> --brokers 3 ...`; fails with the script's output. */
export function clusterStack(args: string[], timeout = 180_000): Promise<string> {
  const [command, ...rest] = args;
  return runStackScript([command!, '--brokers', String(CLUSTER_NODES.length), ...rest], `the ${CLUSTER_NODES.length}-broker cluster`, process.env, timeout);
}

/** The last lines of node N's broker log, for a failure message. */
export function nodeLogTail(node: number, lines = 30): string {
  try {
    return readFileSync(`${CLUSTER_DIR}/broker-${node}/logs/kafka.log`, 'utf8').split('\n').slice(-lines).join('\n');
  } catch (e: unknown) {
    return `(no log: ${(e as Error).message})`;
  }
}

/** An admin client on the cluster: quiet, and patient enough for a node that is away. */
export async function clusterAdmin(): Promise<Admin> {
  const admin = new Kafka({
    clientId: 'doms-cluster-test',
    brokers: clusterBrokers,
    connectionTimeout: 3000,
    retry: { initialRetryTime: 200, retries: 8 },
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  return admin;
}

export interface PartitionState {
  topic: string;
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
}

export async function partitionStates(admin: Admin, topics: string[]): Promise<PartitionState[]> {
  const { topics: metadata } = await admin.fetchTopicMetadata({ topics });
  return metadata.flatMap((t) =>
    t.partitions.map((p) => ({ topic: t.name, partition: p.partitionId, leader: p.leader, replicas: [...p.replicas], isr: [...p.isr] })),
  );
}

/** Partitions led per node (every node listed, 0 when it leads none). */
export function leaderCounts(states: PartitionState[]): Map<number, number> {
  const counts = new Map<number, number>(CLUSTER_NODES.map((n) => [n, 0]));
  for (const s of states) counts.set(s.leader, (counts.get(s.leader) ?? 0) + 1);
  return counts;
}

/** The node with the highest count (the lowest id among equals). */
export function busiest(counts: Map<number, number>): number {
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]![0];
}

/** Java's String.hashCode, which Kafka uses to place a consumer group on a __consumer_offsets partition. */
function javaHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/** The node coordinating each group: the leader of its __consumer_offsets partition (Kafka's Utils.abs(hash) % partitions). */
export async function groupCoordinators(admin: Admin, groupIds: string[]): Promise<Map<string, number>> {
  const offsets = await partitionStates(admin, ['__consumer_offsets']);
  const leaderOf = new Map(offsets.map((p) => [p.partition, p.leader]));
  return new Map(
    groupIds.map((g) => {
      const h = javaHashCode(g);
      const partition = (h === -2147483648 ? 0 : Math.abs(h)) % offsets.length;
      return [g, leaderOf.get(partition) ?? -1];
    }),
  );
}

/** Node N's client port. */
export function nodePort(node: number): number {
  return BASE_PORT + 2 * (node - 1);
}

/** The pid of node N from its pid file (written by the stack script when it started the node). */
export function nodePid(node: number): number | undefined {
  try {
    const pid = Number(readFileSync(`${CLUSTER_DIR}/broker-${node}/kafka.pid`, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The node ids in the cluster's metadata: the live, unfenced brokers. */
export async function liveNodes(admin: Admin): Promise<number[]> {
  return (await admin.describeCluster()).brokers.map((b) => b.nodeId).sort();
}
