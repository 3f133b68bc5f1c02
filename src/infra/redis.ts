import { isIP } from 'node:net';
import { Cluster, Redis, type ChainableCommander, type ClusterOptions, type RedisOptions } from 'ioredis';
import { DomsError, UnreachableError, errorMessage } from '../errors.ts';
import type { Logger } from './log.ts';

/** A single Redis server or a Redis Cluster: stores that care ask `isCluster`. */
export type RedisClient = Redis | Cluster;

/**
 * Connects, failing fast with one line when Redis is not there; later outages are retried by ioredis.
 * A `redis+cluster://` (or `rediss+cluster://`) URL names seed nodes of a Redis Cluster.
 */
export async function connectRedis(url: string, logger: Logger): Promise<RedisClient> {
  let ready = false;
  let firstError: unknown;
  const cluster = parseClusterUrl(url);
  const retry = (attempt: number) => (ready ? Math.min(100 * 2 ** attempt, 2000) : null);
  const redis: RedisClient = cluster
    ? new Cluster(cluster.nodes, {
        lazyConnect: true,
        // A pipeline on a cluster must stay on one node; commands issued in the same tick are
        // pipelined per node instead, so a chunk's commands still cost one round trip per node.
        enableAutoPipelining: true,
        // A failover or a slot move: retried, with the same bounds as a single server's reconnects.
        clusterRetryStrategy: retry,
        retryDelayOnFailover: 200,
        retryDelayOnClusterDown: 300,
        slotsRefreshTimeout: 3000,
        // A backstop: a MOVED refreshes the map at once (followingSlots), and so does a node's error.
        slotsRefreshInterval: 5000,
        redisOptions: { ...cluster.redisOptions, connectTimeout: 3000, maxRetriesPerRequest: null },
      })
    : new Redis(url, {
        ...tlsOptions(url),
        lazyConnect: true,
        connectTimeout: 3000,
        maxRetriesPerRequest: null,
        // No retries before the first connection: an unreachable Redis is reported at once.
        retryStrategy: retry,
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
    // ioredis's cluster says only "Failed to refresh slots cache" when no seed node answered as a cluster node.
    const why =
      cluster && /refresh slots cache|startup nodes/i.test(`${errorMessage(e)} ${errorMessage(firstError)}`)
        ? 'no seed node answered as a Redis Cluster node'
        : errorMessage(firstError ?? e);
    throw new UnreachableError(`Redis at ${redactUrl(url)}`, 'REDIS_URL / --redis-url', why, { cause: firstError ?? e });
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

/**
 * `redis+cluster://[user:password@]host:port[,host:port…]`: the seed nodes of a Redis Cluster (any
 * subset; the client learns the rest). `rediss+cluster://` for TLS. Undefined for any other URL.
 */
export function parseClusterUrl(url: string): { nodes: { host: string; port: number }[]; redisOptions: ClusterOptions['redisOptions'] } | undefined {
  const m = /^(rediss?)\+cluster:\/\/(?:([^@/]*)@)?([^/?#]+)\/?$/i.exec(url.trim());
  if (!m) {
    if (/^rediss?\+cluster:/i.test(url)) throw new Error(`'${redactUrl(url)}' is not redis+cluster://[user:password@]host:port[,host:port…]`);
    return undefined;
  }
  const [, scheme, auth, hostList] = m;
  const nodes = hostList!.split(',').map((hp) => {
    const at = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(hp.trim());
    if (!at) throw new Error(`'${hp}' in the Redis Cluster URL is not host:port`);
    return { host: at[1]!.replace(/^\[|\]$/g, ''), port: at[2] ? Number(at[2]) : 6379 };
  });
  const colon = auth?.indexOf(':') ?? -1;
  const user = auth === undefined ? '' : decodeURIComponent(colon < 0 ? auth : auth.slice(0, colon));
  const password = colon < 0 ? '' : decodeURIComponent(auth!.slice(colon + 1));
  const tls = scheme!.toLowerCase() === 'rediss' ? { tls: isIP(nodes[0]!.host) ? {} : { servername: nodes[0]!.host } } : {};
  return { nodes, redisOptions: { ...tls, ...(user ? { username: user } : {}), ...(password ? { password } : {}) } };
}

/** The URL without its password, for messages: the user part, and a `password` query parameter (pg reads one). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    if (u.searchParams.has('password')) u.searchParams.set('password', '***');
    return u.toString();
  } catch {
    // Not a URL `new URL` reads (a cluster's host list): hide whatever stands between ':' and '@'.
    return url.replace(/(\/\/[^:@/]*:)[^@/]*@/, '$1***@');
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

/** A command as data: its name, then its arguments. */
export type RedisCommand = [name: string, ...args: (string | number)[]];

/**
 * Runs the commands in one round trip per server and returns their replies in order; any error fails
 * the call. A pipeline on a single server; on a cluster, where a pipeline must stay on one node, each
 * command alone, which the cluster client pipelines per node (auto-pipelining).
 */
export async function callEach<T>(client: RedisClient, commands: readonly RedisCommand[]): Promise<T[]> {
  if (commands.length === 0) return [];
  if (client.isCluster) return followingSlots(client, Promise.all(commands.map(([name, ...args]) => client.call(name, ...args) as Promise<T>)));
  const pipeline = client.pipeline();
  for (const [name, ...args] of commands) pipeline.call(name, ...args);
  return execAll<T>(pipeline);
}

/** GET of many keys: one MGET on a single server; on a cluster (MGET needs one slot) auto-pipelined GETs. */
export async function getMany(client: RedisClient, keys: readonly string[]): Promise<(string | null)[]> {
  if (keys.length === 0) return [];
  return client.isCluster ? followingSlots(client, Promise.all(keys.map((k) => client.get(k)))) : client.mget(keys as string[]);
}

/**
 * Awaits cluster commands; a MOVED or ASK that reaches us means the client's slot map is stale (ioredis
 * follows a redirect itself, but not inside an auto-pipeline whose commands went to several slots, and
 * then does not refresh the map either: every retry would be sent to the old node). Refreshes the map,
 * so that the caller's retry (the error is transient) goes to the right node.
 */
export async function followingSlots<T>(client: RedisClient, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (e: unknown) {
    if (client instanceof Cluster && e instanceof Error && /^(MOVED|ASK) /.test(e.message)) client.refreshSlotsCache();
    throw e;
  }
}

/** How long a write waits for a replica's confirmation before the step fails (transient: it is retried). */
export const REPLICATION_TIMEOUT_MS = 2000;
/** How long a primary's count of connected replicas is trusted before ROLE is asked again. */
const REPLICA_COUNT_TTL_MS = 1000;
const replicaCounts = new WeakMap<Redis, { count: number; at: number }>();

async function connectedReplicas(node: Redis): Promise<number> {
  const known = replicaCounts.get(node);
  if (known && Date.now() - known.at < REPLICA_COUNT_TTL_MS) return known.count;
  const role = (await node.role()) as unknown[];
  const count = role[0] === 'master' && Array.isArray(role[2]) ? role[2].length : 0;
  replicaCounts.set(node, { count, at: Date.now() });
  return count;
}

/**
 * On a cluster, returns once a replica of every primary has every write this client sent it (WAIT):
 * Redis replicates asynchronously, so a failover can otherwise lose a write the primary acknowledged,
 * and with it a hold or a decision the saga has acted on. A primary with no replica connected has
 * nothing to wait for. Throws a transient error when no replica confirms in time; the saga's steps are
 * idempotent, so the retry redoes whatever was lost. A single server: nothing to do.
 */
export async function replicated(client: RedisClient, timeoutMs = REPLICATION_TIMEOUT_MS): Promise<void> {
  if (!(client instanceof Cluster)) return;
  await Promise.all(
    client.nodes('master').map(async (node) => {
      const where = `Redis primary ${node.options.host}:${node.options.port}`;
      // A primary that just died keeps its place in the list until the slot map is refreshed, and its
      // queued commands wait for a reconnect: bound the whole check, so the step fails and is retried.
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new DomsError(`${where}: no answer to WAIT within ${timeoutMs + 1000} ms`, 'not-replicated', true)), timeoutMs + 1000);
      });
      try {
        const acked = await Promise.race([(async () => ((await connectedReplicas(node)) === 0 ? 1 : node.wait(1, timeoutMs)))(), late]);
        if (acked >= 1) return;
      } finally {
        clearTimeout(timer);
      }
      replicaCounts.delete(node);
      throw new DomsError(`${where}: no replica confirmed the writes within ${timeoutMs} ms`, 'not-replicated', true);
    }),
  );
}
