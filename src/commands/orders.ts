import { defineCommand, jsonFlag, textFlag, valueFlag } from './command.ts';
import type { Invocation } from './invocation.ts';
import { colourStatus, table, type Output } from './output.ts';
import { UsageError } from '../errors.ts';
import type { Order } from '../services/order/order-store.ts';
import type { ListOrdersQuery } from '../services/order/request.ts';
import { listOrdersQuery, validate } from '../services/order/request.ts';
import { withApiErrors, type OrderCommandDeps } from './order-api.ts';

export interface OrdersOptions {
  target: string;
  query: ListOrdersQuery;
  json: boolean;
}

/** `doms orders`: its flags, help and runner; the flags are checked with the API's own rules. */
export const ordersCommand = defineCommand({
  name: 'orders',
  summary: 'list orders, newest first',
  description: "List orders, newest first (a page of the order service's GET /orders).",
  flags: {
    user: textFlag('--user <uuid>', "only this user's orders"),
    status: textFlag('--status <status>', 'only orders in this status'),
    // Text: the API's query schema parses them, as it does the HTTP query.
    page: valueFlag('--page <n>', 'page number, from 0', '0', (t) => t),
    size: valueFlag('--size <n>', 'orders per page (at most 100)', '20', (t) => t),
    json: jsonFlag('the page'),
  },
  settings: ['target'],
  examples: ['doms orders --user 11111111-1111-1111-1111-111111111111', 'doms orders --status CANCELLED --size 50'],
  options: ({ flags: f, settings }): OrdersOptions => {
    const { target } = settings;
    const query = validate(listOrdersQuery, { userId: f.user, status: f.status?.toUpperCase(), page: f.page, size: f.size });
    if (!query.ok) {
      const { field, message } = query.errors[0]!;
      throw new UsageError(`invalid --${field === 'userId' ? 'user' : field}: ${message}`);
    }
    return { target, query: query.value, json: f.json };
  },
  run: async (options, out) => orders(options, { out, ...(await import('../wiring/command-deps.ts')).orderAdapters() }),
});

export const ordersOptions = (inv: Invocation): OrdersOptions => ordersCommand.parse(inv);

/** `doms orders`: a page of the order service's GET /orders. */
export async function orders(options: OrdersOptions, { out, orderApi }: OrderCommandDeps): Promise<number> {
  const page = await withApiErrors(() => orderApi(options.target).list(options.query));
  if (options.json) {
    out.json(page);
    return 0;
  }
  if (page.content.length === 0) {
    out.line(page.totalElements === 0 ? 'no orders' : `no orders on page ${page.number} (${page.totalPages} pages)`);
    return 0;
  }
  print(out, page.content);
  out.line(`page ${page.number + 1} of ${page.totalPages} · ${page.totalElements} orders`);
  return 0;
}

function print(out: Output, content: Order[]): void {
  out.line(
    table(
      ['order', 'user', 'amount', 'items', 'status', 'created'],
      content.map((o) => [
        o.id,
        o.userId,
        o.amount,
        Object.values(o.items).reduce((a, b) => a + b, 0),
        colourStatus(o.status),
        o.createdAt.replace('T', ' ').slice(0, 23),
      ]),
    ),
  );
}
