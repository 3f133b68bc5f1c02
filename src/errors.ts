/** What went wrong, in the terms a caller acts on: the CLI picks its exit code, a worker whether to retry. */
export type ErrorCode = 'usage' | 'unreachable' | 'negative';

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
