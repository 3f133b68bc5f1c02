/** Every topic of the saga. Events are keyed by orderId, so one order's events on a topic keep their order. */
export const Topics = {
  OrderCreated: 'order.created',
  InventoryReserved: 'inventory.reserved',
  InventoryRejected: 'inventory.rejected',
  InventoryReleased: 'inventory.released',
  PaymentSuccess: 'payment.success',
  PaymentFailed: 'payment.failed',
} as const;

export type Topic = (typeof Topics)[keyof typeof Topics];

export const ALL_TOPICS: readonly Topic[] = Object.values(Topics);

export function isTopic(name: string): name is Topic {
  return (ALL_TOPICS as readonly string[]).includes(name);
}

/** A prefix puts a whole saga in its own topics (tests, side-by-side experiments). */
export function topicName(topic: Topic, prefix: string): string {
  return prefix + topic;
}

export function stripPrefix(name: string, prefix: string): Topic | undefined {
  if (!name.startsWith(prefix)) return undefined;
  const bare = name.slice(prefix.length);
  return isTopic(bare) ? bare : undefined;
}

/** Where a consumer of `topic` puts the messages it cannot process: `<topic>.dlq`. */
export function deadLetterTopicName(topic: Topic, prefix: string): string {
  return `${prefix}${topic}.dlq`;
}
