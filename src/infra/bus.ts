import type { Logger } from './log.ts';

/** A message as it was read, whichever bus carried it. */
export interface RawMessage {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  timestamp: string;
  /** Kafka headers as read (W3C trace context among them while tracing is on). */
  headers?: Readonly<Record<string, Buffer | string | (Buffer | string)[] | undefined>>;
}

/** A message to write; `topic` is bare (the bus adds its prefix). */
export interface OutgoingMessage {
  topic: string;
  key: string | Buffer | null;
  value: string | Buffer | null;
  headers?: Record<string, string>;
}

/** A run of consecutive messages of one partition, handed to a subscriber. */
export interface Delivery {
  /** Bare topic name (prefix removed). */
  topic: string;
  partition: number;
  messages: readonly RawMessage[];
  /** False once the partition was taken away (stop or rebalance): its new owner redoes the chunk. */
  owned(): boolean;
  /** Keeps the group membership alive during a long retry. */
  heartbeat(): Promise<void>;
}

/**
 * `step`: the saga waits for what this consumer publishes, so it fetches again as soon as it can.
 * `record`: it only records what happened (the order's timeline, the notifications), so while busy it
 * fetches at most every record linger, in fewer and fuller requests and writes.
 */
export type Pace = 'step' | 'record';

export interface Subscription {
  /** Consumer group name, before the prefix. */
  group: string;
  /** The service it works for, in its log lines (default: the group). */
  service?: string;
  /**
   * A group that read these topics before this one: while this group has committed no offset on them,
   * it starts where that group left off, not from the beginning, so moving topics to a new group
   * repeats at most a commit interval's events (which idempotent handlers absorb) and skips none.
   */
  takesOverFrom?: string;
  /** Bare topic names. */
  topics: readonly string[];
  /** How soon it fetches again while busy (see Pace). */
  pace: Pace;
  /** Resolves once the chunk's effects are done; only then does the bus move the group's position past it. */
  onChunk(delivery: Delivery): Promise<void>;
}

export interface RunningConsumer {
  stop(): Promise<void>;
  /** Rejects if the consumer crashes for good, so the process can exit non-zero and be restarted. */
  readonly crashed: Promise<never>;
}

/**
 * The transport the saga runs on: Kafka for real, an in-process one for the demo. Both deliver at
 * least once, keep each key's order within a partition, and move a group's position only past chunks
 * whose `onChunk` resolved. Topic and group names are bare: the bus applies its prefix, in one place.
 */
export interface Bus {
  readonly prefix: string;
  readonly logger: Logger;
  subscribe(subscription: Subscription): Promise<RunningConsumer>;
  /** Writes messages, resolving once they are durable (acknowledged by all in-sync replicas). */
  send(messages: readonly OutgoingMessage[]): Promise<void>;
}

/** Messages handed to a subscriber at once, at most. */
export const CHUNK = 500;

export function groupIdFor(name: string, prefix: string): string {
  return `${prefix}doms-${name}`;
}
