import { randomUUID } from 'node:crypto';
import { parseDuration, parseFraction, parseInteger } from '../config/parse.ts';
import { UsageError } from '../errors.ts';
import { summaryText } from '../loadgen/format.ts';
import type { LoadResult } from '../loadgen/result.ts';
import { loadConfig, type LoadConfig } from '../loadgen/load-config.ts';
import type { LoadHooks } from '../loadgen/run-load.ts';
import { defineCommand, switchFlag, valueFlag } from './command.ts';
import { parseFlag, type Invocation } from './invocation.ts';
import type { Output } from './output.ts';

/** The four services running on the embedded stand-ins for Kafka, Redis and PostgreSQL. */
export interface EmbeddedSaga {
  /** The port the order API listens on. */
  apiPort: number;
  /** Runs the load generator against it, with stock and outcomes straight from the embedded stand-ins. */
  runLoad(config: LoadConfig, hooks: Omit<LoadHooks, 'logger' | 'infra'>): Promise<LoadResult>;
  /** Stops the services, then the embedded stores. */
  close(): Promise<void>;
}

/** What `doms demo` needs of the world; src/wiring/load-deps.ts builds the real ones. */
export interface DemoDeps {
  out: Output;
  /**
   * Starts the saga in this process (the order API on 127.0.0.1:port). `quiet` drops the workers'
   * logs (they would tear the dashboard); otherwise warnings and errors go to stderr. On failure it
   * closes what it opened and rejects with the services' own error (code EADDRINUSE for a taken port).
   */
  startSaga(options: { port: number; failureRate: number; quiet: boolean }): Promise<EmbeddedSaga>;
}

export interface DemoOptions {
  rate: number;
  durationMs: number;
  /** --duration as given, for the opening line. */
  duration: string;
  failureRate: number;
  port: number;
  /** false with --no-dashboard. */
  dashboard: boolean;
}

/** `doms demo`: its flags, help and runner. */
export const demoCommand = defineCommand({
  name: 'demo',
  summary: 'the whole saga and dashboard in one process, nothing to install',
  description:
    'The whole saga and the load dashboard in one process, on embedded stand-ins for Kafka, Redis and PostgreSQL (PGlite): nothing to install. ' +
    'The order API is served meanwhile, so curl and `doms order get` work against it.',
  flags: {
    rate: valueFlag('--rate <n>', 'orders per second', '100', (t) => parseInteger(t, { min: 1, max: 10_000 })),
    // Kept as text for the opening line; options parses it.
    duration: valueFlag('--duration <duration>', 'how long to send', '60s', (t) => t),
    failureRate: valueFlag('--failure-rate <rate>', 'share of payments that fail, 0..1', '0.2', parseFraction),
    port: valueFlag('--port <port>', 'HTTP port of the order API', '8081', (t) => parseInteger(t, { min: 0, max: 65535 })),
    dashboard: switchFlag('--no-dashboard', 'plain progress lines even on a terminal'),
  },
  settings: [],
  examples: ['npx doms demo', 'doms demo --rate 200 --duration 20s --failure-rate 0.3', 'doms demo --duration 10s --no-dashboard'],
  options: ({ flags: f }): DemoOptions => {
    const rate = f.rate;
    const durationMs = parseFlag('--duration', () => parseDuration(f.duration));
    if (durationMs < 1000) throw new UsageError('invalid --duration: must be at least 1s');
    return { rate, durationMs, duration: f.duration, failureRate: f.failureRate, port: f.port, dashboard: f.dashboard };
  },
  run: async (options, out) => {
    const { demoAdapters } = await import('../wiring/load-deps.ts');
    return demo(options, { out, ...demoAdapters((line) => out.note(line)) });
  },
});

/** Parses and checks the flags; a bad one is a UsageError naming it. */
export const demoOptions = (inv: Invocation): DemoOptions => demoCommand.parse(inv);

/**
 * `doms demo`: the four services and the load generator in one process, on embedded stand-ins for
 * Kafka, Redis and PostgreSQL (PGlite), with the same dashboard as `doms load`. Nothing to install.
 * 0 when every order reached an outcome, 1 otherwise.
 */
export async function demo(options: DemoOptions, deps: DemoDeps): Promise<number> {
  const { rate, durationMs, port } = options;
  const { out } = deps;
  const live = options.dashboard && out.interactive;

  if (!live) out.line('doms demo: starting the saga on embedded Kafka, Redis and PostgreSQL (PGlite)…');
  let saga: EmbeddedSaga;
  try {
    // On the dashboard, worker logs would tear the frame: keep them for pipes, at warn and above.
    saga = await deps.startSaga({ port, failureRate: options.failureRate, quiet: live });
  } catch (e: unknown) {
    if ((e as { code?: string }).code === 'EADDRINUSE') throw new UsageError(`port ${port} is taken (is \`doms run\` running?): choose another with --port`);
    throw e;
  }
  const target = `http://127.0.0.1:${saga.apiPort}`;
  if (!live)
    out.line(
      `doms demo: order API on ${target} (open ${target}/ in a browser, or try: curl ${target}/orders?size=3); sending ${rate}/s for ${options.duration}`,
    );

  let unaccounted: string | undefined;
  try {
    const config = loadConfig({ target, rate, durationMs, users: 200, products: 50, seed: randomUUID(), connections: 32 });
    const { presentRun } = await import('./present-run.ts');
    const result = await presentRun((hooks) => saga.runLoad(config, hooks), {
      out,
      dashboard: options.dashboard,
      target,
      rate,
      title: 'doms demo',
    });
    out.line(summaryText(result));
    const c = result.counts;
    const missing = c.httpErrors + c.timeouts + c.inFlight;
    if (missing > 0) unaccounted = `${missing} of ${c.sent} orders did not reach an outcome`;
    else out.line(`doms demo: every one of ${c.sent} orders reached an outcome (${c.confirmed} confirmed, ${c.rejected} rejected, ${c.cancelled} cancelled)`);
  } finally {
    await saga.close();
  }
  if (unaccounted === undefined) return 0;
  out.note(`doms: ${unaccounted}`);
  return 1;
}
