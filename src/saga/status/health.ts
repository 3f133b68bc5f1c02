import type { OrderStatus } from '../../services/order/status.ts';

/** One of the three things the saga runs on, as seen just now. */
export interface ComponentStatus {
  name: 'kafka' | 'redis' | 'postgresql';
  ok: boolean;
  /** Round trip of a trivial request, when it answered. */
  rttMs?: number;
  error?: string;
}

export interface PartitionLag {
  topic: string;
  partition: number;
  /** Messages on the partition the group has not committed past. */
  lag: number;
}

/** A member of a consumer group, as the broker knows it. */
export interface GroupMember {
  clientId: string;
  host: string;
}

/** A process behind the consumer groups (one client id on one host), with the services it is a member for. */
export interface WorkerProcess extends GroupMember {
  services: string[];
}

/** The processes running the saga's services, from the members of its groups: a `doms run all --workers 2` shows as two, each with four services. */
export function workerProcesses(groups: readonly GroupStatus[]): WorkerProcess[] {
  const byClient = new Map<string, WorkerProcess>();
  for (const g of groups)
    for (const m of g.clients) {
      const key = `${m.host} ${m.clientId}`;
      const known = byClient.get(key) ?? { ...m, services: [] };
      if (!known.services.includes(g.service)) known.services.push(g.service);
      byClient.set(key, known);
    }
  return [...byClient.values()].sort((a, b) => a.host.localeCompare(b.host) || a.clientId.localeCompare(b.clientId, undefined, { numeric: true }));
}

/** A service's consumer group. */
export interface GroupStatus {
  service: string;
  group: string;
  /** Kafka's group state: Stable, Empty, PreparingRebalance, CompletingRebalance, Dead. */
  state: string;
  members: number;
  /** Who the members are: each one's Kafka client id (a doms worker's names its services and pid) and host. */
  clients: GroupMember[];
  partitions: PartitionLag[];
  lag: number;
  /** Since the group last committed (workers record the time with each commit); null if never. */
  lastCommitAgeMs: number | null;
}

export interface StatusSnapshot {
  at: Date;
  components: ComponentStatus[];
  /** Empty when Kafka could not be asked. */
  groups: GroupStatus[];
  /** null when PostgreSQL could not be asked. */
  outbox: { backlog: number; oldestAgeMs: number | null } | null;
  deadLetters: { topic: string; count: number }[];
  orders: { windowMs: number; byStatus: Partial<Record<OrderStatus, number>> } | null;
  /** The saga's stock in Redis: its namespace and how many products it holds; null when Redis could not be asked. */
  stock: { namespace: string; products: number } | null;
}

/** Past these a saga is unhealthy: a relay that publishes nothing for this long, a group this far behind. */
export const LIMITS = { outboxAgeMs: 10_000, lag: 10_000 } as const;

export interface Verdict {
  healthy: boolean;
  /** Why not, one line each. */
  problems: string[];
  /** Worth a look but not unhealthy (dead letters). */
  notes: string[];
}

/**
 * Members of a group given no partition: the assignor deals every partition of the group's topics
 * round the members, so those beyond the partition count get none. 0 while the topics are unknown.
 */
export function idleMembers(g: Pick<GroupStatus, 'members' | 'partitions'>): number {
  return g.partitions.length === 0 ? 0 : Math.max(0, g.members - g.partitions.length);
}

export function judge(s: StatusSnapshot): Verdict {
  const problems: string[] = [];
  const notes: string[] = [];
  for (const c of s.components) if (!c.ok) problems.push(`${c.name} is unreachable: ${c.error ?? 'no answer'}`);
  for (const g of s.groups) {
    if (g.members === 0) problems.push(`${g.service}: no worker is running (consumer group ${g.group} has no members)`);
    else if (g.lag > LIMITS.lag) problems.push(`${g.service}: ${g.lag} messages behind (more than ${LIMITS.lag})`);
    const idle = idleMembers(g);
    if (idle > 0)
      notes.push(
        `${g.service}: ${g.members} instances in ${g.group} but its topics have ${g.partitions.length} partitions: ${idle} idle ` +
          `(doms topics grow --partitions <n> adds partitions)`,
      );
  }
  if (s.outbox && s.outbox.oldestAgeMs !== null && s.outbox.oldestAgeMs > LIMITS.outboxAgeMs)
    problems.push(`outbox: ${s.outbox.backlog} order.created events unpublished, the oldest for ${Math.round(s.outbox.oldestAgeMs / 1000)}s`);
  for (const d of s.deadLetters) if (d.count > 0) notes.push(`${d.count} dead letter${d.count > 1 ? 's' : ''} on ${d.topic} (doms dlq shows them)`);
  return { healthy: problems.length === 0, problems, notes };
}
