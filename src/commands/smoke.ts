import { randomUUID } from 'node:crypto';
import { connectInspection } from '../wiring/inspect.ts';
import type { Command } from 'commander';
import { printLine } from '../cli/output.ts';
import { parseFlag, readSettings } from '../cli/settings.ts';
import { parseDuration, parseInteger } from '../config/parse.ts';
import { ExitError } from '../errors.ts';
import { sleep } from '../infra/concurrency.ts';
import { createLogger } from '../infra/log.ts';
import { summaryText } from '../loadgen/format.ts';
import { loadConfig, runLoad } from '../loadgen/run-load.ts';
import { kafkaLoadInfra } from '../wiring/load-infra.ts';
import { OrderClient } from '../services/order/client.ts';
import { isTerminal } from '../services/order/status.ts';
import { collectSnapshot } from '../services/verify/collect.ts';
import { checkInvariants } from '../services/verify/invariants.ts';

/**
 * `doms smoke`: a short run for CI — a few dozen orders through the real saga, a couple that must be
 * rejected for stock, then the `doms verify` checks. Exit 0 only when every order ended and every
 * invariant holds.
 */
export async function smoke(cmd: Command): Promise<void> {
  const settings = readSettings(cmd, ['target', 'brokers', 'redisUrl', 'databaseUrl', 'topicPrefix']);
  const opts = cmd.opts<{ orders: string; rate: string; timeout: string }>();
  const orders = parseFlag('--orders', () => parseInteger(opts.orders, { min: 1, max: 10_000 }));
  const rate = parseFlag('--rate', () => parseInteger(opts.rate, { min: 1, max: 1000 }));
  const timeoutMs = parseFlag('--timeout', () => parseDuration(opts.timeout));
  const logger = createLogger('smoke', { level: 'error', write: (l) => process.stderr.write(l + '\n') });

  const saga = await connectInspection(settings, 'doms-smoke', logger);
  try {
    const durationMs = Math.max(1000, Math.ceil((orders / rate) * 1000));
    const config = loadConfig({
      ...settings,
      rate,
      durationMs,
      users: 10,
      products: 5,
      items: { min: 1, max: 2 },
      stock: 100_000,
      seed: randomUUID(),
      timeoutMs,
      connections: 8,
    });
    const infra = await kafkaLoadInfra(config, logger);
    const result = await runLoad(config, { logger, infra }).finally(() => infra.close().catch(() => {}));
    printLine(summaryText(result));

    // The rejection path: a product with no stock at all.
    const empty = randomUUID();
    await saga.stock.seed({ [empty]: 0 });
    const client = new OrderClient(settings.target);
    const rejected = await client.place({ userId: randomUUID(), amount: 1, items: { [empty]: 1 } });
    const deadline = Date.now() + timeoutMs;
    let status = rejected.status;
    while (!isTerminal(status) && Date.now() < deadline) {
      await sleep(100);
      status = (await client.get(rejected.id)).status;
    }

    const problems: string[] = [];
    const c = result.counts;
    if (c.httpErrors + c.timeouts + c.inFlight > 0)
      problems.push(`${c.httpErrors} HTTP errors, ${c.timeouts} timeouts, ${c.inFlight} unfinished of ${c.sent} orders`);
    if (c.confirmed === 0) problems.push('no order was confirmed');
    if (status !== 'REJECTED') problems.push(`an order for a product without stock ended ${status}, not REJECTED`);
    const report = checkInvariants(await collectSnapshot({ pool: saga.pool, redis: saga.redis, kafka: saga.kafka, prefix: settings.topicPrefix }), {
      maxInFlightMs: timeoutMs,
    });
    for (const v of report.violations.slice(0, 20)) problems.push(`${v.invariant} ${v.subject}: ${v.detail}`);

    if (problems.length) {
      for (const p of problems) printLine(`✗ ${p}`);
      throw new ExitError(1, `smoke test failed: ${problems.length} problem${problems.length > 1 ? 's' : ''}`);
    }
    printLine(
      `✓ smoke test passed: ${c.sent + 1} orders ended (${c.confirmed} confirmed, ${c.rejected + 1} rejected, ${c.cancelled} cancelled); all invariants hold`,
    );
  } finally {
    await saga.close();
  }
}
