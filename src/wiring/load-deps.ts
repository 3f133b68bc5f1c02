import { writeFile } from 'node:fs/promises';
import { createLogger, silentLogger, type Logger } from '../infra/log.ts';
import { realClock } from '../loadgen/clock.ts';
import { readChartLibrary, thisMachine } from '../loadgen/report-assets.ts';
import { runLoad, type LoadConfig, type LoadHooks } from '../loadgen/run-load.ts';
import { OrderClient } from './order-client.ts';
import { SERVICE_NAMES } from '../services/registry.ts';
import { errorsOnly, probeKafka, type StoreSettings } from './connections.ts';

// The adapters are imported when a command first uses them: `doms demo` never loads kafkajs, ioredis
// or pg, and `doms load` never loads PGlite. `note` writes a line to stderr.

type LoadInfraConfig = Pick<LoadConfig, 'brokers' | 'redisUrl' | 'topicPrefix' | 'redisNamespace'>;

const runWith = (logger: Logger) => (config: LoadConfig, hooks: Omit<LoadHooks, 'logger'>) => runLoad(config, { ...hooks, logger });

const stackLoadInfra = (logger: Logger) => async (config: LoadInfraConfig) => (await import('./load-infra.ts')).kafkaLoadInfra(config, logger);

/** `doms load` on the real stack: Kafka, Redis, the order service over HTTP, files. */
export function loadAdapters(note: (line: string) => void) {
  const logger = errorsOnly('load', note);
  return {
    probeKafka: (brokers: string[]) => probeKafka(brokers, 'doms-load-probe', logger),
    health: async (target: string) => (await fetch(`${target}/health`, { signal: AbortSignal.timeout(3000) })).status,
    loadInfra: stackLoadInfra(logger),
    runLoad: runWith(logger),
    writeFile: (path: string, text: string) => writeFile(path, text),
    machine: async () => thisMachine(),
    chartLibrary: readChartLibrary,
  };
}

/** `doms smoke` on the real stack: Kafka, Redis, PostgreSQL and the order service over HTTP. */
export function smokeAdapters(note: (line: string) => void) {
  const logger = errorsOnly('smoke', note);
  return {
    inspect: async (settings: StoreSettings & { topicPrefix: string; redisNamespace: string; ledgerTtl: number }) => {
      const [{ connectInspection }, { collectSnapshot }] = await Promise.all([import('./inspect.ts'), import('../saga/verify/collect.ts')]);
      const saga = await connectInspection(settings, 'doms-smoke', logger);
      return {
        seedStock: (levels: Record<string, number>) => saga.stock.seed(levels),
        snapshot: () => collectSnapshot(saga.sources(settings.topicPrefix), { ledgerTtlMs: settings.ledgerTtl }),
        close: () => saga.close(),
      };
    },
    loadInfra: stackLoadInfra(logger),
    runLoad: runWith(logger),
    orders: (target: string) => new OrderClient(target),
    clock: realClock,
  };
}

/** `doms demo`: the saga on the embedded stand-ins for Kafka, Redis and PostgreSQL (PGlite), in this process. */
export function demoAdapters(note: (line: string) => void) {
  return {
    /**
     * Starts the four services (the order API on 127.0.0.1:port); `quiet` drops their logs, otherwise
     * warnings and errors are notes. On failure it closes what it opened and rejects with the services' error.
     */
    startSaga: async ({ port, failureRate, quiet }: { port: number; failureRate: number; quiet: boolean }) => {
      const [{ createEmbedded, embeddedLoadInfra }, { startServices }, { embeddedTraceSources }, { traceOrder, TRACE_TIMING }] = await Promise.all([
        import('./embedded.ts'),
        import('../services/registry.ts'),
        import('./embedded-trace.ts'),
        import('../saga/trace/collect.ts'),
      ]);
      const logger = quiet ? silentLogger : createLogger('demo', { level: 'warn', write: note });
      const embedded = await createEmbedded(logger);
      let services;
      try {
        // The page's trace links: the same view as `doms trace`, read from the embedded stand-ins.
        const sources = embeddedTraceSources(embedded);
        const traced = (orderId: string) => traceOrder(sources, orderId, { ...TRACE_TIMING, ledgerTtlMs: 0 });
        services = await startServices(SERVICE_NAMES, embedded, { port, host: '127.0.0.1', defaultStock: null, failureRate, latencyMs: 5, traceOrder: traced });
      } catch (e: unknown) {
        await embedded.close();
        throw e;
      }
      return {
        apiPort: services.find((s) => s.name === 'order')?.port ?? port,
        runLoad: (config: LoadConfig, hooks: Omit<LoadHooks, 'logger' | 'infra'>) => runLoad(config, { ...hooks, logger, infra: embeddedLoadInfra(embedded) }),
        close: async () => {
          for (const s of [...services].reverse()) await s.stop().catch(() => {});
          await embedded.close();
        },
      };
    },
  };
}
