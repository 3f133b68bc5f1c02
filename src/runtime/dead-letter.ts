import { deadLetterTopicName, type Topic } from '../events/topics.ts';
import type { RawMessage } from '../infra/bus.ts';

/** Headers a dead letter carries: why it was set aside and exactly where it came from. */
export const DlqHeaders = {
  Error: 'doms-error',
  Topic: 'doms-original-topic',
  Partition: 'doms-original-partition',
  Offset: 'doms-original-offset',
  Timestamp: 'doms-original-timestamp',
  Group: 'doms-consumer-group',
  FailedAt: 'doms-failed-at',
  ReplayedFrom: 'doms-replayed-from',
} as const;

export interface DeadLetter {
  /** Bare dead-letter topic name (the bus adds the prefix). */
  topic: string;
  message: { key: Buffer | null; value: Buffer | null };
  headers: Record<string, string>;
}

/** Wraps a message that cannot be processed; the original key and value are kept byte for byte. */
export function deadLetter(source: Topic, partition: number, message: RawMessage, group: string, reason: string): DeadLetter {
  return {
    topic: deadLetterTopicName(source, ''),
    message: { key: message.key, value: message.value },
    headers: {
      [DlqHeaders.Error]: reason,
      [DlqHeaders.Topic]: source,
      [DlqHeaders.Partition]: String(partition),
      [DlqHeaders.Offset]: message.offset,
      [DlqHeaders.Timestamp]: message.timestamp,
      [DlqHeaders.Group]: group,
      [DlqHeaders.FailedAt]: new Date().toISOString(),
    },
  };
}

/** A dead letter as `doms dlq` shows it. */
export interface DeadLetterView {
  /** Position in the dead-letter topic. */
  offset: string;
  key: string | null;
  error: string;
  source: { topic: string; partition: number; offset: string; timestamp: string };
  group: string;
  failedAt: string;
  value: string | null;
  /** True when an earlier --replay already re-published it. */
  replayed: boolean;
}
