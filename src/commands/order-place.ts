import { defineCommand, jsonFlag, listFlag, optionalValueFlag, textFlag, valueFlag } from './command.ts';
import { parseFlag, type Invocation } from './invocation.ts';
import { colourStatus, shortTime } from './output.ts';
import { formatDuration, parseDuration } from '../config/parse.ts';
import { ExitError, UsageError } from '../errors.ts';
import type { Order } from '../services/order/order-store.ts';
import { createOrderRequest, validate, type CreateOrderRequest } from '../services/order/request.ts';
import { isTerminal } from '../services/order/status.ts';
import { withApiErrors, type OrderCommandDeps } from './order-api.ts';

const FLAG_FOR_FIELD: [RegExp, string][] = [
  [/^userId/, '--user'],
  [/^amount/, '--amount'],
  [/^items/, '--item'],
];

/** One long-poll holds this long at most: under the order service's limit (30 s, MAX_WAIT_MS in services/order/order-watch.ts). */
const LONG_POLL_MS = 25_000;
/** Before asking again when the service answered at once with no news (it holds no more waits, or predates them). */
const RETRY_MS = 250;

export interface OrderPlaceOptions {
  target: string;
  request: CreateOrderRequest;
  /** null: print the id and return; otherwise follow the order this long at most (`--wait <duration>`, or `--timeout`). */
  waitMs: number | null;
  /** As typed, for the message when the wait runs out. */
  timeoutText: string;
  json: boolean;
}

/** `doms order place`: its flags, help and runner; the flags are checked with the API's own rules, so a bad order never leaves the machine. */
export const orderPlaceCommand = defineCommand({
  name: 'order place',
  description: "Place an order through the order service's HTTP API and print its id.",
  flags: {
    user: textFlag('--user <uuid>', "the ordering user's id", { required: true }),
    item: listFlag('--item <productId=qty>', 'a product and quantity; repeat for more items', (t) => t, { required: true }),
    amount: textFlag('--amount <amount>', "the order's total amount, e.g. 500", { required: true }),
    wait: optionalValueFlag(
      '--wait [duration]',
      'follow the order to its final status, for this long at most (default 30s); exit 0 for CONFIRMED, 1 for REJECTED, CANCELLED or no end in time',
    ),
    // Text: `--wait` alone waits this, and the message when the wait runs out quotes it.
    timeout: valueFlag('--timeout <duration>', 'old form of the --wait duration', '30s', (t) => t, { hidden: true }),
    json: jsonFlag('the order (with --wait: the final one)'),
  },
  settings: ['target'],
  examples: [
    'doms order place --user 11111111-1111-1111-1111-111111111111 --item aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa=2 --amount 500 --wait',
    'doms order place --user 11111111-1111-1111-1111-111111111111 --item aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa=2 --amount 500 --wait 10s --json | jq .status',
  ],
  options: ({ flags: f, settings }): OrderPlaceOptions => {
    const { target } = settings;
    const { user, amount } = f;
    if (user === undefined) throw new UsageError("required option '--user <uuid>' not specified");
    if (amount === undefined) throw new UsageError("required option '--amount <amount>' not specified");
    // `--wait` alone waits --timeout (the old form: --wait --timeout 10s), whose default is 30s; `--wait 10s` says it at once.
    const timeoutMs = parseFlag('--timeout', () => parseDuration(f.timeout));
    const waitText = typeof f.wait === 'string' ? f.wait : f.timeout;
    const waitMs = typeof f.wait === 'string' ? parseFlag('--wait', () => parseDuration(waitText)) : timeoutMs;
    return { target, request: toRequest(user, f.item, amount), waitMs: f.wait ? waitMs : null, timeoutText: waitText, json: f.json };
  },
  run: async (options, out) => orderPlace(options, { out, ...(await import('../wiring/command-deps.ts')).orderAdapters() }),
});

export const orderPlaceOptions = (inv: Invocation): OrderPlaceOptions => orderPlaceCommand.parse(inv);

/**
 * `doms order place`: places the order, optionally follows it to its end with long-polls of `GET /orders/<id>?wait=`
 * (each answered as soon as the status moves). Exit 0 for CONFIRMED, 1 for REJECTED or CANCELLED, and 1 with a
 * message on stderr when the wait runs out first.
 */
export async function orderPlace(options: OrderPlaceOptions, { out, orderApi, sleep, now }: OrderCommandDeps): Promise<number> {
  const api = orderApi(options.target);
  let order = await withApiErrors(() => api.place(options.request));
  if (options.waitMs === null) {
    if (options.json) out.json(order);
    else out.line(order.id);
    return 0;
  }

  if (!options.json) out.line(`order ${order.id} placed`);
  const printed = new Set<string>();
  const start = Date.parse(order.createdAt);
  const show = (o: Order) => {
    if (options.json) return;
    for (const step of o.statusHistory) {
      if (printed.has(step.status)) continue;
      printed.add(step.status);
      out.line(`  ${shortTime(step.at)}  ${colourStatus(step.status.padEnd(9))}  +${formatDuration(Date.parse(step.at) - start)}`);
    }
  };
  show(order);
  const deadline = now() + options.waitMs;
  while (!isTerminal(order.status)) {
    const left = deadline - now();
    if (left <= 0) {
      if (options.json) out.json(order);
      throw new ExitError(1, `order ${order.id} still ${order.status} after ${options.timeoutText}`);
    }
    const { id, status: known } = order;
    const asked = now();
    order = await withApiErrors(() => api.get(id, { ms: Math.min(left, LONG_POLL_MS), status: known }));
    show(order);
    // An answer at once with no news must not become a busy loop.
    if (order.status === known && now() - asked < RETRY_MS) await sleep(RETRY_MS);
  }
  if (options.json) out.json(order);
  return order.status === 'CONFIRMED' ? 0 : 1;
}

function toRequest(user: string, itemSpecs: string[], amountText: string): CreateOrderRequest {
  const items: Record<string, number> = {};
  for (const spec of itemSpecs) {
    const match = /^([^=]+)=(.*)$/.exec(spec);
    if (!match) throw new UsageError(`invalid --item '${spec}': expected <productId>=<quantity>`);
    const qty = Number(match[2]);
    if (match[2]!.trim() === '' || Number.isNaN(qty)) throw new UsageError(`invalid --item '${spec}': quantity must be a number`);
    items[match[1]!] = (items[match[1]!] ?? 0) + qty;
  }
  const amount = Number(amountText);
  const checked = validate(createOrderRequest, { userId: user, amount: amountText.trim() === '' || Number.isNaN(amount) ? amountText : amount, items });
  if (!checked.ok) {
    const { field, message } = checked.errors[0]!;
    const flag = FLAG_FOR_FIELD.find(([re]) => re.test(field))?.[1] ?? field;
    const detail = flag === '--item' && field.includes('.') ? `${field.split('.').slice(1).join('.')} ${message}` : message;
    throw new UsageError(`invalid ${flag}: ${detail}`);
  }
  return checked.value;
}
