import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { invocationOf } from '../../../src/commands/invocation.ts';
import { tail, tailOptions, type ConsumeOptions, type TailDeps, type TailMessage } from '../../../src/commands/tail.ts';
import { UnreachableError, UsageError } from '../../../src/errors.ts';
import { ALL_TOPICS } from '../../../src/events/topics.ts';
import { recordOutput } from '../../helpers/output.ts';

const PREFIX = 't1-';
const ORDER = '3f0c2a9e-0000-4000-8000-000000000001';
const OTHER = '3f0c2a9e-0000-4000-8000-000000000002';
const AT = Date.parse('2024-05-01T12:34:56.789Z');

const message = (over: Partial<TailMessage> = {}): TailMessage => ({
  topic: `${PREFIX}order.created`,
  partition: 2,
  offset: '7',
  key: ORDER,
  value: JSON.stringify({ orderId: ORDER, amount: 3 }),
  timestamp: AT,
  ...over,
});

/**
 * A Kafka stand-in: delivers `messages` (all of them, as a broker's batch would, whether or not the
 * command has had enough), then waits like a real consumer until the command's signal aborts.
 */
function fakeKafka({ topics = ALL_TOPICS.map((t) => PREFIX + t), messages = [] as TailMessage[] } = {}) {
  const out = recordOutput();
  const calls: { brokers: string[]; topics: string[]; fromBeginning: boolean }[] = [];
  let interrupt: (() => void) | undefined;
  let listening = false;
  let consuming: () => void = () => {};
  const started = new Promise<void>((resolve) => (consuming = resolve));
  const deps: TailDeps = {
    out,
    existingTopics: async () => topics,
    consume: async (brokers, names, { fromBeginning, onMessage, signal }: ConsumeOptions) => {
      calls.push({ brokers, topics: names, fromBeginning });
      for (const m of messages) onMessage(m);
      consuming();
      await new Promise<void>((resolve, reject) => {
        if (signal.aborted) return resolve();
        const timer = setTimeout(() => reject(new Error('tail never stopped consuming')), 1000);
        signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      });
    },
    onInterrupt: (stop) => {
      interrupt = stop;
      listening = true;
      return () => void (listening = false);
    },
  };
  return {
    deps,
    out,
    calls,
    started,
    interrupt: () => interrupt!(),
    get listening() {
      return listening;
    },
  };
}

const options = (args: string[], flags: Record<string, unknown> = {}) => tailOptions(invocationOf({ args: [args], flags: { topicPrefix: PREFIX, ...flags } }));

describe('tailOptions', () => {
  it('tails every saga topic when none is named, and lower-cases --key', () => {
    const o = options([], { key: ORDER.toUpperCase(), fromBeginning: true, num: '3', brokers: 'k1:9092,k2:9092' });
    expect(o).toMatchObject({ topics: [...ALL_TOPICS], key: ORDER, fromBeginning: true, num: 3, brokers: ['k1:9092', 'k2:9092'], topicPrefix: PREFIX });
  });

  it('refuses an unknown topic, naming it', () => {
    expect(() => options(['order.created', 'orders.created'])).toThrow(UsageError);
    expect(() => options(['orders.created'])).toThrow(/^unknown topic 'orders.created': choose from order.created, /);
  });

  it.each([
    ['0', /^invalid --num: 0 is below the minimum 1$/],
    ['ten', /^invalid --num: 'ten' is not a whole number$/],
  ])('refuses --num %s, naming the flag', (num, message) => {
    expect(() => options([], { num })).toThrow(UsageError);
    expect(() => options([], { num })).toThrow(message);
  });
});

describe('doms tail', () => {
  it('prints each event as one line: time, topic without the prefix, position, key and the value without its orderId', async () => {
    const kafka = fakeKafka({
      messages: [message(), message({ topic: `${PREFIX}payment.failed`, partition: 0, offset: '12', key: null, value: null }), message({ value: 'not json' })],
    });
    expect(await tail(options([], { num: '3' }), kafka.deps)).toBe(0);
    expect(kafka.out.lines.map((l) => stripVTControlCharacters(l))).toEqual([
      `12:34:56.789 order.created      [2]@7 ${ORDER} {"amount":3}`,
      `12:34:56.789 payment.failed     [0]@12 - (null)`,
      `12:34:56.789 order.created      [2]@7 ${ORDER} not json`,
    ]);
  });

  it('prints one JSON record per line with --json, keeping a value that is not JSON as its text', async () => {
    const kafka = fakeKafka({ messages: [message(), message({ offset: '8', value: 'not json' })] });
    await tail(options(['order.created'], { json: true, num: '2' }), kafka.deps);
    expect(kafka.out.lines.map((l) => JSON.parse(l) as unknown)).toEqual([
      { topic: 'order.created', partition: 2, offset: 7, key: ORDER, value: { orderId: ORDER, amount: 3 }, timestamp: '2024-05-01T12:34:56.789Z' },
      { topic: 'order.created', partition: 2, offset: 8, key: ORDER, value: 'not json', timestamp: '2024-05-01T12:34:56.789Z' },
    ]);
  });

  it('prints a record whose timestamp no Date can hold (a producer may set any 64-bit value) with the number as it is', async () => {
    const far = 9_000_000_000_000_000;
    const text = fakeKafka({ messages: [message({ timestamp: far })] });
    expect(await tail(options([], { num: '1' }), text.deps)).toBe(0);
    expect(stripVTControlCharacters(text.out.lines[0]!)).toBe(`${far} order.created      [2]@7 ${ORDER} {"amount":3}`);
    const json = fakeKafka({ messages: [message({ timestamp: far })] });
    expect(await tail(options([], { json: true, num: '1' }), json.deps)).toBe(0);
    expect((JSON.parse(json.out.lines[0]!) as { timestamp: string }).timestamp).toBe(String(far));
  });

  it('consumes the named topics under the prefix, from the beginning when asked', async () => {
    const kafka = fakeKafka({ messages: [message()] });
    await tail(options(['order.created', 'payment.success'], { fromBeginning: true, num: '1', brokers: 'k1:9092' }), kafka.deps);
    expect(kafka.calls).toEqual([{ brokers: ['k1:9092'], topics: [`${PREFIX}order.created`, `${PREFIX}payment.success`], fromBeginning: true }]);
  });

  it('stops after --num events, even when more arrive', async () => {
    const kafka = fakeKafka({ messages: [1, 2, 3, 4, 5].map((n) => message({ offset: String(n) })) });
    expect(await tail(options([], { json: true, num: '3' }), kafka.deps)).toBe(0);
    expect(kafka.out.lines.map((l) => (JSON.parse(l) as { offset: number }).offset)).toEqual([1, 2, 3]);
  });

  it('prints only the events of the --key order, and counts only those toward --num', async () => {
    const kafka = fakeKafka({
      messages: [
        message({ offset: '1', key: OTHER }),
        message({ offset: '2' }),
        message({ offset: '3', key: null }),
        message({ offset: '4' }),
        message({ offset: '5' }),
      ],
    });
    await tail(options([], { json: true, key: ORDER.toUpperCase(), num: '2' }), kafka.deps);
    expect(kafka.out.lines.map((l) => JSON.parse(l) as { offset: number; key: string })).toEqual([
      expect.objectContaining({ offset: 2, key: ORDER }),
      expect.objectContaining({ offset: 4, key: ORDER }),
    ]);
  });

  it('runs until interrupted without --num, then stops listening for the interrupt', async () => {
    const kafka = fakeKafka({ messages: [message()] });
    const done = tail(options([]), kafka.deps);
    await kafka.started;
    expect(kafka.listening).toBe(true);
    kafka.interrupt();
    expect(await done).toBe(0);
    expect(kafka.out.lines).toHaveLength(1);
    expect(kafka.listening).toBe(false);
  });

  it('refuses a topic that does not exist on the cluster yet, before consuming', async () => {
    const kafka = fakeKafka({ topics: [`${PREFIX}order.created`] });
    const run = tail(options(['order.created', 'payment.success']), kafka.deps);
    await expect(run).rejects.toThrow(UsageError);
    await expect(run).rejects.toThrow(`topic ${PREFIX}payment.success does not exist yet: start a worker (doms run …) to create the saga's topics`);
    expect(kafka.calls).toEqual([]);
  });

  it('passes on an unreachable Kafka', async () => {
    const kafka = fakeKafka();
    const unreachable = new UnreachableError('Kafka at 127.0.0.1:1', 'KAFKA_BROKERS / --brokers', 'connect ECONNREFUSED');
    await expect(tail(options([]), { ...kafka.deps, existingTopics: () => Promise.reject(unreachable) })).rejects.toBe(unreachable);
    expect(kafka.calls).toEqual([]);
  });
});
