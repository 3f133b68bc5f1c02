import { CommanderError } from 'commander';
import { ExitError, UnreachableError, UsageError, errorMessage, retriability } from '../errors.ts';
import { EXIT_FAILED, EXIT_UNREACHABLE } from '../commands/exit-codes.ts';

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
