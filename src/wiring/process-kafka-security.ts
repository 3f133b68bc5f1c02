import { resolveKafkaSecurity, type KafkaSecurity } from '../config/kafka-security.ts';

let resolved: KafkaSecurity | undefined;

/**
 * This process's Kafka security (TLS, SASL), read from the environment and checked on first use,
 * then the same for every client the process makes. A bad value throws the one-line UsageError.
 */
export function kafkaSecurity(): KafkaSecurity {
  return (resolved ??= resolveKafkaSecurity(process.env));
}
