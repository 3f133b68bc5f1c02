import { resolveTracing } from '../config/tracing.ts';
import type { Logger } from '../infra/log.ts';
import { NO_TRACING, type Tracing } from '../infra/tracing.ts';

/**
 * This process's tracing, from the standard OTEL_* variables: the no-op port unless they turn it on,
 * and only then is the OpenTelemetry SDK loaded (a dynamic import), so tracing off costs nothing at
 * start-up either. A bad value throws the one-line UsageError (exit 2).
 */
export async function startTracing(logger: Logger, env: Record<string, string | undefined> = process.env): Promise<Tracing> {
  const config = resolveTracing(env);
  if (!config) return NO_TRACING;
  const { createOtelTracing } = await import('../infra/otel-tracing.ts');
  const tracing = await createOtelTracing(config, logger);
  logger.info(config.exporter === 'console' ? 'tracing on: spans printed on stdout' : `tracing on: spans to ${config.url} (${config.protocol})`);
  return tracing;
}
