import { Option, type Command } from 'commander';
import { SETTINGS, type SettingName, type Settings } from '../config/settings.ts';
import { UsageError, errorMessage } from '../errors.ts';

/** Adds the named settings as flags with their environment fallbacks (shown in --help). */
export function withSettings(cmd: Command, names: readonly SettingName[]): Command {
  for (const name of names) {
    const s = SETTINGS[name];
    cmd.addOption(new Option(s.flag, s.description).env(s.env).default(s.default));
  }
  return cmd;
}

/** Validates the settings once, at start-up; a bad value names the flag or variable it came from. */
export function readSettings<K extends SettingName>(cmd: Command, names: readonly K[]): Settings<K> {
  const opts = cmd.opts<Record<string, string>>();
  const out: Record<string, unknown> = {};
  for (const name of names) {
    const s = SETTINGS[name];
    const raw = opts[name] ?? s.default;
    try {
      out[name] = s.parse(raw);
    } catch (e: unknown) {
      const source = cmd.getOptionValueSource(name);
      const where = source === 'env' ? s.env : source === 'cli' ? s.flag.split(' ')[0] : `default of ${s.flag.split(' ')[0]}`;
      throw new UsageError(`invalid ${where}: ${errorMessage(e)}`);
    }
  }
  return out as Settings<K>;
}

/** Parses one flag's value, turning a parser's complaint into the one-line usage error (exit 2). */
export function parseFlag<T>(flag: string, parse: () => T): T {
  try {
    return parse();
  } catch (e: unknown) {
    throw new UsageError(`invalid ${flag}: ${errorMessage(e)}`);
  }
}
