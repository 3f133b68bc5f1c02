import type { Command } from 'commander';
import { colourStatus, printJson, printLine, table } from '../cli/output.ts';
import { readSettings } from '../cli/settings.ts';
import { UsageError } from '../errors.ts';
import { OrderClient } from '../services/order/client.ts';
import { listOrdersQuery, validate } from '../services/order/request.ts';
import { withApiErrors } from './order-place.ts';

export async function orders(cmd: Command): Promise<void> {
  const { target } = readSettings(cmd, ['target']);
  const opts = cmd.opts<{ user?: string; status?: string; page: string; size: string; json?: boolean }>();
  const query = validate(listOrdersQuery, { userId: opts.user, status: opts.status?.toUpperCase(), page: opts.page, size: opts.size });
  if (!query.ok) {
    const { field, message } = query.errors[0]!;
    throw new UsageError(`invalid --${field === 'userId' ? 'user' : field}: ${message}`);
  }
  const page = await withApiErrors(() => new OrderClient(target).list(query.value));
  if (opts.json) return printJson(page);
  if (page.content.length === 0) {
    printLine(page.totalElements === 0 ? 'no orders' : `no orders on page ${page.number} (${page.totalPages} pages)`);
    return;
  }
  printLine(
    table(
      ['order', 'user', 'amount', 'items', 'status', 'created'],
      page.content.map((o) => [
        o.id,
        o.userId,
        o.amount,
        Object.values(o.items).reduce((a, b) => a + b, 0),
        colourStatus(o.status),
        o.createdAt.replace('T', ' ').slice(0, 23),
      ]),
    ),
  );
  printLine(`page ${page.number + 1} of ${page.totalPages} · ${page.totalElements} orders`);
}
