import type { Bus } from '../../infra/bus.ts';
import { startSagaConsumer } from '../../runtime/consumer.ts';
import type { RunningService } from '../service.ts';
import { NOTIFICATION_TOPICS, notificationHandler } from './handlers.ts';
import type { NotificationLedger } from './ports.ts';

export async function startNotificationService(bus: Bus, ledger: NotificationLedger): Promise<RunningService> {
  const consumer = await startSagaConsumer(bus, {
    name: 'notification',
    topics: NOTIFICATION_TOPICS,
    // Nothing waits for a notification: it is written down a little later, several at a time.
    pace: 'record',
    handle: notificationHandler(ledger, bus.logger.child('notification', { service: 'notification' })),
  });
  return { name: 'notification', crashed: consumer.crashed, stop: () => consumer.stop() };
}
