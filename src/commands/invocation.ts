import type { Command } from 'commander';
import { SETTINGS, type SettingName, type Settings } from '../config/settings.ts';
import { UsageError, errorMessage } from '../errors.ts';

/** Where a value came from: shown in the one-line error when it is invalid. */
export type ValueSource = 'cli' | 'env' | 'default';

/**
 * What the user asked for, as plain values: positional arguments, flags by their camel-case name,
 * and the settings (flag > environment > default). Commands are written against this, not against
 * commander, so a test can call one with `invocationOf({...})`.
 */
export interface Invocation {
  /** Positional arguments in declaration order; a variadic one is an array. */
  args: unknown[];
  /** Flag values: strings, `true` for switches, arrays for repeatable flags. */
  flags: Record<string, unknown>;
  /** The named settings, validated; a bad value names its flag or environment variable (exit 2). */
  settings<K extends SettingName>(names: readonly K[]): Settings<K>;
}

export function invocationFromCommander(cmd: Command, args: unknown[]): Invocation {
  const flags = cmd.opts<Record<string, unknown>>();
  return invocationOf({ args, flags, sourceOf: (name) => (cmd.getOptionValueSource(name) as ValueSource | undefined) ?? 'default' });
}

/** An invocation from plain values (tests, scripts); settings not given take their defaults. */
export function invocationOf({
  args = [],
  flags = {},
  sourceOf = (name) => (flags[name] === undefined ? 'default' : 'cli'),
}: {
  args?: unknown[];
  flags?: Record<string, unknown>;
  sourceOf?: (name: string) => ValueSource;
}): Invocation {
  return {
    args,
    flags,
    settings<K extends SettingName>(names: readonly K[]): Settings<K> {
      const parse = (name: SettingName): unknown => {
        const s = SETTINGS[name];
        const raw = flags[name] ?? s.default;
        try {
          return s.parse(String(raw));
        } catch (e: unknown) {
          const source = sourceOf(name);
          const where = source === 'env' ? s.env : source === 'cli' ? s.flag.split(' ')[0] : `default of ${s.flag.split(' ')[0]}`;
          throw new UsageError(`invalid ${where}: ${errorMessage(e)}`);
        }
      };
      const out: Record<string, unknown> = {};
      for (const name of names) {
        const s = SETTINGS[name];
        const value = parse(name);
        // An empty value that follows another setting (the Redis namespace follows the topic prefix).
        out[name] = value === '' && 'emptyFollows' in s ? s.emptyFollows.value(parse(s.emptyFollows.setting) as string) : value;
      }
      return out as Settings<K>;
    },
  };
}

/** Parses one flag's value, turning a parser's complaint into the one-line usage error (exit 2). */
export function parseFlag<T>(flag: string, parse: () => T): T {
  try {
    return parse();
  } catch (e: unknown) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`invalid ${flag}: ${errorMessage(e)}`);
  }
}
