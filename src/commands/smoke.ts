import { randomUUID } from 'node:crypto';
import { defineCommand, valueFlag } from './command.ts';
import type { Invocation } from './invocation.ts';
import type { Output } from './output.ts';
import { parseDuration, parseInteger } from '../config/parse.ts';
import type { Settings } from '../config/settings.ts';
import type { Clock } from '../loadgen/clock.ts';
import { summaryText } from '../loadgen/format.ts';
import { loadConfig, type LoadConfig } from '../loadgen/load-config.ts';
import type { LoadInfra } from '../loadgen/run-load.ts';
import type { OrderApi } from '../wiring/order-client.ts';
import { isTerminal } from '../services/order/status.ts';
import { checkInvariants, type Snapshot } from '../saga/verify/invariants.ts';
import type { RunLoad } from './load.ts';

const SMOKE_SETTINGS = ['target', 'brokers', 'redisUrl', 'databaseUrl', 'topicPrefix', 'redisNamespace', 'ledgerTtl'] as const;
type SmokeSettings = Settings<(typeof SMOKE_SETTINGS)[number]>;

/** Kafka, Redis and PostgreSQL, as smoke looks at them. */
export interface SagaInspection {
  /** Sets products' available stock. */
  seedStock(levels: Record<string, number>): Promise<void>;
  /** The whole system's state, as `doms verify` reads it. */
  snapshot(): Promise<Snapshot>;
  close(): Promise<void>;
}

/** What `doms smoke` needs of the world; src/wiring/load-deps.ts builds the real ones. */
export interface SmokeDeps {
  out: Output;
  /** Connects to all three at once; rejects with one line naming the setting of whichever is unreachable. */
  inspect(settings: SmokeSettings): Promise<SagaInspection>;
  /** Stock in Redis, outcomes and lag from Kafka: what the generator needs around the order API. The caller closes it. */
  loadInfra(config: Pick<LoadConfig, 'brokers' | 'redisUrl' | 'topicPrefix' | 'redisNamespace'>): Promise<LoadInfra>;
  runLoad: RunLoad;
  /** The order service's HTTP API. */
  orders(target: string): Pick<OrderApi, 'place' | 'get'>;
  /** For following the order that must be rejected. */
  clock: Clock;
}

export interface SmokeOptions {
  settings: SmokeSettings;
  orders: number;
  rate: number;
  timeoutMs: number;
}

/** `doms smoke`: its flags, settings, help and runner. */
export const smokeCommand = defineCommand({
  name: 'smoke',
  summary: 'a short end-to-end check for CI',
  description:
    'A short end-to-end check for CI: a few dozen orders through the running saga (and one that must be rejected), then the `doms verify` invariants. Exit 0 only if every order ended and all hold.',
  flags: {
    orders: valueFlag('--orders <n>', 'orders to send', '40', (t) => parseInteger(t, { min: 1, max: 10_000 })),
    rate: valueFlag('--rate <n>', 'orders per second', '20', (t) => parseInteger(t, { min: 1, max: 1000 })),
    timeout: valueFlag('--timeout <duration>', 'how long an order may take to end', '30s', parseDuration),
  },
  settings: SMOKE_SETTINGS,
  examples: ['doms smoke', 'doms smoke --orders 100 --rate 50'],
  options: ({ flags: f, settings }): SmokeOptions => ({ settings: { ...settings }, orders: f.orders, rate: f.rate, timeoutMs: f.timeout }),
  run: async (options, out) => smoke(options, { out, ...(await import('../wiring/load-deps.ts')).smokeAdapters((line) => out.note(line)) }),
});

export const smokeOptions = (inv: Invocation): SmokeOptions => smokeCommand.parse(inv);

/**
 * `doms smoke`: a short run for CI — a few dozen orders through the real saga, one that must be
 * rejected for stock, then the `doms verify` checks. 0 only when every order ended and every
 * invariant holds; 1 with the list of problems otherwise.
 */
export async function smoke(options: SmokeOptions, deps: SmokeDeps): Promise<number> {
  const { settings, orders, rate, timeoutMs } = options;
  const { out, clock } = deps;
  const saga = await deps.inspect(settings);
  const problems: string[] = [];
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
    const infra = await deps.loadInfra(config);
    const result = await deps.runLoad(config, { infra }).finally(() => infra.close().catch(() => {}));
    out.line(summaryText(result));

    // The rejection path: a product with no stock at all.
    const empty = randomUUID();
    await saga.seedStock({ [empty]: 0 });
    const client = deps.orders(settings.target);
    const rejected = await client.place({ userId: randomUUID(), amount: 1, items: { [empty]: 1 } });
    const deadline = clock.now() + timeoutMs;
    let status = rejected.status;
    while (!isTerminal(status) && clock.now() < deadline) {
      await clock.sleep(100);
      status = (await client.get(rejected.id)).status;
    }

    const c = result.counts;
    if (c.httpErrors + c.timeouts + c.inFlight > 0)
      problems.push(`${c.httpErrors} HTTP errors, ${c.timeouts} timeouts, ${c.inFlight} unfinished of ${c.sent} orders`);
    if (c.confirmed === 0) problems.push('no order was confirmed');
    if (status !== 'REJECTED') problems.push(`an order for a product without stock ended ${status}, not REJECTED`);
    const report = checkInvariants(await saga.snapshot(), { stuckAfterMs: timeoutMs });
    for (const v of report.violations.slice(0, 20)) problems.push(`${v.invariant} ${v.subject}: ${v.detail}`);

    if (problems.length) for (const p of problems) out.line(`✗ ${p}`);
    else
      out.line(
        `✓ smoke test passed: ${c.sent + 1} orders ended (${c.confirmed} confirmed, ${c.rejected + 1} rejected, ${c.cancelled} cancelled); all invariants hold`,
      );
  } finally {
    await saga.close();
  }
  if (problems.length === 0) return 0;
  out.note(`doms: smoke test failed: ${problems.length} problem${problems.length > 1 ? 's' : ''}`);
  return 1;
}
