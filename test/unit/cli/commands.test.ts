import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMMANDS as TABLE, type CommandSpec } from '../../../src/cli/command-specs.ts';
import { invocationFor } from '../../helpers/invocation.ts';
import { RUNNERS } from '../../../src/cli/runners.ts';
import { loadOptions } from '../../../src/commands/load.ts';
import { SETTINGS } from '../../../src/config/settings.ts';
import { loadConfig } from '../../../src/loadgen/run-load.ts';

const COMMANDS: readonly CommandSpec[] = TABLE;
const README = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const longName = (flags: string) => /--[a-z][a-z0-9-]*/.exec(flags)![0];

/** The README's `### ` section whose heading names `doms <command>`. */
function section(command: string): string | undefined {
  const parts = README.split(/^### /m).slice(1);
  return parts.find((p) => {
    const heading = p.split('\n')[0]!;
    return [...heading.matchAll(/`doms ([a-z ]+?)(?: [<[][^`]*)?`/g)].some((m) => m[1] === command);
  });
}

describe('the command table', () => {
  it('gives each command its own name and each flag one meaning within a command', () => {
    expect(new Set(COMMANDS.map((c) => c.name)).size).toBe(COMMANDS.length);
    for (const c of COMMANDS) {
      const names = [...c.flags.map((f) => longName(f.flags)), ...c.settings.map((s) => longName(SETTINGS[s].flag))];
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
      return c.flags.filter((f) => !f.hidden && !text.includes(longName(f.flags))).map((f) => `doms ${c.name} ${longName(f.flags)}`);
    });
    expect(missing).toEqual([]);
  });

  it('documents in the README no flag that the table does not have', () => {
    const known = new Set([...COMMANDS.flatMap((c) => c.flags.map((f) => longName(f.flags))), ...Object.values(SETTINGS).map((s) => longName(s.flag))]);
    const unknown = COMMANDS.flatMap((c) => {
      const text = section(c.name) ?? '';
      return [...text.matchAll(/`(--[a-z][a-z0-9-]*)/g)].map((m) => m[1]!).filter((f) => !known.has(f) && !['--help', '--version'].includes(f));
    });
    expect([...new Set(unknown)]).toEqual([]);
  });

  it('has a runner for every command and none other', () => {
    expect(Object.keys(RUNNERS).sort()).toEqual(COMMANDS.map((c) => c.name).sort());
  });

  it("gives doms load the same defaults as the load generator's own (demo, smoke and the bench rely on those)", () => {
    const fromFlags = loadOptions(invocationFor('load')).config;
    const generator = loadConfig({ target: fromFlags.target, rate: fromFlags.rate, durationMs: fromFlags.durationMs });
    const keys = ['rampUpMs', 'warmupMs', 'users', 'products', 'items', 'quantity', 'stock', 'timeoutMs', 'maxInFlight', 'connections', 'thresholds'] as const;
    for (const key of keys) expect(fromFlags[key], key).toEqual(generator[key]);
  });
});
