// `doms dlq` on Kafka: lists a dead-letter topic and replays it, remembering how far replays went.
import type { Kafka, Producer } from 'kafkajs';
import { deadLetterTopicName, topicName, type Topic } from '../events/topics.ts';
import { DlqHeaders } from '../events/headers.ts';
import { readTopicToEnd, type TopicRecord } from './topic-reader.ts';

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

/** The group whose committed offset marks how far dead letters were replayed, so a replay is never repeated. */
const replayGroup = (prefix: string, topic: Topic) => `${prefix}doms-dlq-replay-${topic}`;

export async function listDeadLetters(kafka: Kafka, topic: Topic, prefix: string): Promise<DeadLetterView[]> {
  return (await readDeadLetters(kafka, topic, prefix)).map(({ view }) => view);
}

async function readDeadLetters(kafka: Kafka, topic: Topic, prefix: string): Promise<{ record: TopicRecord; view: DeadLetterView }[]> {
  const dlq = deadLetterTopicName(topic, prefix);
  const [records, replayedUpTo] = await Promise.all([readTopicToEnd(kafka, dlq), committedOffset(kafka, replayGroup(prefix, topic), dlq)]);
  return records.map((r) => ({
    record: r,
    view: {
      offset: r.offset,
      key: r.key,
      error: r.headers[DlqHeaders.Error] ?? '',
      source: {
        topic: r.headers[DlqHeaders.Topic] ?? topic,
        partition: Number(r.headers[DlqHeaders.Partition] ?? -1),
        offset: r.headers[DlqHeaders.Offset] ?? '',
        timestamp: r.headers[DlqHeaders.Timestamp] ?? '',
      },
      group: r.headers[DlqHeaders.Group] ?? '',
      failedAt: r.headers[DlqHeaders.FailedAt] ?? r.timestamp,
      value: r.value === null ? null : r.value.toString('utf8'),
      replayed: BigInt(r.offset) < replayedUpTo,
    },
  }));
}

/**
 * Re-publishes the dead letters not yet replayed to their original topic (after a fix, say), then
 * records how far it got. Returns the number re-published.
 */
export async function replayDeadLetters(kafka: Kafka, producer: Producer, topic: Topic, prefix: string): Promise<number> {
  const dlq = deadLetterTopicName(topic, prefix);
  const pending = (await readDeadLetters(kafka, topic, prefix)).filter((l) => !l.view.replayed).map((l) => l.record);
  if (pending.length === 0) return 0;
  await producer.sendBatch({
    acks: -1,
    topicMessages: [
      {
        topic: topicName(topic, prefix),
        messages: pending.map((r) => ({ key: r.key, value: r.value, headers: { [DlqHeaders.ReplayedFrom]: `${dlq}@${r.offset}` } })),
      },
    ],
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const next = (BigInt(pending[pending.length - 1]!.offset) + 1n).toString();
    await admin.setOffsets({ groupId: replayGroup(prefix, topic), topic: dlq, partitions: [{ partition: 0, offset: next }] });
  } finally {
    await admin.disconnect();
  }
  return pending.length;
}

async function committedOffset(kafka: Kafka, groupId: string, topic: string): Promise<bigint> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const offset = entry?.partitions.find((p) => p.partition === 0)?.offset ?? '-1';
    return BigInt(offset) < 0n ? 0n : BigInt(offset);
  } finally {
    await admin.disconnect();
  }
}
