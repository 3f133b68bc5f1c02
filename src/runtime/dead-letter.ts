import { deadLetterTopicName, type Topic } from '../events/topics.ts';
import { DlqHeaders } from '../events/headers.ts';
import type { RawMessage } from '../infra/bus.ts';

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
