import { CommanderError } from 'commander';
import { ExitError, UnreachableError, UsageError, errorMessage, retriability } from '../errors.ts';

/** Exit codes: 0 yes, 1 no, 2 bad input or a service out of reach, 3 doms itself failed, 99 thresholds (load), 130 cut short. */
export const EXIT_UNREACHABLE = 2;
export const EXIT_FAILED = 3;

/** The exit code of a command that threw, after writing its one line to `stderr` (commander already wrote its own). */
export function exitCodeFor(e: unknown, stderr: (text: string) => void, debug: boolean): number {
  if (e instanceof CommanderError) {
    // Help and version exit 0; every parse error was already printed as one line.
    return e.exitCode === 0 ? 0 : 2;
  }
  if (e instanceof UsageError || e instanceof UnreachableError) {
    stderr(`doms: ${e.message}\n`);
    return e.exitCode;
  }
  if (e instanceof ExitError) {
    if (e.message) stderr(`doms: ${e.message}\n`);
    return e.exitCode;
  }
  // Not an answer: exit 1 stays "no" (an order not confirmed, an invariant violated), so a script can tell.
  if (retriability(e) === 'transient') {
    stderr(`doms: lost a connection it needs: ${errorMessage(e)}\n`);
    return EXIT_UNREACHABLE;
  }
  stderr(`doms: failed unexpectedly: ${errorMessage(e)}${debug ? '' : ' (DOMS_DEBUG=1 shows where)'}\n`);
  if (debug) stderr(`${(e as Error).stack ?? ''}\n`);
  return EXIT_FAILED;
}
