import { isIP } from 'node:net';
import { Redis, type ChainableCommander, type RedisOptions } from 'ioredis';
import { UnreachableError, errorMessage } from '../errors.ts';
import type { Logger } from './log.ts';

/** Connects, failing fast with one line when Redis is not there; later outages are retried by ioredis. */
export async function connectRedis(url: string, logger: Logger): Promise<Redis> {
  let ready = false;
  let firstError: unknown;
  const redis = new Redis(url, {
    ...tlsOptions(url),
    lazyConnect: true,
    connectTimeout: 3000,
    maxRetriesPerRequest: null,
    // No retries before the first connection: an unreachable Redis is reported at once.
    retryStrategy: (attempt) => (ready ? Math.min(100 * 2 ** attempt, 2000) : null),
  });
  redis.on('error', (e: unknown) => {
    firstError ??= e;
    if (ready) logger.warn('redis connection error (retrying)', { error: errorMessage(e) });
  });
  // A connection the server closed (a restart, CLIENT KILL) ends without an error: say so too.
  redis.on('reconnecting', (inMs: number) => {
    if (ready) logger.warn('redis connection lost; reconnecting', { inMs });
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (e: unknown) {
    redis.disconnect();
    throw new UnreachableError(`Redis at ${redactUrl(url)}`, 'REDIS_URL / --redis-url', errorMessage(firstError ?? e), { cause: firstError ?? e });
  }
  ready = true;
  return redis;
}

/**
 * TLS for a `rediss://` URL, whatever its case (ioredis itself turns TLS on only for a lower-case
 * `rediss://`), naming the host for SNI and the certificate check. A private CA: NODE_EXTRA_CA_CERTS.
 */
export function tlsOptions(url: string): Pick<RedisOptions, 'tls'> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return {};
  }
  if (u.protocol !== 'rediss:') return {};
  const host = u.hostname.replace(/^\[|\]$/g, '');
  return { tls: isIP(host) || host === '' ? {} : { servername: host } };
}

/** The URL without its password, for messages: the user part, and a `password` query parameter (pg reads one). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    if (u.searchParams.has('password')) u.searchParams.set('password', '***');
    return u.toString();
  } catch {
    return url;
  }
}

/** Runs a pipeline; any command's error fails the whole call (callers retry: the saga's commands are idempotent). */
export async function execAll<T>(pipeline: ChainableCommander): Promise<T[]> {
  const replies = (await pipeline.exec()) ?? [];
  return replies.map(([err, value]) => {
    if (err) throw err;
    return value as T;
  });
}
