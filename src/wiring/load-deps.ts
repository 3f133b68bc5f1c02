import { writeFile } from 'node:fs/promises';
import type { Output } from '../cli/output.ts';
import type { DemoDeps } from '../commands/demo.ts';
import type { LoadDeps, RunLoad } from '../commands/load.ts';
import type { SmokeDeps } from '../commands/smoke.ts';
import { createLogger, silentLogger, type Logger } from '../infra/log.ts';
import { realClock } from '../loadgen/clock.ts';
import { readChartLibrary, thisMachine } from '../loadgen/report-assets.ts';
import { runLoad } from '../loadgen/run-load.ts';
import { OrderClient } from '../services/order/client.ts';
import { SERVICE_NAMES } from '../services/types.ts';

// The adapters are imported when a command first uses them: `doms demo` never loads kafkajs, ioredis
// or pg, and `doms load` never loads PGlite.

/** Client logs (kafkajs) of load and smoke: errors only, on stderr. */
const errorsOnly = (component: string, out: Output): Logger => createLogger(component, { level: 'error', write: (l) => out.note(l) });

const runWith =
  (logger: Logger): RunLoad =>
  (config, hooks) =>
    runLoad(config, { ...hooks, logger });

const stackLoadInfra =
  (logger: Logger): LoadDeps['loadInfra'] =>
  async (config) =>
    (await import('./load-infra.ts')).kafkaLoadInfra(config, logger);

/** `doms load` on the real stack: Kafka, Redis, the order service over HTTP, files. */
export function loadDeps(out: Output): LoadDeps {
  const logger = errorsOnly('load', out);
  return {
    out,
    probeKafka: async (brokers) => {
      const { connectAdmin, createKafka } = await import('../infra/kafka.ts');
      const { kafkaSecurity } = await import('./kafka-security.ts');
      const admin = await connectAdmin(createKafka({ brokers, clientId: 'doms-load-probe', logger, security: kafkaSecurity() }), brokers);
      await admin.disconnect();
    },
    health: async (target) => (await fetch(`${target}/health`, { signal: AbortSignal.timeout(3000) })).status,
    loadInfra: stackLoadInfra(logger),
    runLoad: runWith(logger),
    writeFile: (path, text) => writeFile(path, text),
    machine: async () => thisMachine(),
    chartLibrary: readChartLibrary,
  };
}

/** `doms smoke` on the real stack: Kafka, Redis, PostgreSQL and the order service over HTTP. */
export function smokeDeps(out: Output): SmokeDeps {
  const logger = errorsOnly('smoke', out);
  return {
    out,
    inspect: async (settings) => {
      const [{ connectInspection }, { collectSnapshot }] = await Promise.all([import('./inspect.ts'), import('../services/verify/collect.ts')]);
      const saga = await connectInspection(settings, 'doms-smoke', logger);
      return {
        seedStock: (levels) => saga.stock.seed(levels),
        snapshot: () => collectSnapshot(saga.sources(settings.topicPrefix), { ledgerTtlMs: settings.ledgerTtl }),
        close: () => saga.close(),
      };
    },
    loadInfra: stackLoadInfra(logger),
    runLoad: runWith(logger),
    orders: (target) => new OrderClient(target),
    clock: realClock,
  };
}

/** `doms demo`: the saga on the embedded stand-ins for Kafka, Redis and PostgreSQL (PGlite), in this process. */
export function demoDeps(out: Output): DemoDeps {
  return {
    out,
    startSaga: async ({ port, failureRate, quiet }) => {
      const [{ createEmbedded, embeddedLoadInfra }, { startServices }] = await Promise.all([import('./embedded.ts'), import('../services/start.ts')]);
      const logger = quiet ? silentLogger : createLogger('demo', { level: 'warn', write: (l) => out.note(l) });
      const embedded = await createEmbedded(logger);
      let services;
      try {
        services = await startServices(SERVICE_NAMES, embedded, { port, host: '127.0.0.1', defaultStock: null, failureRate, latencyMs: 5 });
      } catch (e: unknown) {
        await embedded.close();
        throw e;
      }
      return {
        apiPort: services.find((s) => s.name === 'order')?.port ?? port,
        runLoad: (config, hooks) => runLoad(config, { ...hooks, logger, infra: embeddedLoadInfra(embedded) }),
        close: async () => {
          for (const s of [...services].reverse()) await s.stop().catch(() => {});
          await embedded.close();
        },
      };
    },
  };
}
