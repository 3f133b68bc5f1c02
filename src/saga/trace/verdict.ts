// One order judged against the saga's invariants (those of saga/verify, for one order): exactly one
// outcome, stock taken and given back as the outcome says, one charge, one notification. Pure.
import { OUTCOME_BY_TOPIC, OUTCOME_TOPICS, type SagaOutcome } from '../../events/outcomes.ts';
import { Topics, type Topic } from '../../events/topics.ts';
import { isTerminal } from '../../services/order/status.ts';
import type { CheckStatus, OrderTrace, TraceCheck, TraceEvent, TraceJudgement, TraceVerdict } from './model.ts';

export const CHECKS = {
  created: 'order.created published',
  outcome: 'exactly one outcome',
  stock: 'stock taken and given back as the outcome says',
  charge: 'one charge',
  notification: 'one notification',
  repeats: 'repeated events absorbed',
  deadLetters: 'no dead letters',
} as const;

/** The event whose absence fails a check, by outcome. */
const OUTCOME_EVENT: Record<SagaOutcome, Topic> = { CONFIRMED: Topics.PaymentSuccess, REJECTED: Topics.InventoryRejected, CANCELLED: Topics.InventoryReleased };

type Judged = Omit<OrderTrace, 'verdict'>;

export function judge(trace: Judged, now: Date, { settleMs, ledgerTtlMs }: TraceJudgement): TraceVerdict {
  const { order, events, redis } = trace;
  const steps = events.filter((e) => e.kind === 'step');
  const step = (topic: Topic): TraceEvent | undefined => steps.find((e) => e.topic === topic);
  const lastMove = Math.max(Date.parse(order.updatedAt), ...events.map((e) => Date.parse(e.timestamp)));
  // Steps still to come are pending until the order has been still for settleMs; then they are missing.
  const settled = now.getTime() - lastMove >= settleMs;
  const recordsKept = ledgerTtlMs === 0 || now.getTime() - Date.parse(order.createdAt) < ledgerTtlMs;
  const checks: TraceCheck[] = [];
  const missing: string[] = [];
  const check = (name: string, status: CheckStatus, detail: string): void => void checks.push({ name, status, detail });
  const late = (name: string, detail: string, what: string): void => {
    if (!settled) return check(name, 'pending', `${detail} yet`);
    missing.push(what);
    check(name, 'fail', `${detail}, ${Math.round((now.getTime() - lastMove) / 1000)}s after the order's last step`);
  };
  const where = (topic: Topic) => {
    const searched = trace.searched.find((s) => s.topic === topic);
    return searched ? `${topic} [${searched.partition}]` : topic;
  };

  const created = step(Topics.OrderCreated);
  if (created) check(CHECKS.created, 'pass', `at offset ${created.offset} of ${where(Topics.OrderCreated)}`);
  else late(CHECKS.created, 'no order.created event', `event order.created on ${where(Topics.OrderCreated)}`);

  const outcomes = OUTCOME_TOPICS.filter((t) => step(t));
  const announced = outcomes.length === 1 ? OUTCOME_BY_TOPIC[outcomes[0]!] : undefined;
  const outcome: SagaOutcome | null = announced ?? (outcomes.length === 0 && isTerminal(order.status) ? order.status : null);
  if (outcomes.length > 1) check(CHECKS.outcome, 'fail', `${outcomes.join(' and ')} were all published`);
  else if (announced && announced === order.status) check(CHECKS.outcome, 'pass', `${order.status}, announced by ${outcomes[0]}`);
  else if (announced && !isTerminal(order.status))
    late(CHECKS.outcome, `${outcomes[0]} published but the order is still ${order.status}`, `status ${announced} in PostgreSQL`);
  else if (announced) check(CHECKS.outcome, 'fail', `${outcomes[0]} published but the order is ${order.status}`);
  else if (isTerminal(order.status)) {
    missing.push(`event ${OUTCOME_EVENT[order.status]} on ${where(OUTCOME_EVENT[order.status])}`);
    check(CHECKS.outcome, 'fail', `the order is ${order.status} but no ${OUTCOME_EVENT[order.status]} was published`);
  } else late(CHECKS.outcome, `still ${order.status}: no outcome`, `an outcome (${OUTCOME_TOPICS.join(', ')})`);

  const kept = (name: string, judge: () => void) =>
    recordsKept ? judge() : check(name, 'skipped', 'older than the ledger TTL: its Redis records may have expired');
  kept(CHECKS.stock, () => judgeStock());
  kept(CHECKS.charge, () => judgeCharge());
  kept(CHECKS.notification, () => judgeNotification());

  const absorbed = events.filter((e) => e.kind === 'absorbed');
  check(CHECKS.repeats, 'pass', absorbed.length ? `${absorbed.length} absorbed: ${absorbed.map((e) => `${e.topic}@${e.offset}`).join(', ')}` : 'none');
  const dead = trace.deadLetters;
  check(
    CHECKS.deadLetters,
    dead.length ? 'warn' : 'pass',
    dead.length ? `${dead.length}: ${dead.map((d) => `${d.topic}@${d.offset} (${d.error})`).join(', ')}` : 'none',
  );

  const state = checks.some((c) => c.status === 'fail') ? 'failed' : checks.some((c) => c.status === 'pending') ? 'in flight' : 'passed';
  return { state, outcome, checks, missing };

  function judgeStock(): void {
    const name = CHECKS.stock;
    const { key, state } = redis.reservation;
    const reserved = step(Topics.InventoryReserved);
    const decision = reserved ?? step(Topics.InventoryRejected);
    // The record is written before inventory publishes its decision: with a decision out, it must be there.
    if (decision && state === null) {
      missing.push(`Redis reservation record ${key}`);
      return check(name, 'fail', `inventory published ${decision.topic}, but the reservation record ${key} is missing from Redis`);
    }
    if (outcome === null) return check(name, 'pending', `no outcome yet; reservation ${state ?? 'not made'}`);
    const need = (topic: Topic) => {
      if (step(topic)) return true;
      missing.push(`event ${topic} on ${where(topic)}`);
      check(name, 'fail', `${outcome} without ${topic}`);
      return false;
    };
    if (outcome === 'REJECTED') {
      if (reserved) return check(name, 'fail', 'REJECTED, yet inventory.reserved was published');
      if (!need(Topics.InventoryRejected)) return;
      return state === 'REJECTED'
        ? check(name, 'pass', 'nothing taken: reservation REJECTED')
        : check(name, 'fail', `REJECTED but the reservation is ${state}`);
    }
    if (!need(Topics.InventoryReserved)) return;
    if (outcome === 'CONFIRMED') {
      if (state === 'SOLD') return check(name, 'pass', 'taken (inventory.reserved), then sold: reservation SOLD');
      if (state === 'RESERVED') return late(name, 'CONFIRMED but its stock is still RESERVED, not SOLD', `reservation ${key} in state SOLD`);
      return check(name, 'fail', `CONFIRMED but the reservation is ${state}`);
    }
    if (!need(Topics.InventoryReleased)) return;
    const given = (step(Topics.InventoryReleased)!.value as { items?: unknown }).items;
    const taken = (reserved!.value as { items?: unknown }).items;
    if (JSON.stringify(sorted(given)) !== JSON.stringify(sorted(taken)))
      return check(name, 'fail', `gave back ${JSON.stringify(given)} but took ${JSON.stringify(taken)}`);
    if (state === 'RELEASED') return check(name, 'pass', 'taken (inventory.reserved), then given back (inventory.released): reservation RELEASED');
    return check(name, 'fail', `CANCELLED but the reservation is ${state}`);
  }

  function judgeCharge(): void {
    const name = CHECKS.charge;
    const { key } = redis.payment;
    const ledger = redis.payment.value as { status?: string; paymentId?: string; reason?: string } | null;
    const success = step(Topics.PaymentSuccess);
    const failed = step(Topics.PaymentFailed);
    if (success && failed) return check(name, 'fail', 'both payment.success and payment.failed were published');
    if (outcome === 'REJECTED') {
      if (success || failed || ledger)
        return check(name, 'fail', `REJECTED yet ${success || failed ? 'a payment was published' : `the payment ledger has ${key}`}`);
      return check(name, 'pass', 'never charged, as a rejected order should be');
    }
    const event = outcome === 'CONFIRMED' ? success : outcome === 'CANCELLED' ? failed : (success ?? failed);
    if (!event) {
      if (outcome === null) return check(name, 'pending', ledger ? `payment recorded (${ledger.status}), not yet published` : 'no payment yet');
      missing.push(
        `event ${outcome === 'CONFIRMED' ? Topics.PaymentSuccess : Topics.PaymentFailed} on ${where(outcome === 'CONFIRMED' ? Topics.PaymentSuccess : Topics.PaymentFailed)}`,
      );
      return check(name, 'fail', `${outcome} without its payment event`);
    }
    // The ledger is written before the payment event is published: with the event out, it must be there.
    if (!ledger) {
      missing.push(`Redis payment record ${key}`);
      return check(name, 'fail', `${event.topic} was published, but the payment record ${key} is missing from Redis`);
    }
    const paid = event.value as { paymentId?: string };
    if (event.topic === Topics.PaymentSuccess && (ledger.status !== 'success' || ledger.paymentId !== paid.paymentId))
      return check(name, 'fail', `payment.success (${paid.paymentId}) but the ledger says ${JSON.stringify(ledger)}`);
    if (event.topic === Topics.PaymentFailed && ledger.status !== 'failed')
      return check(name, 'fail', `payment.failed but the ledger says ${JSON.stringify(ledger)}`);
    return check(name, outcome === null ? 'pending' : 'pass', success ? `charged once (${paid.paymentId})` : `not charged: ${ledger.reason}`);
  }

  function judgeNotification(): void {
    const name = CHECKS.notification;
    const { key, value } = redis.notification;
    if (outcome === null) return value === null ? check(name, 'pending', 'none yet') : check(name, 'fail', `notified ${value} before any outcome`);
    if (value === null) return late(name, `${outcome} but not notified`, `Redis notification record ${key}`);
    return value === outcome ? check(name, 'pass', `notified once: ${value}`) : check(name, 'fail', `notified ${value} but the outcome is ${outcome}`);
  }
}

function sorted(items: unknown): unknown {
  return items && typeof items === 'object' ? Object.fromEntries(Object.entries(items).sort(([a], [b]) => a.localeCompare(b))) : items;
}
