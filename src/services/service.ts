import type { Topic } from '../events/topics.ts';
import type { Bus } from '../infra/bus.ts';
import type { Db } from '../infra/db.ts';
import type { RedisClient } from '../infra/redis.ts';

export interface RunningService {
  name: string;
  /** The HTTP port, for a service that serves one (order). */
  port?: number;
  /** Finishes in-flight work, commits and disconnects. */
  stop(): Promise<void>;
  /** Rejects when the service can no longer work (its consumer crashed for good). */
  readonly crashed: Promise<never>;
}

/** `doms run`'s options for the services (each reads its own). */
export interface ServiceOptions {
  port: number;
  host?: string;
  defaultStock: number | null;
  failureRate: number;
  latencyMs: number;
  seed?: string;
  /** The order service's GET /orders/<id>/trace: one order's trace (`doms trace --json`), undefined when there is none; absent: not served. */
  traceOrder?: OrderTraceReader;
}

/** Reads one order's trace across the saga (built in src/wiring, which can read Kafka and Redis too). */
export type OrderTraceReader = (orderId: string) => Promise<object | undefined>;

/** What a service can keep its state in on the real infrastructure; `doms run` connects only to those its services name. */
export type Store = 'postgres' | 'redis';

/**
 * The connections a service builds its ports on: PostgreSQL or PGlite behind `db`, and Redis on the
 * real infrastructure (`redis` undefined: embedded, so the in-memory adapters).
 */
export interface ServiceConnections {
  db?: Db;
  redis?: RedisClient;
  /** What every Redis key of this saga starts with. */
  redisNamespace: string;
  /** How long Redis records stay (0: for ever). */
  ledgerTtl: number;
}

/** A consumer group a service reads its topics with. */
export interface ServiceGroup {
  /** The group's name, before the prefix (`<prefix>doms-<name>`). */
  readonly name: string;
  readonly topics: readonly Topic[];
}

/**
 * A service of the saga, as src/services/registry.ts lists it: everything the launch, the embedded
 * saga, status, lag and the bench's clean-up need to know of it.
 */
export interface ServiceDefinition<Name extends string = string, Ports extends object = object> {
  readonly name: Name;
  /** Its consumer groups and the topics each reads (most services have one, named after the service). */
  readonly groups: readonly ServiceGroup[];
  /** What it keeps its state in on the real infrastructure. */
  readonly stores: readonly Store[];
  /**
   * Its ports on the given connections: the Redis adapters, or the in-memory ones when there is no Redis.
   * A Redis adapter is imported here, when needed, so `doms demo` and `--help` never load ioredis.
   */
  ports(connections: ServiceConnections): Promise<Ports>;
  /** Throws when one of its ports is missing from `adapters`; else those ports. */
  pick(adapters: Partial<Ports>): Ports;
  start(bus: Bus, ports: Ports, options: ServiceOptions): Promise<RunningService>;
  /** The Redis keys it writes for an order under a namespace (the bench deletes its own with them). */
  orderKeys?(namespace: string, orderId: string): string[];
}

/** Each port's name and what it is (for the error when it is missing). */
export type PortNames<Ports extends object> = { readonly [K in keyof Ports]-?: string };

/** A service definition whose `pick` checks the ports `portNames` lists. */
export function defineService<const Name extends string, Ports extends object>(
  definition: Omit<ServiceDefinition<Name, Ports>, 'pick'> & { portNames: PortNames<Ports> },
): ServiceDefinition<Name, Ports> {
  const { portNames, ...rest } = definition;
  return {
    ...rest,
    pick: (adapters) => {
      for (const [key, what] of Object.entries(portNames) as [keyof Ports & string, string][])
        if (adapters[key] === undefined) throw new Error(`no ${what} adapter given`);
      return adapters as Ports;
    },
  };
}

/** The database, which a service with the `postgres` store cannot start without. */
export function needDb(db: Db | undefined): Db {
  if (!db) throw new Error('no database adapter given');
  return db;
}
