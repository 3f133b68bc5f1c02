import { Topics, type Topic } from './topics.ts';

/** The events that end an order, and how: the saga's one definition of an outcome. */
export const OUTCOME_BY_TOPIC = {
  [Topics.PaymentSuccess]: 'CONFIRMED',
  [Topics.InventoryRejected]: 'REJECTED',
  [Topics.InventoryReleased]: 'CANCELLED',
} as const satisfies Partial<Record<Topic, string>>;

export type OutcomeTopic = keyof typeof OUTCOME_BY_TOPIC;
export type SagaOutcome = (typeof OUTCOME_BY_TOPIC)[OutcomeTopic];

export const OUTCOME_TOPICS = Object.keys(OUTCOME_BY_TOPIC) as OutcomeTopic[];

/** The outcome an event on `topic` announces, if it announces one. */
export function outcomeOf(topic: string): SagaOutcome | undefined {
  return OUTCOME_BY_TOPIC[topic as OutcomeTopic];
}
