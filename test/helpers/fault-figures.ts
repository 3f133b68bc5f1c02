import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { parseEvent } from '../../src/events/events.ts';
import { Topics, topicName, type Topic } from '../../src/events/topics.ts';
import { readTopicToEnd } from '../../src/infra/topic-reader.ts';
import type { CliResult } from './cli.ts';
import type { FaultObserved } from './fault-proof.ts';
import type { Saga } from './workers.ts';

// The figures of a fault scenario, for the README's reliability table: from what a disruptive test
// already has (the orders it placed, its saga's database, topics, worker logs and `doms verify --json`)
// one row per scenario, printed as `fault-figures: {json}`. `node scripts/fault-table.mjs` turns the
// lines of a `npm run test:faults` run into the markdown table.

const TERMINAL = ['CONFIRMED', 'REJECTED', 'CANCELLED'];
/** An order slower than this (creation → final status) counts as held up by a fault. */
export const SLOW_MS = 2_000;
/** A hold-up that begins this long after a fault (or later) is not that fault's doing. */
const EFFECT_WITHIN_MS = 15_000;

/** One stretch of a disruptive test, a row of the table. Times are ms since the epoch. */
export interface FaultPhase {
  scenario: string;
  /** The offered load, as the table shows it: `20/s`, `3 × 10 orders`; by default the test's orders per second, first to last. */
  load?: string;
  /** Where the scenario begins: orders placed from then until the next scenario's `from` are its own. */
  from: number;
  /** When each blow fell (a kill, a stop, a restart); [from] when not given. */
  events?: number[];
  /**
   * What the test saw of its fault from outside the thing it faulted (test/helpers/fault-proof.ts):
   * a broker's port refusing, a new PostgreSQL start time, a pid gone. A row without it is refused
   * by `npm run faults:table`.
   */
  observed: FaultObserved;
}

/** Everything the figures are computed from, read once at the end of a test. */
export interface FaultEvidence {
  /** Orders the API acknowledged, with the creation time it answered. */
  placed: { id: string; createdAt: number }[];
  /** The saga database's orders. */
  orders: { id: string; status: string; createdAt: number; endedAt?: number; terminalStatuses: number }[];
  /** Outcome events on the topics, per order id. */
  outcomes: Map<string, OutcomeEvents>;
  /**
   * Per order id: the `payment succeeded` / `payment failed` lines the payment workers logged, one per
   * call of the (simulated) payment gateway; undefined when the logs hold none at all.
   */
  chargeLines?: Map<string, LogLine[]>;
  /** Per order id: the `notification sent` lines the notification workers logged; undefined when the logs hold none at all. */
  notificationLines?: Map<string, LogLine[]>;
  /** Stock of the test's products, as `doms stock get --json` reports it. */
  stock: { productId: string; available: number; reserved: number; sold: number; added: number }[];
  /** Units sold per product according to the CONFIRMED orders in the database. */
  confirmedUnits: Map<string, number>;
  /** `doms verify --json`: ok, violations per invariant; or why it gave no report. */
  verify: { ok: boolean; violations: Record<string, number> } | { error: string };
}

/** A log line about an order, and the worker process that wrote it. */
export interface LogLine {
  pid: number | undefined;
  line: string;
}

export interface OutcomeEvents {
  /** paymentId of each payment.success event (repeats included). */
  paid: string[];
  failed: number;
  rejected: number;
  released: number;
}

/** One row of the reliability table (and a little more in the JSON). */
export interface FaultFigures {
  scenario: string;
  load: string;
  /** Orders acknowledged from this phase's start until the next phase's (the first row also takes those before it, the last those after). */
  orders: number;
  /** Acknowledged but missing from the database, or without a final status at the end. */
  lost: number;
  /** Orders with more than one outcome: two final statuses in their history, or two kinds of outcome event (payment.success, inventory.rejected, inventory.released). */
  duplicatedOutcomes: number;
  /** Rows beyond the requests: a retried request that made a second order. */
  duplicateOrders: number;
  /** Of the test's products, over the whole test: units sold or reserved beyond what was put in. */
  oversoldUnits: number;
  /** Orders charged twice as the saga records it: two payment ids on payment.success, or both a success and a failure. */
  doubleCharges: number;
  /**
   * Orders for which the payment gateway was called more than once (two `payment succeeded|failed`
   * log lines): the ledger kept one outcome, so one charge was announced, but a real gateway without
   * an idempotency key would have charged twice. Null when the logs hold none to count.
   */
  gatewayCalledTwice: number | null;
  /** Orders with more than one `notification sent` line; null when the workers' logs hold none to count. */
  duplicateNotifications: number | null;
  /**
   * Creation → final status of the orders this phase's blows could have held up: each order counts
   * with the phase of the last blow before it was 2 s old (or ended), else with the phase it was
   * placed in. An order placed just before the next phase's first blow and held up by it counts there.
   */
  duringFault: { orders: number; p999Ms: number | null; maxMs: number | null };
  /** Per blow: from it until the last order it held up (slower than SLOW_MS) got its final status; 0 when it held none up. */
  recoverEachMs: number[];
  recoverMs: number;
  /** Over the whole test: outcome events published again (redeliveries after a kill or rebalance), absorbed by the idempotent consumers; context, not a fault. */
  repeatedOutcomeEvents: number;
  verify: string;
  /** What the test observed of its fault (FaultPhase.observed); empty means it was not observed. */
  faultObserved: FaultObserved;
  /** Every count that must be 0 is 0 (gatewayCalledTwice is reported, not held to 0), verify passed, and the fault was observed. */
  allZero: boolean;
  /** For each count above 0, up to three orders and what showed it. */
  examples: Record<string, string[]>;
}

/**
 * The rows of a test's phases: counts per phase (orders attributed by creation time), stock over the
 * whole test, latency of the orders each phase's blows could have held up, and recovery per blow.
 * Pure, so it is unit-tested.
 */
export function computeFaultFigures(phases: readonly FaultPhase[], e: FaultEvidence, { slowMs = SLOW_MS } = {}): FaultFigures[] {
  const sorted = [...phases].sort((a, b) => a.from - b.from);
  const rows = new Map(e.orders.map((o) => [o.id, o]));
  const placedIds = new Set(e.placed.map((p) => p.id));
  const phaseOf = (at: number) => {
    let i = 0;
    while (i + 1 < sorted.length && at >= sorted[i + 1]!.from) i++;
    return i;
  };

  const oversoldUnits = e.stock.reduce(
    (sum, s) => sum + Math.max(0, s.sold + s.reserved - s.added, -s.available, (e.confirmedUnits.get(s.productId) ?? 0) - s.added),
    0,
  );
  const verify = 'error' in e.verify ? `no report: ${e.verify.error}` : e.verify.ok ? 'pass' : `fail: ${violationList(e.verify.violations)}`;
  const late = holdUps(e.orders, slowMs);
  const blows = sorted.flatMap((p, i) => (p.events ?? [p.from]).map((at) => ({ at, phase: i }))).sort((a, b) => a.at - b.at);
  /** Each ended order with its latency and the phase whose blow could have held it up. */
  const ended = e.orders.flatMap((o) => {
    if (o.endedAt === undefined) return [];
    const took = o.endedAt - o.createdAt;
    const by = o.createdAt + Math.min(took, slowMs);
    let phase = phaseOf(o.createdAt);
    for (const b of blows) if (b.at <= by) phase = b.phase;
    return [{ took, phase }];
  });
  let repeatedOutcomeEvents = 0;
  for (const o of e.outcomes.values()) repeatedOutcomeEvents += Math.max(0, o.paid.length - 1) + Math.max(0, o.rejected - 1) + Math.max(0, o.released - 1);

  return sorted.map((phase, i) => {
    const mine = (at: number) => phaseOf(at) === i;
    const placed = e.placed.filter((p) => mine(p.createdAt));
    const examples: Record<string, string[]> = {};
    const found = (what: string, detail: string) => {
      const list = (examples[what] ??= []);
      list.push(detail);
      return 1;
    };
    let lost = 0;
    let duplicatedOutcomes = 0;
    let doubleCharges = 0;
    let gatewayCalledTwice = 0;
    let duplicateNotifications = 0;
    for (const p of placed) {
      const row = rows.get(p.id);
      if (!row || !TERMINAL.includes(row.status)) lost += found('lost', `${p.id}: ${row ? `still ${row.status}` : 'no row in the database'}`);
      const out = e.outcomes.get(p.id);
      const kinds = out ? Number(out.paid.length > 0) + Number(out.rejected > 0) + Number(out.released > 0) : 0;
      if ((row?.terminalStatuses ?? 0) > 1 || kinds > 1)
        duplicatedOutcomes += found('duplicatedOutcomes', `${p.id}: ${row?.terminalStatuses ?? 0} final statuses, events ${JSON.stringify(out)}`);
      const paymentIds = new Set(out?.paid ?? []);
      if (paymentIds.size > 1 || (paymentIds.size > 0 && (out?.failed ?? 0) > 0))
        doubleCharges += found('doubleCharges', `${p.id}: payment ids ${[...paymentIds].join(', ')}, ${out?.failed ?? 0} payment.failed`);
      const charges = e.chargeLines?.get(p.id) ?? [];
      if (charges.length > 1) gatewayCalledTwice += found('gatewayCalledTwice', `${p.id}: ${charges.map(described).join(' / ')}`);
      const notes = e.notificationLines?.get(p.id) ?? [];
      if (notes.length > 1) duplicateNotifications += found('duplicateNotifications', `${p.id}: ${notes.map(described).join(' / ')}`);
    }
    for (const list of Object.values(examples)) list.splice(3);
    const duplicateOrders = e.orders.filter((o) => !placedIds.has(o.id) && mine(o.createdAt)).length;
    const took = ended
      .filter((o) => o.phase === i)
      .map((o) => o.took)
      .sort((a, b) => a - b);
    const events = phase.events ?? [phase.from];
    const recoverEachMs = events.map((at) => {
      const next = blows.find((b) => b.at > at)?.at ?? Infinity;
      return recoveryAfter(late, at, Math.min(next, at + EFFECT_WITHIN_MS));
    });
    const notificationsCounted = e.notificationLines !== undefined;
    const figures: FaultFigures = {
      scenario: phase.scenario,
      load: phase.load ?? perSecond(e.placed.map((p) => p.createdAt)),
      orders: placed.length,
      lost,
      duplicatedOutcomes,
      duplicateOrders,
      oversoldUnits,
      doubleCharges,
      gatewayCalledTwice: e.chargeLines ? gatewayCalledTwice : null,
      duplicateNotifications: notificationsCounted ? duplicateNotifications : null,
      duringFault: { orders: took.length, p999Ms: quantile(took, 0.999), maxMs: took.at(-1) ?? null },
      recoverEachMs,
      recoverMs: Math.max(0, ...recoverEachMs),
      repeatedOutcomeEvents,
      verify,
      faultObserved: phase.observed,
      allZero: false,
      examples,
    };
    if (oversoldUnits > 0)
      examples.oversoldUnits = e.stock
        .filter((x) => x.available < 0 || x.sold + x.reserved > x.added)
        .map((x) => JSON.stringify(x))
        .slice(0, 3);
    figures.allZero =
      Object.keys(phase.observed).length > 0 &&
      verify === 'pass' &&
      lost === 0 &&
      duplicatedOutcomes === 0 &&
      duplicateOrders === 0 &&
      oversoldUnits === 0 &&
      doubleCharges === 0 &&
      !(duplicateNotifications > 0);
    return figures;
  });
}

/** Orders per second from the first creation to the last. */
function perSecond(times: readonly number[]): string {
  if (times.length < 2) return `${times.length} orders`;
  const span = (Math.max(...times) - Math.min(...times)) / 1000;
  return span > 0 ? `${Math.round(times.length / span)}/s` : `${times.length} orders`;
}

/** A log line, short: which process, and its time and message. */
function described({ pid, line }: LogLine): string {
  return `pid ${pid}: ${line.length > 160 ? `${line.slice(0, 160)}…` : line}`;
}

/** Nearest-rank quantile of sorted values; null for none. */
function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

function violationList(v: Record<string, number>): string {
  return (
    Object.entries(v)
      .filter(([, n]) => n > 0)
      .map(([id, n]) => `${id}×${n}`)
      .join(', ') || 'no violation listed'
  );
}

/** Each order slower than `slowMs` is late from `slowMs` after its creation until its final status; by start. */
export function holdUps(orders: FaultEvidence['orders'], slowMs: number): { start: number; end: number }[] {
  return orders
    .filter((o) => o.endedAt !== undefined && o.endedAt - o.createdAt > slowMs)
    .map((o) => ({ start: o.createdAt + slowMs, end: o.endedAt! }))
    .sort((a, b) => a.start - b.start);
}

/**
 * From a blow at `at` until the last order it held up got its final status: orders late at the blow or
 * from before `effectBefore` (the next blow, or 15 s on); 0 when none. An order that turns late only
 * after the next blow is that blow's.
 */
export function recoveryAfter(holdUps: readonly { start: number; end: number }[], at: number, effectBefore: number): number {
  let until = at;
  for (const h of holdUps) if (h.end > at && h.start < effectBefore) until = Math.max(until, h.end);
  return until - at;
}

/** Reads the evidence of a test's saga: its database, the outcome topics, the workers' logs, the stock and `doms verify --json`. */
export async function gatherFaultEvidence(
  saga: Saga,
  input: { placed: readonly { id: string; createdAt: string | number }[]; products: readonly string[]; verify?: CliResult },
): Promise<FaultEvidence> {
  const db = new pg.Client({ connectionString: saga.databaseUrl });
  db.on('error', () => {});
  await db.connect();
  let orders: FaultEvidence['orders'];
  let confirmedUnits: Map<string, number>;
  try {
    const { rows } = await db.query<{ id: string; status: string; created_at: Date; ended_at: Date | null; terminal: number }>(
      `SELECT o.id, o.status, o.created_at, min(h.at) AS ended_at, count(h.status)::int AS terminal
       FROM orders o LEFT JOIN order_status_history h ON h.order_id = o.id AND h.status = ANY($1)
       GROUP BY o.id`,
      [TERMINAL],
    );
    orders = rows.map((r) => ({
      id: r.id,
      status: r.status,
      createdAt: r.created_at.getTime(),
      ...(r.ended_at && { endedAt: r.ended_at.getTime() }),
      terminalStatuses: r.terminal,
    }));
    const units = await db.query<{ product_id: string; units: number }>(
      `SELECT i.product_id, sum(i.quantity)::int AS units FROM order_items i JOIN orders o ON o.id = i.order_id WHERE o.status = 'CONFIRMED' GROUP BY 1`,
    );
    confirmedUnits = new Map(units.rows.map((r) => [r.product_id, r.units]));
  } finally {
    await db.end().catch(() => {});
  }

  const [outcomes, stock, verify] = await Promise.all([
    readOutcomes(saga),
    readStock(saga, input.products),
    input.verify ?? saga.doms(['verify', '--json', '--max-in-flight', '120s'], { timeout: 120_000 }),
  ]);
  return {
    placed: input.placed.map((p) => ({ id: p.id, createdAt: typeof p.createdAt === 'number' ? p.createdAt : Date.parse(p.createdAt) })),
    orders,
    outcomes,
    ...logCounts(saga.processes.map((p) => ({ pid: p.child.pid, output: p.output }))),
    stock,
    confirmedUnits,
    verify: verifySummary(verify),
  };
}

/**
 * Gathers the evidence, computes one row per phase and prints each as `fault-figures: {json}`, the
 * line `scripts/fault-table.mjs` collects. Returns the rows for the test to assert on.
 */
export async function reportFaultFigures(
  saga: Saga,
  phases: readonly FaultPhase[],
  input: { placed: readonly { id: string; createdAt: string | number }[]; products: readonly string[]; verify?: CliResult },
): Promise<FaultFigures[]> {
  const rows = computeFaultFigures(phases, await gatherFaultEvidence(saga, input));
  for (const row of rows) console.log(`fault-figures: ${JSON.stringify(row)}`);
  return rows;
}

/** The rows where a count that must be 0 is not, one line each, for an assertion message. */
export function faultsFound(rows: readonly FaultFigures[]): string[] {
  return rows
    .filter((r) => !r.allZero)
    .map(
      (r) =>
        `${r.scenario}: ${Object.keys(r.faultObserved).length === 0 ? 'fault not observed, ' : ''}` +
        `lost ${r.lost}, duplicated outcomes ${r.duplicatedOutcomes}, duplicate orders ${r.duplicateOrders}, oversold ${r.oversoldUnits}, ` +
        `double charges ${r.doubleCharges}, duplicate notifications ${r.duplicateNotifications}, verify ${r.verify}`,
    );
}

async function readOutcomes(saga: Saga): Promise<Map<string, OutcomeEvents>> {
  const kafka = new Kafka({ clientId: 'doms-tests-fault-figures', brokers: saga.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
  const topics: Topic[] = [Topics.PaymentSuccess, Topics.PaymentFailed, Topics.InventoryRejected, Topics.InventoryReleased];
  const read = await Promise.all(topics.map((t) => readTopicToEnd(kafka, topicName(t, saga.prefix), { timeoutMs: 60_000 })));
  const outcomes = new Map<string, OutcomeEvents>();
  topics.forEach((topic, i) => {
    for (const record of read[i]!) {
      const parsed = parseEvent(topic, record.value);
      if (!parsed.ok) continue;
      const ev = parsed.event;
      const o = outcomes.get(ev.orderId) ?? { paid: [], failed: 0, rejected: 0, released: 0 };
      if (ev.type === Topics.PaymentSuccess) o.paid.push(ev.paymentId);
      else if (ev.type === Topics.PaymentFailed) o.failed++;
      else if (ev.type === Topics.InventoryRejected) o.rejected++;
      else if (ev.type === Topics.InventoryReleased) o.released++;
      outcomes.set(ev.orderId, o);
    }
  });
  return outcomes;
}

async function readStock(saga: Saga, products: readonly string[]): Promise<FaultEvidence['stock']> {
  if (products.length === 0) return [];
  const got = await saga.doms(['stock', 'get', ...products, '--json']);
  if (got.code !== 0) throw new Error(`doms stock get exited ${got.code}: ${got.stderr}`);
  return (JSON.parse(got.stdout) as (FaultEvidence['stock'][number] | { productId: string; unknown: true })[]).filter(
    (s): s is FaultEvidence['stock'][number] => !('unknown' in s),
  );
}

/** The `payment succeeded|failed` and `notification sent` lines of each order, in text or JSON log lines, per worker process. */
export function logCounts(outputs: readonly { pid: number | undefined; output: string }[]): Pick<FaultEvidence, 'chargeLines' | 'notificationLines'> {
  const charges = new Map<string, LogLine[]>();
  const notifications = new Map<string, LogLine[]>();
  const id = /orderId["=:]+([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/;
  for (const { pid, output } of outputs) {
    for (const line of output.split('\n')) {
      // A notification's text tells of the payment too ("cancelled: payment failed, …"): it is told apart first.
      const into = line.includes('notification sent:') ? notifications : /payment (succeeded|failed)/.test(line) ? charges : undefined;
      const orderId = into && id.exec(line)?.[1];
      if (!into || !orderId) continue;
      const list = into.get(orderId) ?? [];
      list.push({ pid, line });
      into.set(orderId, list);
    }
  }
  return { ...(charges.size > 0 && { chargeLines: charges }), ...(notifications.size > 0 && { notificationLines: notifications }) };
}

function verifySummary(result: CliResult): FaultEvidence['verify'] {
  try {
    const report = JSON.parse(result.stdout) as { ok: boolean; checks: { id: string; violations: number }[] };
    return { ok: report.ok, violations: Object.fromEntries(report.checks.map((c) => [c.id, c.violations])) };
  } catch {
    return { error: `doms verify exited ${result.code}: ${result.stderr.trim().split('\n').pop() ?? ''}` };
  }
}
