import type { Kafka, Producer } from 'kafkajs';
import type { Logger } from '../infra/log.ts';

export const SERVICE_NAMES = ['order', 'inventory', 'payment', 'notification'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** What every worker gets from the launcher: one Kafka client and producer per process. */
export interface BusContext {
  kafka: Kafka;
  producer: Producer;
  prefix: string;
  logger: Logger;
}

export interface RunningService {
  name: ServiceName;
  /** Finishes in-flight work, commits and disconnects. */
  stop(): Promise<void>;
  /** Rejects when the service can no longer work (its consumer crashed for good). */
  readonly crashed: Promise<never>;
}
