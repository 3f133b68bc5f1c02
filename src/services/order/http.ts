import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorMessage, retriability } from '../../errors.ts';
import { uuid } from '../../events/schemas.ts';
import type { Logger } from '../../infra/log.ts';
import type { OrderStore } from './order-store.ts';
import { createOrderRequest, listOrdersQuery, validate, type FieldError } from './request.ts';

export const MAX_BODY_BYTES = 64 * 1024;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body.message ?? status));
  }
}

const badRequest = (errors: FieldError[]) =>
  new HttpError(400, { error: 'Bad Request', message: `${errors[0]!.field}: ${errors[0]!.message}`, field: errors[0]!.field, errors });

/** The order service's HTTP API, compatible with the original Spring Boot service. */
export function createOrderApi(store: OrderStore, log: Logger): Server {
  const server = createServer((req, res) => {
    route(req, res, store).catch((e: unknown) => {
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

async function route(req: IncomingMessage, res: ServerResponse, store: OrderStore): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = url.pathname.replace(/\/+$/, '') || '/';

  if (path === '/health') {
    return send(res, 200, { status: 'UP' });
  }
  if (path === '/orders') {
    if (req.method === 'POST') {
      const body = await readJson(req, res);
      const request = validate(createOrderRequest, body);
      if (!request.ok) throw badRequest(request.errors);
      const result = await store.create(request.value, idempotencyKey(req));
      switch (result.kind) {
        case 'created':
          res.setHeader('Location', `/orders/${result.order.id}`);
          return send(res, 201, result.order);
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
  const match = /^\/orders\/([^/]+)$/.exec(path);
  if (match) {
    if (req.method !== 'GET') throw methodNotAllowed(res, 'GET');
    const id = uuid.safeParse(decodeOr(match[1]!));
    if (!id.success) throw badRequest([{ field: 'id', message: 'must be a UUID (8-4-4-4-12 hex digits)' }]);
    const order = await store.get(id.data);
    if (!order) throw new HttpError(404, { error: 'Not Found', message: `no order ${id.data}` });
    return send(res, 200, order);
  }
  throw new HttpError(404, { error: 'Not Found', message: `no route ${req.method} ${path}` });
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

function idempotencyKey(req: IncomingMessage): string | undefined {
  const value = req.headers['idempotency-key'];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !IDEMPOTENCY_KEY.test(value)) {
    req.resume();
    throw badRequest([{ field: 'Idempotency-Key', message: 'must be 1 to 255 visible ASCII characters' }]);
  }
  return value;
}

function methodNotAllowed(res: ServerResponse, allow: string): HttpError {
  res.setHeader('Allow', allow);
  return new HttpError(405, { error: 'Method Not Allowed', message: `use ${allow}` });
}

async function readJson(req: IncomingMessage, res: ServerResponse): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/([\w.+-]+\+)?json\b/i.test(type)) {
    req.resume();
    throw badRequest([{ field: 'Content-Type', message: `must be application/json (got ${type ? `'${type}'` : 'none'})` }]);
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  const raw = declared > MAX_BODY_BYTES ? 'too-large' : await readBody(req);
  if (raw === 'too-large') {
    // Stop reading an oversized upload: answer now and close the connection.
    res.setHeader('Connection', 'close');
    throw badRequest([{ field: 'body', message: `must be at most ${MAX_BODY_BYTES} bytes` }]);
  }
  const text = raw.toString('utf8');
  if (text.trim() === '') throw badRequest([{ field: 'body', message: 'is empty; expected a JSON object' }]);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw badRequest([{ field: 'body', message: 'is not valid JSON' }]);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest([{ field: 'body', message: 'must be a JSON object' }]);
  return body;
}

function readBody(req: IncomingMessage): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) return void chunks.push(chunk);
      req.off('data', onData);
      req.pause();
      resolve('too-large');
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** A path segment, percent-decoded; malformed encoding (`%ZZ`) is left as it is, so it fails validation as a 400. */
function decodeOr(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
