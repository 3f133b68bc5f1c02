import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { ENV_SETTINGS, SETTINGS, TRACING_SETTINGS } from '../config/settings.ts';
import type { AnyCommand } from '../commands/command.ts';
import { invocationFromCommander } from '../commands/invocation.ts';
import { COMMANDS, GROUPS } from './commands.ts';
import { stdio } from '../commands/output.ts';
import { exitCodeFor } from './exit-code.ts';

/** The entry point: maps commander onto the commands of src/cli/commands.ts, runs one, and is the only place that sets the exit code. */
const program = new Command('doms')
  .description('Run, watch and load-test an event-driven order saga on Apache Kafka, Redis and PostgreSQL.')
  .version((JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version)
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

/** Kafka's security settings have no flags (a password on a command line shows in `ps`): --help names them. */
const KAFKA_SECURITY_HELP = `\nKafka security, from the environment only (see README, Configuration):\n${Object.values(ENV_SETTINGS)
  .map((s) => `  ${s.env.padEnd(31)}${s.description}`)
  .join('\n')}`;

/** `doms run` traces when OpenTelemetry's standard variables say so: --help names them. */
const TRACING_HELP = `\nTracing, from the environment only (OpenTelemetry's variables; see README, Tracing):\n${Object.values(TRACING_SETTINGS)
  .map((s) => `  ${s.env.padEnd(35)}${s.description}`)
  .join('\n')}`;

const examples = (lines: string[]) => `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
const collect = (value: string, previous: string[]) => [...previous, value];

const groups = new Map<string, Command>();
function parentOf(spec: AnyCommand): { parent: Command; name: string } {
  const words = spec.name.split(' ');
  if (words.length === 1) return { parent: program, name: words[0]! };
  const groupName = words[0]!;
  // A command may also be the group of its subcommands (`doms topics`, `doms topics grow`): its own
  // flags then end at the subcommand's name (commander needs that of every parent), so
  // `doms topics grow --brokers …` gives them to grow.
  let group = groups.get(groupName);
  const command = program.commands.find((c) => c.name() === groupName);
  if (!group && command) {
    program.enablePositionalOptions();
    group = command.enablePositionalOptions();
    groups.set(groupName, group);
  }
  if (!group) {
    const g = GROUPS.find((x) => x.name === groupName);
    group = program.command(groupName).description(g?.description ?? '');
    groups.set(groupName, group);
  }
  return { parent: group, name: words.slice(1).join(' ') };
}

for (const spec of COMMANDS) {
  const { parent, name } = parentOf(spec);
  const cmd = parent.command(name).description(spec.description);
  if (spec.summary) cmd.summary(spec.summary);
  for (const a of spec.args ?? []) {
    const arg = cmd.createArgument(a.name, a.help);
    if (a.choices) arg.choices(a.choices);
    cmd.addArgument(arg);
  }
  for (const f of Object.values(spec.flags)) {
    const option = new Option(f.flags, f.help);
    if (f.repeatable) option.argParser(collect).default([]);
    else if (f.default !== undefined) option.default(f.default);
    if (f.hidden) option.hideHelp();
    if (f.required) option.makeOptionMandatory();
    cmd.addOption(option);
  }
  for (const s of spec.settings) cmd.addOption(new Option(SETTINGS[s].flag, SETTINGS[s].description).env(SETTINGS[s].env).default(SETTINGS[s].default));
  if (spec.settings.includes('brokers')) cmd.addHelpText('after', KAFKA_SECURITY_HELP);
  if (spec.name === 'run') cmd.addHelpText('after', TRACING_HELP);
  if (spec.examples.length) cmd.addHelpText('after', examples([...spec.examples]));
  cmd.action(async (...received: unknown[]) => {
    // commander passes the positional arguments, then the options object, then the command.
    const args = received.slice(0, (spec.args ?? []).length);
    process.exitCode = await spec.run(spec.parse(invocationFromCommander(cmd, args)), stdio);
  });
}

// `doms … | head` closes stdout early: that is the reader's choice, not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

try {
  await program.parseAsync(process.argv);
} catch (e: unknown) {
  process.exitCode = exitCodeFor(e, (line) => process.stderr.write(line), Boolean(process.env.DOMS_DEBUG));
}
// Commands close what they open; should a library still hold a socket, do not hang the shell for it.
setTimeout(() => process.exit(), 2000).unref();
