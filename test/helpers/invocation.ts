import { flagDefaults, type CommandName } from '../../src/cli/command-specs.ts';
import { invocationOf, type Invocation } from '../../src/cli/invocation.ts';

/** What a command receives from the command line: these flags, and the table's defaults for the rest. */
export function invocationFor(command: CommandName, { args = [], flags = {} }: { args?: unknown[]; flags?: Record<string, unknown> } = {}): Invocation {
  return invocationOf({ args, flags: { ...flagDefaults(command), ...flags } });
}
