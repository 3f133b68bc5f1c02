import type { IncomingMessage, ServerResponse } from 'node:http';
import { Attr, type TraceSpan, type Tracer } from '../../infra/tracing.ts';

/**
 * The server span of a `POST /orders` (tracing on): the root of the order's trace, or the child of
 * the caller's span when the request carries a `traceparent`. It ends when the response does, with
 * its status; a 5xx marks it failed.
 */
export function orderRequestSpan(tracer: Tracer, req: IncomingMessage, res: ServerResponse): TraceSpan {
  const span = tracer.start('POST /orders', 'server', req.headers, {
    [Attr.HttpMethod]: 'POST',
    [Attr.HttpRoute]: '/orders',
    [Attr.UrlPath]: '/orders',
  });
  res.once('close', () => {
    span.set({ [Attr.HttpStatus]: res.statusCode });
    span.end(res.statusCode >= 500 ? new Error(`answered ${res.statusCode}`) : undefined);
  });
  return span;
}
