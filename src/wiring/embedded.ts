import { PGlite } from '@electric-sql/pglite';
import { parseEvent } from '../events/events.ts';
import { outcomeOf } from '../events/outcomes.ts';
import { isTopic } from '../events/topics.ts';
import { groupIdFor } from '../infra/bus.ts';
import type { Logger } from '../infra/log.ts';
import { MemoryBus } from '../infra/memory-bus.ts';
import { PgliteDb } from '../infra/pglite-db.ts';
import type { LoadInfra } from '../loadgen/run-load.ts';
import { MemoryStockStore } from '../services/inventory/memory-stock-store.ts';
import { MemoryNotificationLedger } from '../services/notification/handlers.ts';
import { MemoryPaymentLedger } from '../services/payment/ledger.ts';
import type { Adapters } from '../services/start.ts';
import { SERVICE_TOPICS } from '../services/subscriptions.ts';

/** The embedded stand-ins for Kafka, Redis and PostgreSQL, in one process: for `doms demo` and tests. */
export interface Embedded extends Adapters {
  bus: MemoryBus;
  db: PgliteDb;
  stock: MemoryStockStore;
  close(): Promise<void>;
}

export async function createEmbedded(logger: Logger): Promise<Embedded> {
  const pglite = await PGlite.create();
  const db = new PgliteDb(pglite);
  return {
    bus: new MemoryBus(logger),
    db,
    stock: new MemoryStockStore(),
    payments: new MemoryPaymentLedger(),
    notifications: new MemoryNotificationLedger(),
    close: () => db.end(),
  };
}

/** The load generator's view of the embedded saga; `scarce` products get little stock, so some orders are rejected. */
export function embeddedLoadInfra(e: Embedded, { scarceShare = 0.1, scarceStock = 20 } = {}): LoadInfra {
  return {
    seed: async (levels) => {
      const ids = Object.keys(levels);
      const scarce = Math.max(1, Math.round(ids.length * scarceShare));
      await e.stock.seed(Object.fromEntries(ids.map((id, i) => [id, i < scarce ? scarceStock : levels[id]!])));
    },
    followOutcomes: async (onOutcome) => {
      const untap = e.bus.tap((topic, message) => {
        const outcome = outcomeOf(topic);
        if (!outcome || !isTopic(topic)) return;
        const parsed = parseEvent(topic, message.value);
        if (parsed.ok) onOutcome(parsed.event.orderId, outcome);
      });
      return async () => void untap();
    },
    lag: async () => Object.entries(SERVICE_TOPICS).map(([service, topics]) => ({ service, lag: e.bus.lag(groupIdFor(service, ''), topics) })),
    close: async () => {},
  };
}
