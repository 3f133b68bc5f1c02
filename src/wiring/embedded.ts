import { PGlite } from '@electric-sql/pglite';
import { parseEvent } from '../events/events.ts';
import { outcomeOf } from '../events/outcomes.ts';
import { isTopic } from '../events/topics.ts';
import { groupIdFor } from '../infra/bus.ts';
import type { Logger } from '../infra/log.ts';
import { MemoryBus } from '../infra/memory-bus.ts';
import { PgliteDb } from '../infra/pglite-db.ts';
import type { LoadInfra } from '../loadgen/run-load.ts';
import { sumByService } from '../loadgen/lag.ts';
import type { StockStore } from '../services/inventory/ports.ts';
import { portsOn, SERVICE_GROUPS, type Adapters } from '../services/registry.ts';

/** The embedded stand-ins for Kafka, Redis and PostgreSQL, in one process: for `doms demo` and tests. */
export type Embedded = Adapters & {
  bus: MemoryBus;
  db: PgliteDb;
  stock: StockStore;
  close(): Promise<void>;
};

export async function createEmbedded(logger: Logger): Promise<Embedded> {
  const pglite = await PGlite.create();
  const db = new PgliteDb(pglite);
  // Every service's ports with no Redis: its in-memory adapters.
  const ports = await portsOn({ db, redisNamespace: 'doms', ledgerTtl: 0 });
  return { ...ports, bus: new MemoryBus(logger), db, stock: ports.stock!, close: () => db.end() };
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
    lag: async () => sumByService(SERVICE_GROUPS.map(({ service, group, topics }) => ({ service, lag: e.bus.lag(groupIdFor(group, ''), topics) }))),
    close: async () => {},
  };
}
