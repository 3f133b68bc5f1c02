import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HttpError, methodNotAllowed } from './http-io.ts';

/** The web page's files: the package's top-level web/, three folders up from src/services/order/ (or dist/services/order/). */
const WEB_DIR = fileURLToPath(new URL('../../../web/', import.meta.url));
/** `/web/<name>`: a flat name only, so nothing outside web/ can be asked for. */
export const WEB_FILE = /^\/web\/([a-z0-9][a-z0-9-]*\.(html|css|js|svg))$/;
const CONTENT_TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  svg: 'image/svg+xml',
};
/** The page loads its own script, style and icon and talks to this API, nothing else: no inline code, no other origin. */
export const CONTENT_SECURITY_POLICY = "default-src 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'; form-action 'self'";

/** A file of the web page, with its content type and a Content-Security-Policy that keeps it to this origin. */
export async function sendWebFile(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowed(res, 'GET, HEAD');
  let body: Buffer;
  try {
    body = await readFile(join(WEB_DIR, name));
  } catch (e: unknown) {
    if ((e as { code?: string }).code === 'ENOENT') throw new HttpError(404, { error: 'Not Found', message: `no ${name} in the web page's folder (web/)` });
    throw e;
  }
  res.writeHead(200, {
    'Content-Type': CONTENT_TYPES[name.slice(name.lastIndexOf('.') + 1)] ?? 'application/octet-stream',
    'Content-Length': body.length,
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-cache',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}
