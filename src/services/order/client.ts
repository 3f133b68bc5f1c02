import { UnreachableError, errorMessage } from '../../errors.ts';
import type { Order, Page } from './order-store.ts';
import type { CreateOrderRequest, ListOrdersQuery } from './request.ts';

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

/** A small client for the order service's HTTP API (used by the CLI's order commands). */
export class OrderClient {
  constructor(private readonly baseUrl: string) {}

  place(request: CreateOrderRequest): Promise<Order> {
    return this.call<Order>('POST', '/orders', request);
  }

  get(id: string): Promise<Order> {
    return this.call<Order>('GET', `/orders/${encodeURIComponent(id)}`);
  }

  list(query: Partial<ListOrdersQuery>): Promise<Page<Order>> {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
    return this.call<Page<Order>>('GET', `/orders?${params}`);
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(this.baseUrl + path, {
        method,
        headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
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
