import type { Invocation } from '../cli/invocation.ts';
import { colourStatus, shortTime, table } from '../cli/output.ts';
import { UsageError } from '../errors.ts';
import { uuid } from '../events/schemas.ts';
import { withApiErrors, type OrderCommandDeps } from './order-api.ts';

export interface OrderGetOptions {
  target: string;
  id: string;
  json: boolean;
}

export function orderGetOptions(inv: Invocation): OrderGetOptions {
  const { target } = inv.settings(['target']);
  const id = String(inv.args[0] ?? '');
  const parsed = uuid.safeParse(id);
  if (!parsed.success) throw new UsageError(`invalid order id '${id}': must be a UUID`);
  return { target, id: parsed.data, json: Boolean(inv.flags.json) };
}

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
