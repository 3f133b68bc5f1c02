import type { SettingName, Settings } from '../config/settings.ts';
import { UsageError } from '../errors.ts';
import { ALL_TOPICS, isTopic, type Topic } from '../events/topics.ts';
import { parseFlag, type Invocation } from './invocation.ts';
import type { Output } from './output.ts';

/**
 * What a command is: everything `--help`, the parser, the README check and the runner need, in the
 * command's own file (src/commands/<name>.ts). src/cli/commands.ts lists them; src/cli/main.ts maps
 * them onto commander.
 */

/** What commander hands a flag: its text, `true` for a switch (`false` for a given `--no-…`), the list of a repeatable flag, or nothing. */
export type RawFlag = string | boolean | string[] | undefined;

/** One flag, in commander's notation (`--name <value>`, `--switch`, `--no-thing`, `--opt [value]`), with the parser of its value. */
export interface Flag<T> {
  flags: string;
  help: string;
  /** Shown in --help and used when the flag is absent. */
  default?: string;
  /** The flag may be given several times; its value is the list. */
  repeatable?: true;
  /** Kept working for old scripts, left out of --help and the README. */
  hidden?: true;
  /** The command cannot run without it. */
  required?: true;
  /** The typed value; a throw becomes the one-line `invalid --name: …` (exit 2). */
  parse(raw: RawFlag): T;
}

export type Flags = Record<string, Flag<unknown>>;
/** The command's flags as typed values, parsed when first read (so a flag a command ignores in some mode is not judged in it). */
export type FlagValues<F extends Flags> = { readonly [K in keyof F]: ReturnType<F[K]['parse']> };

export interface ArgSpec {
  /** `<name>`, `[name]` or `[name...]`. */
  name: string;
  help: string;
  choices?: readonly string[];
}

/** What a command's `options` receives: positional arguments, typed flags, and the settings it declared (flag > environment > default). */
export interface Parsed<F extends Flags, S extends SettingName> {
  /** Positional arguments in declaration order; a variadic one is an array. */
  args: readonly unknown[];
  flags: FlagValues<F>;
  /** Only the declared settings exist here, each validated when first read: an undeclared one cannot be read. */
  settings: Settings<S>;
}

export interface CommandSpec<F extends Flags, S extends SettingName, O> {
  /** Words after `doms`, e.g. `order place`. */
  name: string;
  summary?: string;
  description: string;
  args?: readonly ArgSpec[];
  /** Keyed by commander's name for each flag (`--ramp-up` → `rampUp`, `--no-seed-stock` → `seedStock`; a test checks). */
  flags: F;
  /** Settings (flag + environment variable) from src/config/settings.ts. */
  settings: readonly S[];
  examples: readonly string[];
  /** Checks across flags and shapes the options; a bad value is a UsageError naming it. Pure: tests call it. */
  options(parsed: Parsed<F, S>): O;
  /** Runs with the real adapters (from src/wiring, imported when the command runs); resolves to the exit code. */
  run(options: O, out: Output): Promise<number>;
}

export interface Command<F extends Flags = Flags, S extends SettingName = SettingName, O = unknown> extends CommandSpec<F, S, O> {
  /** The options of an invocation: flags parsed by their rows, settings by the table, then `options`. */
  parse(invocation: Invocation): O;
}

/** A command's definition, with `parse` joined on. */
export function defineCommand<F extends Flags, S extends SettingName, O>(spec: CommandSpec<F, S, O>): Command<F, S, O> {
  return { ...spec, parse: (invocation) => spec.options(parsedOf(spec, invocation)) };
}

/**
 * A command whose options type is forgotten, for the CLI's list: each runs with the options its own
 * `parse` made (the methods above are written as methods so that any command is one of these).
 */
export type AnyCommand = Command<Flags, SettingName, unknown>;

function parsedOf<F extends Flags, S extends SettingName>(spec: CommandSpec<F, S, unknown>, invocation: Invocation): Parsed<F, S> {
  const flags = {} as FlagValues<F>;
  for (const [key, row] of Object.entries(spec.flags))
    lazy(flags, key, () => parseFlag(longName(row.flags), () => row.parse(invocation.flags[key] as RawFlag)));
  const settings = {} as Settings<S>;
  for (const name of spec.settings) lazy(settings, name, () => invocation.settings([name])[name]);
  return { args: invocation.args, flags, settings };
}

/** Defines `key` on `target` as a value computed on first read, then kept (enumerable, so a spread reads it). */
function lazy(target: object, key: string, compute: () => unknown): void {
  let value: { v: unknown } | undefined;
  Object.defineProperty(target, key, { enumerable: true, get: () => (value ??= { v: compute() }).v });
}

/** `--ramp-up <duration>` → `--ramp-up`. */
export const longName = (flags: string) => /--[a-z][a-z0-9-]*/.exec(flags)![0];

/** A flag's key in commander's options: `--ramp-up` → `rampUp`, `--no-seed-stock` → `seedStock`. */
export function flagKey(flags: string): string {
  const [, , name] = /^--(no-)?([a-z0-9-]+)/.exec(flags)!;
  return name!.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** The values commander gives a command's flags when they are not on the command line. */
export function flagDefaults(command: { flags: Flags }): Record<string, unknown> {
  const defaults: Record<string, unknown> = {};
  for (const [key, f] of Object.entries(command.flags)) {
    if (f.repeatable) defaults[key] = [];
    else if (f.default !== undefined) defaults[key] = f.default;
    else if (f.flags.startsWith('--no-')) defaults[key] = true;
  }
  return defaults;
}

type Extras = Pick<Flag<unknown>, 'hidden' | 'required'>;
const text = (raw: RawFlag): string | undefined => (typeof raw === 'string' ? raw : undefined);

/** `--name <value>` with a default: always a value (the default, parsed, when absent). */
export function valueFlag<T>(flags: string, help: string, defaultText: string, parse: (text: string) => T, extras: Extras = {}): Flag<T> {
  return { flags, help, default: defaultText, ...extras, parse: (raw) => parse(text(raw) ?? defaultText) };
}

/** `--name <value>` without a default: its text, undefined when absent. */
export function textFlag(flags: string, help: string, extras: Extras = {}): Flag<string | undefined> {
  return { flags, help, ...extras, parse: text };
}

/** `--name <value>` without a default, parsed: undefined when absent. */
export function optionalFlag<T>(flags: string, help: string, parse: (text: string) => T, extras: Extras = {}): Flag<T | undefined> {
  return {
    flags,
    help,
    ...extras,
    parse: (raw) => {
      const t = text(raw);
      return t === undefined ? undefined : parse(t);
    },
  };
}

/** `--switch` (true when given) or `--no-thing` (false when given). */
export function switchFlag(flags: string, help: string, extras: Extras = {}): Flag<boolean> {
  const negated = flags.startsWith('--no-');
  return { flags, help, ...extras, parse: (raw) => (negated ? raw !== false : raw === true) };
}

/** `--name <value>`, repeatable: the values in the order given, each parsed. */
export function listFlag<T>(flags: string, help: string, parse: (text: string) => T, extras: Extras = {}): Flag<T[]> {
  return { flags, help, repeatable: true, ...extras, parse: (raw) => (Array.isArray(raw) ? raw : []).map(parse) };
}

/** `--name [value]`: false when absent, true when bare, the value's text otherwise. */
export function optionalValueFlag(flags: string, help: string, extras: Extras = {}): Flag<string | boolean> {
  return { flags, help, ...extras, parse: (raw) => (typeof raw === 'string' ? raw : raw === true) };
}

/** The `--json` switch of a command that prints data. */
export const jsonFlag = (what: string): Flag<boolean> => switchFlag('--json', `print ${what} as JSON`);

/** A variadic positional argument (`[levels...]`) as its words; none when absent. */
export const words = (arg: unknown): string[] => (Array.isArray(arg) ? arg.map(String) : []);

/** A saga topic named on the command line; any other name is the one-line usage error listing them. */
export function topicNamed(name: string): Topic {
  if (!isTopic(name)) throw new UsageError(`unknown topic '${name}': choose from ${ALL_TOPICS.join(', ')}`);
  return name;
}
