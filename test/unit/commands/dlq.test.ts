import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { invocationOf } from '../../../src/commands/invocation.ts';
import { dlq, dlqOptions, type DeadLetterStore, type DlqDeps } from '../../../src/commands/dlq.ts';
import { UsageError } from '../../../src/errors.ts';
import { ALL_TOPICS, type Topic } from '../../../src/events/topics.ts';
import type { DeadLetterView } from '../../../src/infra/kafka-dead-letters.ts';
import { recordOutput } from '../../helpers/output.ts';

const PREFIX = 't1-';

const letter = (over: Partial<DeadLetterView> = {}): DeadLetterView => ({
  offset: '0',
  key: 'poison-1',
  error: 'value is not JSON',
  source: { topic: 'order.created', partition: 3, offset: '42', timestamp: '1714566896789' },
  group: 't1-order-service',
  failedAt: '2024-05-01T12:34:56.789Z',
  value: 'this is not json',
  replayed: false,
  ...over,
});

/** Dead-letter topics in memory: `letters` by source topic; a topic listed there has its dead-letter topic on the cluster. */
function fakeDeadLetters(letters: Partial<Record<Topic, DeadLetterView[]>> = {}) {
  const out = recordOutput();
  const log: string[] = [];
  const store: DeadLetterStore = {
    listTopics: async () => [`${PREFIX}order.created`, ...Object.keys(letters).map((t) => `${PREFIX}${t}.dlq`)],
    list: async (topic) => (log.push(`list ${topic}`), letters[topic] ?? []),
    replay: async (topic) => (log.push(`replay ${topic}`), (letters[topic] ?? []).filter((l) => !l.replayed).length),
    close: async () => void log.push('close'),
  };
  const deps: DlqDeps = { out, connect: async (brokers, prefix) => (log.push(`connect ${brokers.join(',')} ${prefix}`), store) };
  return { deps, out, log, store };
}

const options = (args: string[], flags: Record<string, unknown> = {}) =>
  dlqOptions(invocationOf({ args: [args], flags: { topicPrefix: PREFIX, brokers: 'k1:9092', ...flags } }));

describe('dlqOptions', () => {
  it('covers every saga topic when none is named', () => {
    expect(options([])).toEqual({ brokers: ['k1:9092'], topicPrefix: PREFIX, topics: [...ALL_TOPICS], replay: false, json: false });
  });

  it('refuses an unknown topic, naming it', () => {
    expect(() => options(['orders.created'])).toThrow(UsageError);
    expect(() => options(['order.created', 'orders.created'])).toThrow(/^unknown topic 'orders.created': choose from order.created, /);
  });

  it('refuses --replay without a topic: replaying everything must be asked for by name', () => {
    expect(() => options([], { replay: true })).toThrow(UsageError);
    expect(() => options([], { replay: true })).toThrow('--replay needs the topic(s) to replay, e.g. doms dlq order.created --replay');
    expect(options(['order.created'], { replay: true })).toMatchObject({ topics: ['order.created'], replay: true });
  });
});

describe('doms dlq', () => {
  it('lists the dead letters as JSON, each with its source topic, reading only dead-letter topics that exist', async () => {
    const a = letter();
    const b = letter({ offset: '1', key: null, value: null, replayed: true });
    const c = letter({ key: 'poison-2', source: { topic: 'payment.success', partition: 0, offset: '9', timestamp: '1' } });
    const dead = fakeDeadLetters({ 'order.created': [a, b], 'payment.success': [c] });
    expect(await dlq(options([], { json: true }), dead.deps)).toBe(0);
    expect(JSON.parse(dead.out.stdout)).toEqual([
      { topic: 'order.created', ...a },
      { topic: 'order.created', ...b },
      { topic: 'payment.success', ...c },
    ]);
    expect(dead.log).toEqual([`connect k1:9092 ${PREFIX}`, 'list order.created', 'list payment.success', 'close']);
  });

  it('shows a table: position in the source topic, shortened error and value, whether replayed', async () => {
    const long = 'x'.repeat(50);
    const dead = fakeDeadLetters({
      'order.created': [letter(), letter({ key: null, value: long, error: 'e'.repeat(70), replayed: true }), letter({ key: 'n', value: null })],
    });
    expect(await dlq(options(['order.created']), dead.deps)).toBe(0);
    expect(dead.out.lines).toHaveLength(1);
    const rows = stripVTControlCharacters(dead.out.lines[0]!)
      .split('\n')
      .filter((l) => l.startsWith('│'))
      .map((l) =>
        l
          .split('│')
          .slice(1, -1)
          .map((c) => c.trim()),
      );
    expect(rows).toEqual([
      ['topic', 'from', 'key', 'error', 'value', 'failed at', 'replayed'],
      ['order.created', '[3]@42', 'poison-1', 'value is not JSON', 'this is not json', '2024-05-01 12:34:56', ''],
      ['order.created', '[3]@42', '-', 'e'.repeat(60), `${'x'.repeat(40)}… (50 bytes)`, '2024-05-01 12:34:56', 'yes'],
      ['order.created', '[3]@42', 'n', 'value is not JSON', '(null)', '2024-05-01 12:34:56', ''],
    ]);
  });

  it('says so when there are none, naming the topics it looked at', async () => {
    const dead = fakeDeadLetters({ 'order.created': [] });
    expect(await dlq(options(['order.created', 'payment.failed']), dead.deps)).toBe(0);
    expect(dead.out.lines).toEqual(['no dead letters on order.created, payment.failed']);
  });

  it('replays each named topic that has a dead-letter topic and reports a count per named topic', async () => {
    const dead = fakeDeadLetters({ 'order.created': [letter(), letter({ offset: '1' }), letter({ offset: '2', replayed: true })] });
    expect(await dlq(options(['order.created', 'payment.failed'], { replay: true }), dead.deps)).toBe(0);
    expect(dead.out.lines).toEqual(['order.created: 2 dead letters re-published', 'payment.failed: 0 dead letters re-published']);
    expect(dead.log).toEqual([`connect k1:9092 ${PREFIX}`, 'replay order.created', 'close']);
  });

  it('reports the replay counts as JSON with --json, only for topics with a dead-letter topic', async () => {
    const dead = fakeDeadLetters({ 'order.created': [letter()] });
    await dlq(options(['order.created', 'payment.failed'], { replay: true, json: true }), dead.deps);
    expect(JSON.parse(dead.out.stdout)).toEqual({ 'order.created': 1 });
  });

  it('closes the connection when reading fails', async () => {
    const dead = fakeDeadLetters({ 'order.created': [letter()] });
    dead.store.list = () => Promise.reject(new Error('boom'));
    await expect(dlq(options(['order.created']), dead.deps)).rejects.toThrow('boom');
    expect(dead.log).toEqual([`connect k1:9092 ${PREFIX}`, 'close']);
  });
});
