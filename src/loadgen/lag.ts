import type { Admin } from 'kafkajs';
import { topicName } from '../events/topics.ts';
import { groupIdFor } from '../infra/bus.ts';
import { SERVICE_TOPICS } from '../services/subscriptions.ts';

export interface GroupLag {
  service: string;
  /** Messages on its topics not yet committed by the group. */
  lag: number;
}

/** Consumer lag of each service's group, from the Kafka admin API. */
export async function serviceLag(admin: Admin, prefix: string): Promise<GroupLag[]> {
  const ends = new Map<string, { partition: number; high: string; low: string }[]>();
  const endsOf = async (topic: string) => {
    if (!ends.has(topic)) ends.set(topic, await admin.fetchTopicOffsets(topic));
    return ends.get(topic)!;
  };
  return Promise.all(
    Object.entries(SERVICE_TOPICS).map(async ([service, topics]) => {
      const names = topics.map((t) => topicName(t, prefix));
      const committed = await admin.fetchOffsets({ groupId: groupIdFor(service, prefix), topics: names });
      let lag = 0;
      for (const t of committed) {
        for (const p of await endsOf(t.topic)) {
          const c = Number(t.partitions.find((x) => x.partition === p.partition)?.offset ?? -1);
          lag += Math.max(0, Number(p.high) - (c < 0 ? Number(p.low) : c));
        }
      }
      return { service, lag };
    }),
  );
}
