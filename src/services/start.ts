import type { Bus } from '../infra/bus.ts';
import type { Db } from '../infra/db.ts';
import type { StockStore } from './inventory/reservation.ts';
import { startInventoryService } from './inventory/service.ts';
import type { NotificationLedger } from './notification/handlers.ts';
import { startNotificationService } from './notification/service.ts';
import { startOrderService } from './order/service.ts';
import type { PaymentLedger } from './payment/ledger.ts';
import { startPaymentService } from './payment/service.ts';
import type { RunningService, ServiceName } from './types.ts';

/** The infrastructure behind the services' ports: Kafka/Redis/PostgreSQL, or their embedded stand-ins. */
export interface Adapters {
  bus: Bus;
  db?: Db;
  stock?: StockStore;
  payments?: PaymentLedger;
  notifications?: NotificationLedger;
}

export interface ServiceOptions {
  port: number;
  host?: string;
  defaultStock: number | null;
  failureRate: number;
  latencyMs: number;
  seed?: string;
}

/** Starts the named services on the given adapters; the same service code whatever is behind them. */
export async function startServices(names: readonly ServiceName[], adapters: Adapters, options: ServiceOptions): Promise<RunningService[]> {
  const running: RunningService[] = [];
  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`no ${what} adapter given`);
    return value;
  };
  try {
    for (const name of names) {
      adapters.bus.logger.debug(`starting ${name}`);
      switch (name) {
        case 'order':
          running.push(await startOrderService(adapters.bus, need(adapters.db, 'database'), { port: options.port, host: options.host }));
          break;
        case 'inventory':
          running.push(await startInventoryService(adapters.bus, need(adapters.stock, 'stock'), { defaultStock: options.defaultStock }));
          break;
        case 'payment':
          running.push(
            await startPaymentService(adapters.bus, need(adapters.payments, 'payment ledger'), {
              failureRate: options.failureRate,
              latencyMs: options.latencyMs,
              seed: options.seed,
            }),
          );
          break;
        case 'notification':
          running.push(await startNotificationService(adapters.bus, need(adapters.notifications, 'notification ledger')));
          break;
      }
    }
    return running;
  } catch (e: unknown) {
    for (const s of running.reverse()) await s.stop().catch(() => {});
    throw e;
  }
}
