import type { Admin } from 'kafkajs';
import { topicName, type Topic } from '../events/topics.ts';
import { INVENTORY_TOPICS } from '../services/inventory/handlers.ts';
import { NOTIFICATION_TOPICS } from '../services/notification/handlers.ts';
import { ORDER_TOPICS } from '../services/order/handlers.ts';
import { PAYMENT_TOPICS } from '../services/payment/handlers.ts';
import { groupIdFor } from '../infra/bus.ts';

const GROUPS: [string, readonly Topic[]][] = [
  ['order', ORDER_TOPICS],
  ['inventory', INVENTORY_TOPICS],
  ['payment', PAYMENT_TOPICS],
  ['notification', NOTIFICATION_TOPICS],
];

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
    GROUPS.map(async ([service, topics]) => {
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
