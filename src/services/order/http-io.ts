import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FieldError } from './request.ts';

// The order API's request and answer plumbing (http.ts routes): JSON bodies read within a size, errors as answers.

export const MAX_BODY_BYTES = 64 * 1024;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body.message ?? status));
  }
}

export const badRequest = (errors: FieldError[]) =>
  new HttpError(400, { error: 'Bad Request', message: `${errors[0]!.field}: ${errors[0]!.message}`, field: errors[0]!.field, errors });

/** Aborts when the answer's connection closes: the client went away (or the answer is done, when it no longer matters). */
export function closedSignal(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.once('close', () => controller.abort());
  return controller.signal;
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

export function idempotencyKey(req: IncomingMessage): string | undefined {
  const value = req.headers['idempotency-key'];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !IDEMPOTENCY_KEY.test(value)) {
    req.resume();
    throw badRequest([{ field: 'Idempotency-Key', message: 'must be 1 to 255 visible ASCII characters' }]);
  }
  return value;
}

export function methodNotAllowed(res: ServerResponse, allow: string): HttpError {
  res.setHeader('Allow', allow);
  return new HttpError(405, { error: 'Method Not Allowed', message: `use ${allow}` });
}

export async function readJson(req: IncomingMessage, res: ServerResponse): Promise<unknown> {
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

export function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** A path segment, percent-decoded; malformed encoding (`%ZZ`) is left as it is, so it fails validation as a 400. */
export function decodeOr(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
