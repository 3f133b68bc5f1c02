import { defineCommand, jsonFlag } from './command.ts';
import type { Invocation } from './invocation.ts';
import { colourStatus, shortTime, table } from './output.ts';
import { UsageError } from '../errors.ts';
import { uuid } from '../events/schemas.ts';
import { withApiErrors, type OrderCommandDeps } from './order-api.ts';

export interface OrderGetOptions {
  target: string;
  id: string;
  json: boolean;
}

/** `doms order get`: its flags, help and runner. */
export const orderGetCommand = defineCommand({
  name: 'order get',
  description: 'Show one order with its status history.',
  args: [{ name: '<id>', help: 'the order id' }],
  flags: { json: jsonFlag('the order') },
  settings: ['target'],
  examples: ['doms order get 3f0c…', 'doms order get 3f0c… --json | jq .status'],
  options: ({ args, flags, settings }): OrderGetOptions => {
    const { target } = settings;
    const id = String(args[0] ?? '');
    const parsed = uuid.safeParse(id);
    if (!parsed.success) throw new UsageError(`invalid order id '${id}': must be a UUID`);
    return { target, id: parsed.data, json: flags.json };
  },
  run: async (options, out) => orderGet(options, { out, ...(await import('../wiring/command-deps.ts')).orderAdapters() }),
});

export const orderGetOptions = (inv: Invocation): OrderGetOptions => orderGetCommand.parse(inv);

/** `doms order get <id>`: one order with its status history. */
export async function orderGet(options: OrderGetOptions, { out, orderApi }: OrderCommandDeps): Promise<number> {
  const order = await withApiErrors(() => orderApi(options.target).get(options.id));
  if (options.json) {
    out.json(order);
    return 0;
  }
  out.line(`order    ${order.id}`);
  out.line(`user     ${order.userId}`);
  out.line(`amount   ${order.amount}`);
  out.line(`status   ${colourStatus(order.status)}`);
  out.line(table(['product', 'quantity'], Object.entries(order.items)));
  out.line(
    table(
      ['status', 'at'],
      order.statusHistory.map((h) => [colourStatus(h.status), `${h.at.slice(0, 10)} ${shortTime(h.at)}`]),
    ),
  );
  return 0;
}
