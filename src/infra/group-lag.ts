/** The part of Kafka's admin API that consumer lag is read through (kafkajs's Admin is one). */
export interface OffsetsReader {
  fetchTopicOffsets(topic: string): Promise<{ partition: number; high: string; low: string }[]>;
  fetchOffsets(options: {
    groupId: string;
    topics: string[];
  }): Promise<{ topic: string; partitions: { partition: number; offset: string; metadata: string | null }[] }[]>;
}

export interface PartitionLag {
  topic: string;
  partition: number;
  /** Messages after the group's committed offset (from the first retained one when it never committed). */
  lag: number;
  /** The commit's time, which doms workers store as the commit's metadata; null when unknown. */
  committedAtMs: number | null;
}

/**
 * A group's lag on each partition of the given topics. `endsOf` lets several groups reading the same
 * topics share one offsets request per topic.
 */
export async function groupLag(
  reader: OffsetsReader,
  groupId: string,
  topics: readonly string[],
  endsOf: (topic: string) => Promise<{ partition: number; high: string; low: string }[]> = (t) => reader.fetchTopicOffsets(t),
): Promise<PartitionLag[]> {
  if (topics.length === 0) return [];
  const committed = await reader.fetchOffsets({ groupId, topics: [...topics] });
  const lags: PartitionLag[] = [];
  for (const t of committed) {
    for (const p of await endsOf(t.topic)) {
      const c = t.partitions.find((x) => x.partition === p.partition);
      const offset = Number(c?.offset ?? -1);
      const when = Number(c?.metadata);
      lags.push({
        topic: t.topic,
        partition: p.partition,
        lag: Math.max(0, Number(p.high) - (offset < 0 ? Number(p.low) : offset)),
        committedAtMs: Number.isFinite(when) && when > 0 ? when : null,
      });
    }
  }
  return lags;
}

/** One fetchTopicOffsets per topic however many groups ask. */
export function sharedEnds(reader: OffsetsReader): (topic: string) => Promise<{ partition: number; high: string; low: string }[]> {
  const ends = new Map<string, Promise<{ partition: number; high: string; low: string }[]>>();
  return (topic) => {
    if (!ends.has(topic)) ends.set(topic, reader.fetchTopicOffsets(topic));
    return ends.get(topic)!;
  };
}
