import type { Invocation } from '../cli/invocation.ts';
import { colourStatus, table, type Output } from '../cli/output.ts';
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

export function ordersOptions(inv: Invocation): OrdersOptions {
  const { target } = inv.settings(['target']);
  const f = inv.flags as { user?: string; status?: string; page: string; size: string; json?: boolean };
  const query = validate(listOrdersQuery, { userId: f.user, status: f.status?.toUpperCase(), page: f.page, size: f.size });
  if (!query.ok) {
    const { field, message } = query.errors[0]!;
    throw new UsageError(`invalid --${field === 'userId' ? 'user' : field}: ${message}`);
  }
  return { target, query: query.value, json: Boolean(f.json) };
}

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
