/** A failure the user must fix (bad flag, bad environment value, unreachable service): exit code 2. */
export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UsageError';
  }
}

/** A command finished and its answer is "no" (order not confirmed, check failed): exit code 1 by default. */
export class ExitError extends Error {
  constructor(
    readonly exitCode: number,
    message = '',
  ) {
    super(message);
    this.name = 'ExitError';
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
