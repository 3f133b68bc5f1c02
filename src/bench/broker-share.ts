import type { Admin } from 'kafkajs';

/** What else the broker carries: its cost (replica fetchers, log segments, metadata) lands in our figures. */
export interface BrokerShare {
  topics: number;
  partitions: number;
}

export const SHARED_BROKER_PARTITIONS = 100;

export function foreignShare(topics: readonly { name: string; partitions: number }[], prefix: string): BrokerShare {
  const others = topics.filter((t) => !t.name.startsWith(prefix));
  return { topics: others.length, partitions: others.reduce((sum, t) => sum + t.partitions, 0) };
}

export function brokerShareWarning(share: BrokerShare, limit = SHARED_BROKER_PARTITIONS): string | undefined {
  if (share.partitions <= limit) return undefined;
  return `the broker carries ${share.partitions} other partitions in ${share.topics} topics; figures include their overhead; \`npm run stack:down -- --purge && npm run stack:up\` for a clean broker`;
}

export async function measureBrokerShare(admin: Admin, prefix: string): Promise<BrokerShare> {
  const names = await admin.listTopics();
  if (names.length === 0) return { topics: 0, partitions: 0 };
  const { topics } = await admin.fetchTopicMetadata({ topics: names });
  return foreignShare(
    topics.map((t) => ({ name: t.name, partitions: t.partitions.length })),
    prefix,
  );
}
