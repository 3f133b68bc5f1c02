import { writeFile } from 'node:fs/promises';
import type { Output } from '../cli/output.ts';
import type { OrderCommandDeps } from '../commands/order-api.ts';
import type { RunCommandDeps } from '../commands/run.ts';
import type { StockCommandDeps } from '../commands/stock.ts';
import type { VerifyCommandDeps } from '../commands/verify.ts';
import { sleep } from '../infra/concurrency.ts';
import { createLogger } from '../infra/log.ts';
import { OrderClient } from '../services/order/client.ts';
import { collectSnapshot } from '../services/verify/collect.ts';
import { connectInspection, withStockStore } from './inspect.ts';
import { launch } from './launch.ts';

/** The real adapters behind the commands: the one place the CLI's ports meet HTTP, Redis, PostgreSQL and Kafka. */

/** Library complaints go to stderr, errors only, so stdout stays the command's answer. */
const quietLogger = (component: string, out: Output) => createLogger(component, { level: 'error', write: (l) => out.note(l) });

export const orderDeps = (out: Output): OrderCommandDeps => ({ out, orderApi: (target) => new OrderClient(target), sleep, now: Date.now });

export const stockDeps = (out: Output): StockCommandDeps => ({
  out,
  withStockStore: (redisUrl, fn) => withStockStore(redisUrl, quietLogger('stock', out), fn),
  writeFile: (path, text) => writeFile(path, text),
});

export const inspectDeps = (out: Output): VerifyCommandDeps => ({
  out,
  sleep,
  now: Date.now,
  connect: async (settings) => {
    const saga = await connectInspection(settings, 'doms-verify', quietLogger('verify', out));
    return { snapshot: () => collectSnapshot({ pool: saga.pool, redis: saga.redis, kafka: saga.kafka, prefix: settings.topicPrefix }), close: saga.close };
  },
});

export const runDeps = (_out: Output): RunCommandDeps => ({
  logger: ({ level, format }) => createLogger('doms', { level, format }),
  launch,
  nextSignal: () =>
    new Promise((resolve) => {
      const on = (signal: NodeJS.Signals) => {
        process.off('SIGINT', on);
        process.off('SIGTERM', on);
        resolve(signal);
      };
      process.on('SIGINT', on);
      process.on('SIGTERM', on);
    }),
  delay: (ms) => new Promise((resolve) => setTimeout(resolve, ms).unref()),
});
