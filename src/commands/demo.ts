import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { parseFlag } from '../cli/settings.ts';
import { printLine } from '../cli/output.ts';
import { parseDuration, parseFraction, parseInteger } from '../config/parse.ts';
import { ExitError, UsageError } from '../errors.ts';
import { createLogger, silentLogger } from '../infra/log.ts';
import { summaryText } from '../loadgen/format.ts';
import { presentRun } from '../cli/present-run.ts';
import { loadConfig, runLoad } from '../loadgen/run-load.ts';
import { createEmbedded, embeddedLoadInfra } from '../wiring/embedded.ts';
import { startServices } from '../services/start.ts';
import { SERVICE_NAMES } from '../services/types.ts';

/**
 * `doms demo`: the four services and the load generator in one process, on embedded stand-ins for
 * Kafka, Redis and PostgreSQL (PGlite), with the same dashboard as `doms load`. Nothing to install.
 */
export async function demo(cmd: Command): Promise<void> {
  const opts = cmd.opts<{ rate: string; duration: string; failureRate: string; port: string; dashboard: boolean }>();
  const rate = parseFlag('--rate', () => parseInteger(opts.rate, { min: 1, max: 10_000 }));
  const durationMs = parseFlag('--duration', () => parseDuration(opts.duration));
  if (durationMs < 1000) throw new UsageError('invalid --duration: must be at least 1s');
  const failureRate = parseFlag('--failure-rate', () => parseFraction(opts.failureRate));
  const port = parseFlag('--port', () => parseInteger(opts.port, { min: 0, max: 65535 }));
  const live = opts.dashboard && Boolean(process.stdout.isTTY);
  // On the dashboard, worker logs would tear the frame: keep them for pipes, at warn and above.
  const logger = live ? silentLogger : createLogger('demo', { level: 'warn', write: (l) => process.stderr.write(l + '\n') });

  if (!live) printLine('doms demo: starting the saga on embedded Kafka, Redis and PostgreSQL (PGlite)…');
  const embedded = await createEmbedded(logger);
  let services;
  try {
    services = await startServices(SERVICE_NAMES, embedded, { port, host: '127.0.0.1', defaultStock: null, failureRate, latencyMs: 5 });
  } catch (e: unknown) {
    await embedded.close();
    if ((e as { code?: string }).code === 'EADDRINUSE') throw new UsageError(`port ${port} is taken (is \`doms run\` running?): choose another with --port`);
    throw e;
  }
  const apiPort = services.find((s) => s.name === 'order')?.port ?? port;
  const target = `http://127.0.0.1:${apiPort}`;
  if (!live) printLine(`doms demo: order API on ${target} (try: curl ${target}/orders?size=3); sending ${rate}/s for ${opts.duration}`);

  try {
    const result = await presentRun(
      (hooks) =>
        runLoad(loadConfig({ target, rate, durationMs, users: 200, products: 50, seed: randomUUID(), connections: 32 }), {
          ...hooks,
          logger,
          infra: embeddedLoadInfra(embedded),
        }),
      { dashboard: opts.dashboard, target, rate, title: 'doms demo' },
    );
    printLine(summaryText(result));
    const c = result.counts;
    const unaccounted = c.httpErrors + c.timeouts + c.inFlight;
    if (unaccounted > 0) throw new ExitError(1, `${unaccounted} of ${c.sent} orders did not reach an outcome`);
    printLine(`doms demo: every one of ${c.sent} orders reached an outcome (${c.confirmed} confirmed, ${c.rejected} rejected, ${c.cancelled} cancelled)`);
  } finally {
    for (const s of [...services].reverse()) await s.stop().catch(() => {});
    await embedded.close();
  }
}
