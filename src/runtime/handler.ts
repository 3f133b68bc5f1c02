import type { DomsEvent } from '../events/events.ts';
import type { Topic } from '../events/topics.ts';
import type { Pace } from '../infra/bus.ts';

/** Where a message came from, for logs. */
export interface MessageMeta {
  topic: Topic;
  partition: number;
  offset: string;
  /** When the event says it happened (its publisher's clock, ISO 8601), when it says so validly. */
  occurredAt?: string;
}

/** A validated event with where it was read. */
export interface Delivered<E extends DomsEvent = DomsEvent> {
  event: E;
  meta: MessageMeta;
}

/**
 * Applies a chunk of events — consecutive messages of one or more topic-partitions, each partition's
 * in offset order — and returns the events to publish because of them. Taking the chunk whole lets a
 * handler write its effects in one round trip. Must be idempotent: after a crash or rebalance the
 * chunk comes again.
 */
export type ChunkHandler = (chunk: readonly Delivered[]) => Promise<readonly DomsEvent[]>;

export interface SagaConsumerSpec {
  /** Service name, in logs and metrics; also the consumer group's name unless `group` says otherwise. */
  name: string;
  /** The consumer group's name (before the prefix), when the service has more than one. */
  group?: string;
  /** See Subscription.takesOverFrom. */
  takesOverFrom?: string;
  topics: readonly Topic[];
  /** Whether the saga waits for this consumer's output (see Pace). */
  pace: Pace;
  handle: ChunkHandler;
}
