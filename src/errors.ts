/** What went wrong, in the terms a caller acts on: the CLI picks its exit code, a worker whether to retry. */
export type ErrorCode = 'usage' | 'unreachable' | 'negative' | 'not-replicated';

/**
 * doms's own errors: a code, whether trying again may help, and the cause. The CLI formats them as
 * one line (src/cli/main.ts); library code never exits or prints.
 */
export class DomsError extends Error {
  constructor(
    message: string,
    readonly code: ErrorCode,
    readonly retriable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A failure the user must fix (bad flag, bad environment value): exit code 2. */
export class UsageError extends DomsError {
  readonly exitCode = 2;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'usage', false, options);
  }
}

/**
 * A service that could not be reached or used, naming the setting that points at it (exit code 2).
 * Retriable: it may come back.
 */
export class UnreachableError extends DomsError {
  readonly exitCode = 2;
  constructor(
    readonly service: string,
    readonly setting: string,
    detail: string,
    options?: { cause?: unknown; hint?: string; verb?: string },
  ) {
    super(`cannot ${options?.verb ?? 'reach'} ${service} (${setting}): ${detail}${options?.hint ? ` — ${options.hint}` : ''}`, 'unreachable', true, options);
  }
}

/** A command finished and its answer is "no" (order not confirmed, check failed): exit code 1 by default. */
export class ExitError extends DomsError {
  constructor(
    readonly exitCode: number,
    message = '',
  ) {
    super(message, 'negative', false);
  }
}

export function errorMessage(e: unknown): string {
  if (e instanceof Error) {
    // AggregateError (e.g. from net connect to ::1 and 127.0.0.1) hides the useful part in .errors.
    const inner = (e as { errors?: unknown[] }).errors;
    if (!e.message && Array.isArray(inner) && inner.length > 0) return errorMessage(inner[0]);
    return e.message || e.name;
  }
  return String(e);
}

/**
 * Whether trying again can help, for a failure the code did not raise itself:
 * - `transient`: the infrastructure is away or busy (a refused or cut connection, a timeout, PostgreSQL
 *   restarting, Redis loading its data): wait it out, however long;
 * - `permanent`: the same input will fail the same way (a bug, data a constraint or script refuses);
 * - `unknown`: anything else; worth a few more tries before giving up on the input.
 */
export type Retriability = 'transient' | 'permanent' | 'unknown';

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** SQLSTATE classes: 08 connection, 53 resources, 57 operator intervention (shutdown), 40 rollback (serialization, deadlock). */
const PG_TRANSIENT = /^(08|53|57|40)/;
/** SQLSTATE classes: 22 data, 23 constraints, 42 syntax or undefined objects, P0 raised by a function. */
const PG_PERMANENT = /^(22|23|42|P0)/;
/**
 * Redis replies that mean "not now": loading, a busy script, a replica or cluster not ready, out of memory;
 * and a cluster's slot that moved (MOVED, ASK) while a failover or a reshard was under way, which the
 * cluster client follows by itself except inside a pipeline whose commands went to several nodes.
 */
const REDIS_TRANSIENT = /^(LOADING|BUSY|READONLY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|NOREPLICAS|OOM|MOVED|ASK)\b/;

export function retriability(e: unknown): Retriability {
  if (e instanceof DomsError) return e.retriable ? 'transient' : 'permanent';
  if (e instanceof TypeError || e instanceof RangeError || e instanceof ReferenceError || e instanceof SyntaxError) return 'permanent';
  if (!(e instanceof Error)) return 'unknown';
  const { code, name } = e as Error & { code?: unknown };
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code)) return 'transient';
    if (/^[0-9A-Z]{5}$/.test(code)) return PG_TRANSIENT.test(code) ? 'transient' : PG_PERMANENT.test(code) ? 'permanent' : 'unknown';
  }
  // ioredis: a reply the server sent (ReplyError), or the connection gone (commands fail fast while it reconnects).
  if (name === 'ReplyError') return REDIS_TRANSIENT.test(e.message) ? 'transient' : 'permanent';
  if (name === 'MaxRetriesPerRequestError' || /Connection is closed|Stream isn't writeable|Connection terminated/i.test(e.message)) return 'transient';
  const retriable = (e as { retriable?: unknown }).retriable;
  if (typeof retriable === 'boolean' && retriable) return 'transient';
  const cause = (e as { cause?: unknown }).cause;
  return cause !== undefined && cause !== e ? retriability(cause) : 'unknown';
}
