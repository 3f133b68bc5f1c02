import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { parseDuration } from '../../config/parse.ts';
import { errorMessage, retriability } from '../../errors.ts';
import { uuid } from '../../events/schemas.ts';
import type { Logger } from '../../infra/log.ts';
import { metrics } from '../../infra/metrics.ts';
import { Attr, tracerFor, type Tracer } from '../../infra/tracing.ts';
import { orderRequestSpan } from './http-span.ts';
import type { OrderStore } from './order-store.ts';
import { MAX_STATS_WINDOW_S } from './order-stats.ts';
import { OrderWatch, MAX_WAIT_MS } from './order-watch.ts';
import { SharedStats } from './shared-stats.ts';
import { createOrderRequest, listOrdersQuery, validate } from './request.ts';
import { badRequest, closedSignal, decodeOr, HttpError, idempotencyKey, methodNotAllowed, readJson, send } from './http-io.ts';
import { sendWebFile, WEB_FILE } from './web-page.ts';
import { OrderStatuses } from './status.ts';
import type { OrderTraceReader } from '../service.ts';

/** The order service's HTTP API, compatible with the original Spring Boot service, and its web page at `/`. */
export function createOrderApi(store: OrderStore, log: Logger, traceOrder?: OrderTraceReader): Server {
  const watch = new OrderWatch(store, log);
  const stats = new SharedStats(store);
  const tracer = tracerFor('order');
  let closing = false;
  const server = createServer((req, res) => {
    // A keep-alive client that goes on sending would hold a closing server open until the stop is forced
    // (and the worker leaves its group uncleanly): answer, then let the connection go.
    if (closing) res.setHeader('Connection', 'close');
    const timer = metrics.httpSeconds.startTimer();
    res.once('finish', () => timer({ method: req.method ?? '', route: routeLabel(req.url), status: String(res.statusCode) }));
    route(req, res, store, watch, stats, tracer, traceOrder).catch((e: unknown) => {
      if (e instanceof HttpError) return send(res, e.status, e.body);
      log.error('request failed', { method: req.method, url: req.url, error: errorMessage(e) });
      // 503 tells a client to try again, which only helps when the store is away, not for a bug.
      if (retriability(e) === 'permanent') return send(res, 500, { error: 'Internal Server Error', message: 'the order could not be handled' });
      send(res, 503, { error: 'Service Unavailable', message: 'the order store is not reachable; retry later' });
    });
  });
  // Load generators keep connections open; outlive their idle timeouts.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  // close() waits for every connection to end: answer the held long-polls now rather than when their waits run out.
  const close = server.close.bind(server);
  server.close = ((callback?: (err?: Error) => void) => {
    closing = true;
    watch.close();
    return close(callback);
  }) as Server['close'];
  return server;
}

export async function listen(server: Server, port: number, host?: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

async function route(
  req: IncomingMessage,
  res: ServerResponse,
  store: OrderStore,
  watch: OrderWatch,
  stats: SharedStats,
  tracer: Tracer,
  traceOrder: OrderTraceReader | undefined,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = url.pathname.replace(/\/+$/, '') || '/';

  if (path === '/') return sendWebFile(req, res, 'index.html');
  const file = WEB_FILE.exec(path);
  if (file) return sendWebFile(req, res, file[1]!);
  if (path === '/health') {
    return send(res, 200, { status: 'UP' });
  }
  if (path === '/stats') {
    if (req.method !== 'GET') throw methodNotAllowed(res, 'GET');
    const query = validate(statsQuery, Object.fromEntries(url.searchParams));
    if (!query.ok) throw badRequest(query.errors);
    const answer = await stats.read(query.value.window);
    if (!answer) throw new HttpError(404, { error: 'Not Found', message: 'this order store keeps no stats' });
    res.setHeader('Cache-Control', 'no-store');
    return send(res, 200, answer);
  }
  if (path === '/orders') {
    if (req.method === 'POST') {
      const span = tracer.enabled ? orderRequestSpan(tracer, req, res) : undefined;
      const body = await readJson(req, res);
      const request = validate(createOrderRequest, body);
      if (!request.ok) throw badRequest(request.errors);
      const result = await store.create(request.value, idempotencyKey(req), span?.headers());
      if (span && (result.kind === 'created' || result.kind === 'replayed')) span.set({ [Attr.OrderId]: result.order.id });
      switch (result.kind) {
        case 'created':
          // 200, not 201: the original service answered 200, and its web page took anything else for a failure.
          res.setHeader('Location', `/orders/${result.order.id}`);
          return send(res, 200, result.order);
        case 'replayed':
          res.setHeader('Location', `/orders/${result.order.id}`);
          res.setHeader('Idempotent-Replayed', 'true');
          return send(res, 200, result.order);
        case 'in-progress':
          throw new HttpError(409, {
            error: 'Conflict',
            message: 'a request with this Idempotency-Key is still being processed; retry shortly',
            field: 'Idempotency-Key',
          });
        case 'mismatch':
          throw new HttpError(422, {
            error: 'Unprocessable Entity',
            message: 'this Idempotency-Key was used with a different request body',
            field: 'Idempotency-Key',
          });
      }
    }
    if (req.method === 'GET') {
      const query = validate(listOrdersQuery, Object.fromEntries(url.searchParams));
      if (!query.ok) throw badRequest(query.errors);
      return send(res, 200, await store.list(query.value));
    }
    throw methodNotAllowed(res, 'GET, POST');
  }
  const traced = /^\/orders\/([^/]+)\/trace$/.exec(path);
  if (traced) {
    if (req.method !== 'GET') throw methodNotAllowed(res, 'GET');
    const id = uuid.safeParse(decodeOr(traced[1]!));
    if (!id.success) throw badRequest([{ field: 'id', message: 'must be a UUID (8-4-4-4-12 hex digits)' }]);
    if (!traceOrder)
      throw new HttpError(501, { error: 'Not Implemented', message: 'tracing reads Kafka, Redis and PostgreSQL: this order service runs without them' });
    const trace = await traceOrder(id.data);
    if (!trace) throw new HttpError(404, { error: 'Not Found', message: `no order ${id.data}` });
    res.setHeader('Cache-Control', 'no-store');
    return send(res, 200, trace);
  }
  const match = /^\/orders\/([^/]+)$/.exec(path);
  if (match) {
    if (req.method !== 'GET') throw methodNotAllowed(res, 'GET');
    const id = uuid.safeParse(decodeOr(match[1]!));
    if (!id.success) throw badRequest([{ field: 'id', message: 'must be a UUID (8-4-4-4-12 hex digits)' }]);
    const query = validate(getOrderQuery, Object.fromEntries(url.searchParams));
    if (!query.ok) throw badRequest(query.errors);
    const order = await store.get(id.data);
    if (!order) throw new HttpError(404, { error: 'Not Found', message: `no order ${id.data}` });
    const { wait, status } = query.value;
    if (wait === undefined) return send(res, 200, order);
    const now = await watch.wait(order, status ?? order.status, wait, closedSignal(res));
    // Answered because the server is closing: let the connection go with it.
    if (watch.closed) res.setHeader('Connection', 'close');
    return send(res, 200, now);
  }
  throw new HttpError(404, { error: 'Not Found', message: `no route ${req.method} ${path}` });
}

/**
 * GET /orders/<id> query: `wait` (a duration up to MAX_WAIT_MS, e.g. 10s) holds the answer until the order's status
 * is no longer `status` (the caller's last known; by default the status it has now) or is terminal, or the wait ends.
 */
const getOrderQuery = z.object({
  wait: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return undefined;
      let ms = NaN;
      try {
        ms = parseDuration(v);
      } catch {
        // Reported below, with the limits.
      }
      if (!(ms >= 0 && ms <= MAX_WAIT_MS)) {
        ctx.addIssue({ code: 'custom', message: `must be a duration from 0 to ${MAX_WAIT_MS / 1000}s, e.g. 10s or 500ms (got '${v.slice(0, 40)}')` });
        return z.NEVER;
      }
      return ms;
    }),
  status: z.preprocess((v) => (v === '' ? undefined : v), z.enum(OrderStatuses, { error: `must be one of ${OrderStatuses.join(', ')}` }).optional()),
});

/** GET /stats query: `window`, a duration of whole seconds from 1s to MAX_STATS_WINDOW_S (default 60s; a part second counts as one). */
const statsQuery = z.object({
  window: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return 60;
      let ms = NaN;
      try {
        ms = parseDuration(v);
      } catch {
        // Reported below, with the limits.
      }
      if (!(ms >= 1000 && ms <= MAX_STATS_WINDOW_S * 1000)) {
        ctx.addIssue({ code: 'custom', message: `must be a duration from 1s to ${MAX_STATS_WINDOW_S / 60}m, e.g. 60s (got '${v.slice(0, 40)}')` });
        return z.NEVER;
      }
      return Math.ceil(ms / 1000);
    }),
});

/** A route as a metric label: ids and file names folded, so the series stay few. */
function routeLabel(url = ''): string {
  const path = url.split('?')[0]!;
  if (path === '/orders' || path === '/health' || path === '/stats' || path === '/') return path;
  if (/^\/orders\/[^/]+$/.test(path)) return '/orders/:id';
  if (/^\/orders\/[^/]+\/trace$/.test(path)) return '/orders/:id/trace';
  if (path.startsWith('/web/')) return '/web/*';
  return 'other';
}
