import type { Topic } from '../events/topics.ts';
import type { Bus } from '../infra/bus.ts';
import { inventoryService } from './inventory/index.ts';
import { notificationService } from './notification/index.ts';
import { orderService } from './order/index.ts';
import { paymentService } from './payment/index.ts';
import type { RunningService, ServiceConnections, ServiceDefinition, ServiceOptions } from './service.ts';

/**
 * The saga's services, in the order they start (and `doms run all` lists them). Everything that
 * names the services reads this list: `doms run`'s choices, the launch and the embedded saga, the
 * consumer groups status and the load generator watch, the bench's clean-up, the compose test.
 */
export const SERVICES = [orderService, inventoryService, paymentService, notificationService] as const;

export type ServiceName = (typeof SERVICES)[number]['name'];
export const SERVICE_NAMES: readonly ServiceName[] = SERVICES.map((s) => s.name);

/** Every consumer group of the saga, the service it works for and the topics it reads: for status, lag, rewinds and the like. */
export const SERVICE_GROUPS: readonly { service: ServiceName; group: string; topics: readonly Topic[] }[] = SERVICES.flatMap((s) =>
  s.groups.map((g) => ({ service: s.name, group: g.name, topics: g.topics })),
);

type PortsOf<S> = S extends ServiceDefinition<string, infer Ports> ? Ports : never;
type Intersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

/** Every service's ports, each optional (a process running some services needs only theirs), and the bus they share. */
export type Adapters = { bus: Bus } & Partial<Intersection<PortsOf<(typeof SERVICES)[number]>>>;

function serviceNamed(name: ServiceName): ServiceDefinition<ServiceName> {
  return SERVICES.find((s) => s.name === name)!;
}

/** What the named services keep their state in: the only stores their process connects to. */
export function storesOf(names: readonly ServiceName[]): Set<string> {
  return new Set(names.flatMap((name) => serviceNamed(name).stores));
}

/** Every service's ports on the given connections. */
export async function portsOn(connections: ServiceConnections, names: readonly ServiceName[] = SERVICE_NAMES): Promise<Omit<Adapters, 'bus'>> {
  return Object.assign({}, ...(await Promise.all(names.map((name) => serviceNamed(name).ports(connections))))) as Omit<Adapters, 'bus'>;
}

/** The Redis keys the services write for an order under a namespace (the bench deletes its own with them). */
export function orderRedisKeys(namespace: string, orderId: string): string[] {
  return SERVICE_NAMES.flatMap((name) => serviceNamed(name).orderKeys?.(namespace, orderId) ?? []);
}

/** Starts the named services on the given adapters; the same service code whatever is behind them. */
export async function startServices(names: readonly ServiceName[], adapters: Adapters, options: ServiceOptions): Promise<RunningService[]> {
  const running: RunningService[] = [];
  try {
    for (const name of names) {
      adapters.bus.logger.debug(`starting ${name}`);
      const service = serviceNamed(name);
      running.push(await service.start(adapters.bus, service.pick(adapters), options));
    }
    return running;
  } catch (e: unknown) {
    for (const s of running.reverse()) await s.stop().catch(() => {});
    throw e;
  }
}
