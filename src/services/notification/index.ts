import { defineService } from '../service.ts';
import { NOTIFICATION_TOPICS } from './handlers.ts';
import { MemoryNotificationLedger, notificationKey, type NotificationLedger } from './ports.ts';

/** The notification service: one line per order outcome, each order's claimed once in Redis (or memory). */
export const notificationService = defineService({
  name: 'notification',
  groups: [{ name: 'notification', topics: NOTIFICATION_TOPICS }],
  stores: ['redis'],
  portNames: { notifications: 'notification ledger' },
  ports: async ({ redis, redisNamespace, ledgerTtl }): Promise<{ notifications: NotificationLedger }> => ({
    notifications: redis ? new (await import('./redis-ledger.ts')).RedisNotificationLedger(redis, redisNamespace, ledgerTtl) : new MemoryNotificationLedger(),
  }),
  start: async (bus, { notifications }) => (await import('./start.ts')).startNotificationService(bus, notifications),
  orderKeys: (namespace, orderId) => [notificationKey(orderId, namespace)],
});
