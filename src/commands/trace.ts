import chalk from 'chalk';
import { defineCommand, jsonFlag, optionalFlag, valueFlag } from './command.ts';
import type { Invocation } from './invocation.ts';
import { colourStatus, shortTime, table, type Output } from './output.ts';
import { parseDuration } from '../config/parse.ts';
import type { Settings } from '../config/settings.ts';
import { ExitError, UsageError, retriability } from '../errors.ts';
import { uuid } from '../events/schemas.ts';
import type { CheckStatus, OrderTrace } from '../saga/trace/model.ts';

export const TRACE_SETTINGS = ['brokers', 'redisUrl', 'databaseUrl', 'topicPrefix', 'redisNamespace', 'ledgerTtl'] as const;
export type TraceSettings = Settings<(typeof TRACE_SETTINGS)[number]>;

export interface TraceOptions {
  settings: TraceSettings;
  id: string;
  json: boolean;
  /** Steps still to come are pending, not missing, until the order has been still this long. */
  settleMs: number;
  /** How far before the order's creation each partition is read from. */
  skewMs: number;
  /** 0: judge the first reading. */
  waitMs: number;
}

/** One order's trace, read once per call. */
export interface OrderTracer {
  trace(orderId: string, scope: { settleMs: number; skewMs: number }): Promise<OrderTrace | undefined>;
  close(): Promise<void>;
}

export interface TraceCommandDeps {
  out: Output;
  connect(settings: TraceSettings): Promise<OrderTracer>;
  sleep(ms: number): Promise<void>;
  now(): number;
}

const RECHECK_MS = 500;
/** How long a read that failed on a transient error (a partition's leader moving, a broker just started) is tried again. */
export const TRACE_RETRY_MS = 10_000;

const DESCRIPTION = `Everything about one order: its row and status timeline in PostgreSQL;
every event about it on every saga topic (topic, partition, offset, time,
origin header, time since the previous step); its dead letters; its Redis
records (reservation, payment and notification ledgers); and a verdict
against the saga's invariants, each check named.

Only the order's own partition of each topic is read (the key's, where the
producers put it: murmur2 of the order id), from its creation time (less
--clock-skew) to the end. An event written again (a redelivery, another
client) is shown as absorbed, not as a fault.

Exit codes: 0 the order finished and every check holds; 1 no such order, a
check failed (the missing event or Redis record is named, e.g. a deleted
reservation), or the order is still in flight (see --wait); 2 an id that is
not a UUID, or Kafka, Redis or PostgreSQL out of reach.`;

/** `doms trace`: its flags, settings, help and runner. */
export const traceCommand = defineCommand({
  name: 'trace',
  summary: 'everything about one order, and a verdict',
  description: DESCRIPTION,
  args: [{ name: '<orderId>', help: 'the order id (a UUID)' }],
  flags: {
    wait: optionalFlag('--wait <duration>', 'read again until the order has finished (or a check fails), or this long has passed', parseDuration),
    settle: valueFlag('--settle <duration>', "how long after an order's last step a step still to come counts as missing, not pending", '30s', parseDuration),
    clockSkew: valueFlag('--clock-skew <duration>', "how far before the order's creation to look for its events (clocks differ)", '5s', parseDuration),
    json: jsonFlag('the trace (the shape GET /orders/<id>/trace answers)'),
  },
  settings: TRACE_SETTINGS,
  examples: [
    'doms trace 5b0f6c1e-…',
    'doms trace 5b0f6c1e-… --json | jq .verdict',
    'doms trace 5b0f6c1e-… --wait 30s     # until it has finished',
    "doms trace 5b0f6c1e-… --json | jq -r '.events[] | [.topic, .partition, .offset, .sincePreviousMs] | @tsv'",
  ],
  options: ({ args, flags: f, settings }): TraceOptions => {
    const raw = String(args[0] ?? '');
    const id = uuid.safeParse(raw);
    if (!id.success) throw new UsageError(`invalid order id '${raw}': must be a UUID`);
    return { settings: { ...settings }, id: id.data, json: f.json, settleMs: f.settle, skewMs: f.clockSkew, waitMs: f.wait ?? 0 };
  },
  run: async (options, out) => trace(options, { out, ...(await import('../wiring/command-deps.ts')).traceAdapters((line) => out.note(line)) }),
});

export const traceOptions = (inv: Invocation): TraceOptions => traceCommand.parse(inv);

/** `doms trace <orderId>`: 0 when the order finished and every check holds, 1 otherwise (or no such order). */
export async function trace(options: TraceOptions, { out, connect, sleep, now }: TraceCommandDeps): Promise<number> {
  const tracer = await connect(options.settings);
  try {
    const started = now();
    const deadline = started + options.waitMs;
    let found: OrderTrace | undefined;
    for (;;) {
      try {
        found = await tracer.trace(options.id, { settleMs: options.settleMs, skewMs: options.skewMs });
      } catch (e: unknown) {
        if (retriability(e) !== 'transient' || now() >= Math.max(deadline, started + TRACE_RETRY_MS)) throw e;
        await sleep(RECHECK_MS);
        continue;
      }
      if (!found) throw new ExitError(1, `no order ${options.id} in the database (DATABASE_URL)`);
      if (found.verdict.state !== 'in flight' || now() >= deadline) break;
      await sleep(RECHECK_MS);
    }
    if (options.json) out.json(found);
    else render(out, found);
    return found.verdict.state === 'passed' ? 0 : 1;
  } finally {
    await tracer.close();
  }
}

const MARK: Record<CheckStatus, string> = {
  pass: chalk.green('✔'),
  fail: chalk.red('✘'),
  pending: chalk.blue('…'),
  skipped: chalk.dim('-'),
  warn: chalk.yellow('!'),
};

/** `+57ms`, `+1.2s`, `-3ms` (a producer's clock behind). */
export function sinceText(ms: number): string {
  const sign = ms < 0 ? '-' : '+';
  const a = Math.abs(ms);
  return a < 1000 ? `${sign}${a}ms` : a < 60_000 ? `${sign}${(a / 1000).toFixed(1)}s` : `${sign}${(a / 60_000).toFixed(1)}m`;
}

export function render(out: Output, t: OrderTrace): void {
  const { order, verdict } = t;
  out.line(`order    ${order.id}  ${colourStatus(order.status)}`);
  out.line(`user     ${order.userId}   amount ${order.amount}   created ${order.createdAt}`);
  out.line(
    `items    ${Object.entries(order.items)
      .map(([p, n]) => `${p}×${n}`)
      .join('  ')}`,
  );
  out.line(`timeline ${order.statusHistory.map((h) => `${colourStatus(h.status)} ${shortTime(h.at)}`).join(' → ')}`);
  out.line();
  out.line(chalk.bold(`events (${t.events.length})`));
  if (t.events.length)
    out.line(
      table(
        ['time', '+', 'topic', 'p', 'offset', 'origin', 'event'],
        t.events.map((e) => [
          shortTime(e.timestamp),
          sinceText(e.sincePreviousMs),
          e.kind === 'step' ? e.topic : e.kind === 'absorbed' ? chalk.dim(`${e.topic} (absorbed)`) : chalk.red(`${e.topic} (invalid)`),
          e.partition,
          e.offset,
          e.origin ? e.origin.slice(0, 8) : '-',
          e.note ? `${e.summary}\n${chalk.dim(e.note)}` : e.summary,
        ]),
      ),
    );
  out.line(chalk.dim(`searched: ${t.searched.map((s) => `${s.topic} [${s.partition}] ${s.from}–${s.to}`).join(', ')}`));
  if (t.deadLetters.length) {
    out.line();
    out.line(chalk.bold(`dead letters (${t.deadLetters.length})`));
    out.line(
      table(
        ['topic', 'offset', 'failed at', 'from', 'error'],
        t.deadLetters.map((d) => [d.topic, d.offset, d.timestamp, `${d.source.topic} [${d.source.partition}] @${d.source.offset}`, d.error]),
      ),
    );
  }
  out.line();
  out.line(chalk.bold('redis'));
  const { reservation, payment, notification } = t.redis;
  const shown = (v: unknown) => (v === null ? chalk.red('(missing)') : typeof v === 'string' ? v : JSON.stringify(v));
  out.line(`  ${reservation.key}  ${reservation.state === null ? chalk.red('(missing)') : `${reservation.state} ${JSON.stringify(reservation.detail)}`}`);
  out.line(`  ${payment.key}  ${shown(payment.value)}`);
  out.line(`  ${notification.key}  ${shown(notification.value)}`);
  out.line();
  const head = { passed: chalk.green('passed'), failed: chalk.red('failed'), 'in flight': chalk.blue('in flight') }[verdict.state];
  out.line(chalk.bold(`verdict: `) + head + (verdict.outcome ? ` (${verdict.outcome})` : ''));
  for (const c of verdict.checks) out.line(`  ${MARK[c.status]} ${c.name}: ${c.detail}`);
  if (verdict.missing.length) out.line(chalk.red(`missing: ${verdict.missing.join('; ')}`));
}
