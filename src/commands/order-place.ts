import type { Command } from 'commander';
import { readSettings } from '../cli/settings.ts';
import { colourStatus, printJson, printLine, shortTime } from '../cli/output.ts';
import { formatDuration, parseDuration } from '../config/parse.ts';
import { ExitError, UsageError, errorMessage } from '../errors.ts';
import { sleep } from '../infra/concurrency.ts';
import { ApiError, OrderClient } from '../services/order/client.ts';
import type { Order } from '../services/order/order-store.ts';
import { createOrderRequest, validate } from '../services/order/request.ts';
import { isTerminal } from '../services/order/status.ts';

const FLAG_FOR_FIELD: [RegExp, string][] = [
  [/^userId/, '--user'],
  [/^amount/, '--amount'],
  [/^items/, '--item'],
];

/** `doms order place`: validates the flags with the API's own rules, places the order, optionally follows it. */
export async function orderPlace(cmd: Command): Promise<void> {
  const { target } = readSettings(cmd, ['target']);
  const opts = cmd.opts<{ user: string; item: string[]; amount: string; wait?: boolean; timeout: string; json?: boolean }>();
  const request = toRequest(opts);
  let timeoutMs: number;
  try {
    timeoutMs = parseDuration(opts.timeout);
  } catch (e: unknown) {
    throw new UsageError(`invalid --timeout: ${errorMessage(e)}`);
  }

  const client = new OrderClient(target);
  let order = await withApiErrors(() => client.place(request));
  if (!opts.wait) {
    if (opts.json) printJson(order);
    else printLine(order.id);
    return;
  }

  if (!opts.json) printLine(`order ${order.id} placed`);
  const printed = new Set<string>();
  const start = Date.parse(order.createdAt);
  const show = (o: Order) => {
    for (const step of o.statusHistory) {
      if (printed.has(step.status) || opts.json) continue;
      printed.add(step.status);
      const offset = Date.parse(step.at) - start;
      printLine(`  ${shortTime(step.at)}  ${colourStatus(step.status.padEnd(9))}  +${formatDuration(offset)}`);
    }
  };
  show(order);
  const deadline = Date.now() + timeoutMs;
  while (!isTerminal(order.status)) {
    if (Date.now() > deadline) throw new ExitError(1, `order ${order.id} still ${order.status} after ${opts.timeout}`);
    await sleep(50);
    order = await withApiErrors(() => client.get(order.id));
    show(order);
  }
  if (opts.json) printJson(order);
  if (order.status !== 'CONFIRMED') throw new ExitError(1);
}

function toRequest(opts: { user: string; item: string[]; amount: string }) {
  const items: Record<string, number> = {};
  for (const spec of opts.item) {
    const match = /^([^=]+)=(.*)$/.exec(spec);
    if (!match) throw new UsageError(`invalid --item '${spec}': expected <productId>=<quantity>`);
    const qty = Number(match[2]);
    if (match[2]!.trim() === '' || Number.isNaN(qty)) throw new UsageError(`invalid --item '${spec}': quantity must be a number`);
    items[match[1]!] = (items[match[1]!] ?? 0) + qty;
  }
  const amount = Number(opts.amount);
  const checked = validate(createOrderRequest, { userId: opts.user, amount: opts.amount.trim() === '' || Number.isNaN(amount) ? opts.amount : amount, items });
  if (!checked.ok) {
    const { field, message } = checked.errors[0]!;
    const flag = FLAG_FOR_FIELD.find(([re]) => re.test(field))?.[1] ?? field;
    const detail = flag === '--item' && field.includes('.') ? `${field.split('.').slice(1).join('.')} ${message}` : message;
    throw new UsageError(`invalid ${flag}: ${detail}`);
  }
  return checked.value;
}

/** Maps the client's failures to the CLI's exit codes: unreachable or rejected input is 2. */
export async function withApiErrors<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e: unknown) {
    if (e instanceof ApiError && e.status === 400) throw new UsageError(`rejected by the order service: ${e.message}`);
    if (e instanceof ApiError && e.status === 404) throw new ExitError(1, e.message);
    throw e;
  }
}
