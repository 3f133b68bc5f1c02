import { startConsumer } from '../../infra/consumer.ts';
import type { BusContext, RunningService } from '../types.ts';
import { NOTIFICATION_TOPICS, notificationHandler, type NotificationLedger } from './handlers.ts';

export async function startNotificationService(bus: BusContext, ledger: NotificationLedger): Promise<RunningService> {
  const consumer = await startConsumer({ name: 'notification', topics: NOTIFICATION_TOPICS, handle: notificationHandler(ledger, bus.logger.child('notification')) }, bus);
  return { name: 'notification', crashed: consumer.crashed, stop: () => consumer.stop() };
}
