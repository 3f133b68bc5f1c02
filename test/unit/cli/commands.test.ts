import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { COMMANDS } from '../../../src/cli/commands.ts';
import { defineCommand, flagKey, longName } from '../../../src/commands/command.ts';
import { invocationOf } from '../../../src/commands/invocation.ts';
import { invocationFor } from '../../helpers/invocation.ts';
import { loadOptions } from '../../../src/commands/load.ts';
import { SETTINGS } from '../../../src/config/settings.ts';
import { loadConfig } from '../../../src/loadgen/run-load.ts';

const README = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const COMMANDS_DIR = new URL('../../../src/commands/', import.meta.url);
const flagsOf = (c: (typeof COMMANDS)[number]) => Object.values(c.flags);

/** The README's `### ` section whose heading names `doms <command>`. */
function section(command: string): string | undefined {
  const parts = README.split(/^### /m).slice(1);
  return parts.find((p) => {
    const heading = p.split('\n')[0]!;
    return [...heading.matchAll(/`doms ([a-z ]+?)(?: [<[][^`]*)?`/g)].some((m) => m[1] === command);
  });
}

describe('the commands', () => {
  it('gives each command its own name and each flag one meaning within a command', () => {
    expect(new Set(COMMANDS.map((c) => c.name)).size).toBe(COMMANDS.length);
    for (const c of COMMANDS) {
      const names = [...flagsOf(c).map((f) => longName(f.flags)), ...c.settings.map((s) => longName(SETTINGS[s].flag))];
      expect(
        names.filter((n, i) => names.indexOf(n) !== i),
        `${c.name} repeats a flag`,
      ).toEqual([]);
    }
  });

  it('is what the README documents: every visible flag of every command appears in its section', () => {
    const missing = COMMANDS.flatMap((c) => {
      const text = section(c.name);
      if (!text) return [`no README section for doms ${c.name}`];
      return flagsOf(c)
        .filter((f) => !f.hidden && !text.includes(longName(f.flags)))
        .map((f) => `doms ${c.name} ${longName(f.flags)}`);
    });
    expect(missing).toEqual([]);
  });

  it('documents in the README no flag that the table does not have', () => {
    const known = new Set([...COMMANDS.flatMap((c) => flagsOf(c).map((f) => longName(f.flags))), ...Object.values(SETTINGS).map((s) => longName(s.flag))]);
    const unknown = COMMANDS.flatMap((c) => {
      const text = section(c.name) ?? '';
      return [...text.matchAll(/`(--[a-z][a-z0-9-]*)/g)].map((m) => m[1]!).filter((f) => !known.has(f) && !['--help', '--version'].includes(f));
    });
    expect([...new Set(unknown)]).toEqual([]);
  });

  it("keys each flag by commander's name for it, so a command reads the value commander parsed", () => {
    const wrong = COMMANDS.flatMap((c) =>
      Object.entries(c.flags)
        .filter(([key, f]) => key !== flagKey(f.flags))
        .map(([key]) => `doms ${c.name}: ${key}`),
    );
    expect(wrong).toEqual([]);
  });

  it('lists every command file of src/commands (a command is one file, exporting its definition)', async () => {
    const files = readdirSync(COMMANDS_DIR).filter((f) => f.endsWith('.ts'));
    const defining: string[] = [];
    for (const file of files) {
      const module = (await import(new URL(file, COMMANDS_DIR).href)) as Record<string, unknown>;
      for (const value of Object.values(module)) if ((COMMANDS as readonly unknown[]).includes(value)) defining.push(file);
    }
    const withDefinitions = files.filter((f) => /defineCommand\(/.test(readFileSync(new URL(f, COMMANDS_DIR), 'utf8')) && f !== 'command.ts');
    expect([...new Set(defining)].sort()).toEqual(withDefinitions.sort());
  });

  it('gives a command only the settings it declares: an undeclared one cannot be read, so its variable is never silently ignored', () => {
    const probe = defineCommand({
      name: 'probe',
      description: '',
      flags: {},
      settings: ['target'],
      examples: [],
      options: ({ settings }) => settings as unknown as Record<string, unknown>,
      run: async () => 0,
    });
    const settings = probe.parse(invocationOf({ flags: { brokers: 'not a broker list' } }));
    expect(Object.keys(settings)).toEqual(['target']);
    expect(settings.brokers).toBeUndefined();
    expect(settings.target).toBe('http://localhost:8081');
    // And no command file reads settings or raw flags around its definition.
    const readers = readdirSync(COMMANDS_DIR)
      .filter((f) => f.endsWith('.ts') && !['command.ts', 'invocation.ts'].includes(f))
      .filter((f) => /\.settings\(|inv\.flags|flags as /.test(readFileSync(new URL(f, COMMANDS_DIR), 'utf8')));
    expect(readers).toEqual([]);
  });

  it("gives doms load the same defaults as the load generator's own (demo, smoke and the bench rely on those)", () => {
    const fromFlags = loadOptions(invocationFor('load')).config;
    const generator = loadConfig({ target: fromFlags.target, rate: fromFlags.rate, durationMs: fromFlags.durationMs });
    const keys = ['rampUpMs', 'warmupMs', 'users', 'products', 'items', 'quantity', 'stock', 'timeoutMs', 'maxInFlight', 'connections', 'thresholds'] as const;
    for (const key of keys) expect(fromFlags[key], key).toEqual(generator[key]);
  });
});
