import { COMMANDS } from '../../src/cli/commands.ts';
import { flagDefaults } from '../../src/commands/command.ts';
import { invocationOf, type Invocation } from '../../src/commands/invocation.ts';

/** What a command receives from the command line: these flags, and its own defaults for the rest. */
export function invocationFor(command: string, { args = [], flags = {} }: { args?: unknown[]; flags?: Record<string, unknown> } = {}): Invocation {
  const spec = COMMANDS.find((c) => c.name === command);
  if (!spec) throw new Error(`no command ${command}`);
  return invocationOf({ args, flags: { ...flagDefaults(spec), ...flags } });
}
