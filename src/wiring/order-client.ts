import { UnreachableError, errorMessage } from '../errors.ts';
import type { Order, Page } from '../services/order/order-store.ts';
import type { CreateOrderRequest, ListOrdersQuery } from '../services/order/request.ts';
import type { OrderStatus } from '../services/order/status.ts';

/** The service answered with an error status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: { message?: string; field?: string },
  ) {
    super(body.message ?? `HTTP ${status}`);
  }
}

/** What the CLI's order commands need of the order service (fakes in tests). */
export type OrderApi = Pick<OrderClient, 'place' | 'get' | 'list'>;

/** How long a request may go unanswered, beyond any wait it asked the service for. */
const REQUEST_TIMEOUT_MS = 10_000;

/** A long-poll of `GET /orders/<id>?wait=`: answer once the status is no longer `status` (or is terminal), or after `ms`. */
export interface OrderWait {
  /** At most the service's limit (30 s, MAX_WAIT_MS). */
  ms: number;
  /** The status the caller knows. */
  status: OrderStatus;
}

/** The CLI's client of the order service's HTTP API: the adapter behind the order commands' `OrderApi` (and `doms smoke`'s). */
export class OrderClient {
  constructor(private readonly baseUrl: string) {}

  place(request: CreateOrderRequest): Promise<Order> {
    return this.call<Order>('POST', '/orders', request);
  }

  /** The order; with `wait`, held by the service until its status moves on from `wait.status` or `wait.ms` passes. */
  get(id: string, wait?: OrderWait): Promise<Order> {
    const path = `/orders/${encodeURIComponent(id)}`;
    if (!wait) return this.call<Order>('GET', path);
    const ms = Math.max(0, Math.round(wait.ms));
    return this.call<Order>('GET', `${path}?wait=${ms}ms&status=${wait.status}`, undefined, ms + REQUEST_TIMEOUT_MS);
  }

  list(query: Partial<ListOrdersQuery>): Promise<Page<Order>> {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
    return this.call<Page<Order>>('GET', `/orders?${params}`);
  }

  private async call<T>(method: string, path: string, body?: unknown, timeoutMs = REQUEST_TIMEOUT_MS): Promise<T> {
    let res: Response;
    try {
      res = await fetch(this.baseUrl + path, {
        method,
        headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (e: unknown) {
      const cause = (e as { cause?: unknown }).cause;
      throw new UnreachableError(`the order service at ${this.baseUrl}`, 'DOMS_TARGET / --target', errorMessage(cause ?? e), { cause: cause ?? e });
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = { message: text.slice(0, 200) };
    }
    if (!res.ok) throw new ApiError(res.status, json as ApiError['body']);
    return json as T;
  }
}
