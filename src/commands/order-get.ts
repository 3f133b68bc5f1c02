import type { Command } from 'commander';
import { colourStatus, printJson, printLine, shortTime, table } from '../cli/output.ts';
import { readSettings } from '../cli/settings.ts';
import { UsageError } from '../errors.ts';
import { uuid } from '../events/schemas.ts';
import { OrderClient } from '../services/order/client.ts';
import { withApiErrors } from './order-place.ts';

export async function orderGet(id: string, cmd: Command): Promise<void> {
  const { target } = readSettings(cmd, ['target']);
  const parsed = uuid.safeParse(id);
  if (!parsed.success) throw new UsageError(`invalid order id '${id}': must be a UUID`);
  const order = await withApiErrors(() => new OrderClient(target).get(parsed.data));
  if (cmd.opts().json) return printJson(order);
  printLine(`order    ${order.id}`);
  printLine(`user     ${order.userId}`);
  printLine(`amount   ${order.amount}`);
  printLine(`status   ${colourStatus(order.status)}`);
  printLine(table(['product', 'quantity'], Object.entries(order.items)));
  printLine(
    table(
      ['status', 'at'],
      order.statusHistory.map((h) => [colourStatus(h.status), `${h.at.slice(0, 10)} ${shortTime(h.at)}`]),
    ),
  );
}
