import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { exitCodeFor } from '../../../src/cli/exit-code.ts';
import { ExitError, UsageError } from '../../../src/errors.ts';

function exit(e: unknown, debug = false) {
  const lines: string[] = [];
  const code = exitCodeFor(e, (text) => lines.push(text), debug);
  return { code, stderr: lines.join('') };
}

describe('exit codes scripts can trust', () => {
  it('2 for bad input, with its one line', () => {
    expect(exit(new UsageError('invalid --rate'))).toEqual({ code: 2, stderr: 'doms: invalid --rate\n' });
  });

  it('2 for a connection lost mid-command, not 1 (which means "no")', () => {
    const lost = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    expect(exit(lost)).toEqual({ code: 2, stderr: 'doms: lost a connection it needs: read ECONNRESET\n' });
  });

  it('3 for a bug, pointing at DOMS_DEBUG; the stack only with it', () => {
    expect(exit(new TypeError('x is undefined'))).toEqual({ code: 3, stderr: 'doms: failed unexpectedly: x is undefined (DOMS_DEBUG=1 shows where)\n' });
    const debug = exit(new TypeError('x is undefined'), true);
    expect(debug.code).toBe(3);
    expect(debug.stderr).toMatch(/^doms: failed unexpectedly: x is undefined\nTypeError: x is undefined\n\s+at /);
  });

  it("a command's own answer keeps its code; commander's errors (already printed) give 2, help 0", () => {
    expect(exit(new ExitError(1, 'order abc was CANCELLED'))).toEqual({ code: 1, stderr: 'doms: order abc was CANCELLED\n' });
    expect(exit(new ExitError(99))).toEqual({ code: 99, stderr: '' });
    expect(exit(new CommanderError(1, 'commander.unknownOption', "unknown option '--x'"))).toEqual({ code: 2, stderr: '' });
    expect(exit(new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)'))).toEqual({ code: 0, stderr: '' });
  });
});
