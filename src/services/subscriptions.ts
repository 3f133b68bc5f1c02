import type { Topic } from '../events/topics.ts';
import { INVENTORY_TOPICS } from './inventory/handlers.ts';
import { NOTIFICATION_TOPICS } from './notification/handlers.ts';
import { ORDER_TOPICS } from './order/handlers.ts';
import { PAYMENT_TOPICS } from './payment/handlers.ts';
import type { ServiceName } from './types.ts';

/** The topics each service's consumer group reads: for lag, rewinds and the like. */
export const SERVICE_TOPICS: Record<ServiceName, readonly Topic[]> = {
  order: ORDER_TOPICS,
  inventory: INVENTORY_TOPICS,
  payment: PAYMENT_TOPICS,
  notification: NOTIFICATION_TOPICS,
};
