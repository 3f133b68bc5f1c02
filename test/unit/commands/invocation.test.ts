import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../../src/cli/commands.ts';
import { invocationOf } from '../../../src/commands/invocation.ts';
import { loadOptions } from '../../../src/commands/load.ts';
import { SETTINGS, type SettingName } from '../../../src/config/settings.ts';
import { loadConfig } from '../../../src/loadgen/run-load.ts';
import { invocationFor } from '../../helpers/invocation.ts';

const settingsOf = (flags: Record<string, unknown>, source: 'cli' | 'env' = 'cli') =>
  invocationOf({ flags, sourceOf: (name) => (flags[name] === undefined ? 'default' : source) }).settings(['redisNamespace', 'ledgerTtl']);

describe('the Redis namespace and ledger TTL settings', () => {
  it('keep the keys of the saga without a topic prefix where they always were: doms', () => {
    expect(settingsOf({}).redisNamespace).toBe('doms');
  });

  it("follow the topic prefix when no namespace is given, as the consumer groups' names do", () => {
    expect(settingsOf({ topicPrefix: 'blue.' }).redisNamespace).toBe('blue.doms');
    expect(settingsOf({ topicPrefix: 'green-' }).redisNamespace).toBe('green-doms');
  });

  it('take a namespace given outright over the one the prefix would give', () => {
    expect(settingsOf({ topicPrefix: 'blue.', redisNamespace: 'shop:eu' }).redisNamespace).toBe('shop:eu');
  });

  it('name the variable or flag of a bad value', () => {
    expect(() => settingsOf({ redisNamespace: 'a b' }, 'env')).toThrow(/^invalid DOMS_REDIS_NAMESPACE: 'a b' may only contain/);
    expect(() => settingsOf({ redisNamespace: 'doms*' })).toThrow(/^invalid --redis-namespace: /);
    expect(() => settingsOf({ topicPrefix: 'a/b' }, 'env')).toThrow(/^invalid DOMS_TOPIC_PREFIX: /);
    expect(() => settingsOf({ ledgerTtl: '10ms' })).toThrow(/^invalid --ledger-ttl: 10ms is below the minimum 1s/);
  });

  it('keep ledger records 7 days by default, 0 meaning for ever', () => {
    expect(settingsOf({}).ledgerTtl).toBe(7 * 86_400_000);
    expect(settingsOf({ ledgerTtl: '0' }).ledgerTtl).toBe(0);
    expect(settingsOf({ ledgerTtl: '36h' }).ledgerTtl).toBe(36 * 3_600_000);
  });

  it('are read with the topic prefix by every command that reads the namespace (else DOMS_TOPIC_PREFIX would go unread there)', () => {
    const followers = (Object.keys(SETTINGS) as SettingName[]).flatMap((name) => {
      const s = SETTINGS[name];
      return 'emptyFollows' in s ? [[name, s.emptyFollows.setting] as const] : [];
    });
    expect(followers).toEqual([['redisNamespace', 'topicPrefix']]);
    const missing = COMMANDS.flatMap((c) =>
      followers.filter(([name, followed]) => c.settings.includes(name) && !c.settings.includes(followed)).map(([name]) => `doms ${c.name}: ${name}`),
    );
    expect(missing).toEqual([]);
  });

  it('are read by every command that touches Redis', () => {
    const redisCommands = COMMANDS.filter((c) => c.settings.includes('redisUrl')).map((c) => c.name);
    const withNamespace = COMMANDS.filter((c) => c.settings.includes('redisNamespace')).map((c) => c.name);
    expect(withNamespace).toEqual(redisCommands);
  });

  it("give the load generator the saga's namespace to seed stock in, from the flags or from its own default", () => {
    expect(loadOptions(invocationFor('load', { flags: { topicPrefix: 'blue.' } })).config.redisNamespace).toBe('blue.doms');
    expect(loadConfig({ target: 'http://x', rate: 1, durationMs: 1000, topicPrefix: 'blue.' }).redisNamespace).toBe('blue.doms');
    expect(loadConfig({ target: 'http://x', rate: 1, durationMs: 1000 }).redisNamespace).toBe('doms');
  });
});
