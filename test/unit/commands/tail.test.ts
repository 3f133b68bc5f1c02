import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { invocationOf } from '../../../src/commands/invocation.ts';
import { tail, tailOptions, type ConsumeOptions, type PartitionStart, type TailDeps, type TailMessage } from '../../../src/commands/tail.ts';
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

const tp = (topic: string, partition: number) => `${topic}:${partition}`;
const byOffset = (a: TailMessage, b: TailMessage) => Number(a.offset) - Number(b.offset);

/**
 * A Kafka stand-in. `log` is on the topics when tail starts; `arriving` is appended once it consumes
 * (delivered in the order given). Each delivery goes from the offset tail asked for, record by
 * record, all of it (as a broker's batch would, whether or not the command has had enough), then it
 * waits like a real consumer until the command's signal aborts. `highs` puts a partition's end past
 * its last record, as transaction markers do; the batch that holds them reports that end.
 */
function fakeKafka({
  topics = ALL_TOPICS.map((t) => PREFIX + t),
  partitions = 3,
  log = [] as TailMessage[],
  arriving = [] as TailMessage[],
  highs = {} as Record<string, number>,
  now = AT + 60_000,
} = {}) {
  const out = recordOutput();
  const calls: { brokers: string[]; partitions: PartitionStart[] }[] = [];
  const lookups: { topics: string[]; times: { from?: number; until?: number } }[] = [];
  let interrupt: (() => void) | undefined;
  let listening = false;
  let consuming = false;
  let clock = now;
  let started: () => void = () => {};
  const startedConsuming = new Promise<void>((resolve) => (started = resolve));
  const records = (topic: string, partition: number) =>
    [...log, ...(consuming ? arriving : [])].filter((m) => m.topic === topic && m.partition === partition).sort(byOffset);
  const deps: TailDeps = {
    out,
    existingTopics: async () => topics,
    offsets: async (_brokers, names, times) => {
      lookups.push({ topics: names, times });
      return names.flatMap((topic) =>
        Array.from({ length: partitions }, (_, partition) => {
          const held = records(topic, partition);
          const high = highs[tp(topic, partition)] ?? (held.length ? Number(held[held.length - 1]!.offset) + 1 : 0);
          const first = (match: (m: TailMessage) => boolean) => held.find(match)?.offset ?? String(high);
          return {
            topic,
            partition,
            low: held[0]?.offset ?? String(high),
            high: String(high),
            ...(times.from !== undefined && { fromTime: first((m) => m.timestamp >= times.from!) }),
            ...(times.until !== undefined && { afterUntil: first((m) => m.timestamp > times.until!) }),
          };
        }),
      );
    },
    consume: async (brokers, starts: PartitionStart[], { onMessage, onReached, signal }: ConsumeOptions) => {
      calls.push({ brokers, partitions: starts });
      const from = new Map(starts.map((s) => [tp(s.topic, s.partition), BigInt(s.offset)]));
      const deliver = (m: TailMessage) => {
        const at = from.get(tp(m.topic, m.partition));
        if (at === undefined || BigInt(m.offset) < at) return;
        onMessage(m);
        onReached(m.topic, m.partition, String(Number(m.offset) + 1));
      };
      for (const s of starts) {
        log
          .filter((m) => m.topic === s.topic && m.partition === s.partition)
          .sort(byOffset)
          .forEach(deliver);
        const high = highs[tp(s.topic, s.partition)];
        if (high !== undefined) onReached(s.topic, s.partition, String(high));
      }
      consuming = true;
      arriving.forEach(deliver);
      started();
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
    now: () => clock,
    // The clock moves on at once: a wait for a time to come takes no real time.
    sleep: async (ms) => void (clock += ms),
  };
  return {
    deps,
    out,
    calls,
    lookups,
    started: startedConsuming,
    interrupt: () => interrupt!(),
    get listening() {
      return listening;
    },
  };
}

const options = (args: string[], flags: Record<string, unknown> = {}) => tailOptions(invocationOf({ args: [args], flags: { topicPrefix: PREFIX, ...flags } }));
const printed = (out: { lines: string[] }) =>
  out.lines.map((l) => JSON.parse(l) as { topic: string; partition: number; offset: number; key: string; timestamp: string });
const positions = (out: { lines: string[] }) => printed(out).map((r) => `${r.partition}@${r.offset}`);

/** `count` records on partition `partition` of order.created from offset `first`, one a second from AT. */
const records = (partition: number, count: number, first = 0, topic = `${PREFIX}order.created`) =>
  Array.from({ length: count }, (_, i) => message({ topic, partition, offset: String(first + i), timestamp: AT + (first + i) * 1000 }));

describe('tailOptions', () => {
  it('tails every saga topic when none is named, from the end, and lower-cases --key', () => {
    const o = options([], { key: ORDER.toUpperCase(), num: '3', brokers: 'k1:9092,k2:9092' });
    expect(o).toMatchObject({ topics: [...ALL_TOPICS], key: ORDER, num: 3, brokers: ['k1:9092', 'k2:9092'], topicPrefix: PREFIX });
    expect(o).toMatchObject({ start: { kind: 'end', minus: 0n }, until: undefined, partitions: undefined, exit: false });
  });

  it('takes --from-beginning as --offset beginning, and --since as --offset @<time>', () => {
    expect(options([], { fromBeginning: true }).start).toEqual({ kind: 'beginning', plus: 0n });
    expect(options([], { offset: 'beginning' }).start).toEqual({ kind: 'beginning', plus: 0n });
    expect(options([], { since: '10m' }).start).toEqual(options([], { offset: '@10m' }).start);
  });

  it('reads from the beginning when only --until is given', () => {
    expect(options([], { until: '5m' })).toMatchObject({ start: { kind: 'beginning', plus: 0n }, until: { ago: 300_000 } });
    expect(options([], { until: '5m', offset: 'end' }).start).toEqual({ kind: 'end', minus: 0n });
  });

  it('takes the dead-letter topics by name', () => {
    expect(options(['order.created.dlq', 'payment.success']).topics).toEqual(['order.created.dlq', 'payment.success']);
  });

  it('refuses an unknown topic, naming it', () => {
    expect(() => options(['order.created', 'orders.created'])).toThrow(UsageError);
    expect(() => options(['orders.created'])).toThrow(/^unknown topic 'orders.created': choose from order.created, .*, or a dead-letter topic <topic>\.dlq$/);
    expect(() => options(['orders.created.dlq'])).toThrow(/^unknown topic 'orders.created.dlq'/);
  });

  it.each([
    [{ num: '0' }, /^invalid --num: 0 is below the minimum 1$/],
    [{ num: 'ten' }, /^invalid --num: 'ten' is not a whole number$/],
    [{ offset: 'middle' }, /^invalid --offset: 'middle' is none of beginning, end, /],
    [{ offset: '@soon' }, /^invalid --offset: 'soon' is none of a duration/],
    [{ since: '2026' }, /^invalid --since: '2026' is none of a duration/],
    [{ until: 'later' }, /^invalid --until: 'later' is none of a duration/],
    [{ partition: '1,x' }, /^invalid --partition: 'x' is not a partition number/],
    [{ since: '5m', until: '10m' }, /^invalid --until: it is before --since$/],
    [{ since: '2026-01-02', until: '2026-01-01T23:59:59Z' }, /^invalid --until: it is before --since$/],
    [{ offset: '@5m', until: '10m' }, /^invalid --until: it is before --offset$/],
    [{ offset: '-5', since: '10m' }, /^--offset and --since both say where to start: give one$/],
    [{ offset: 'beginning', fromBeginning: true }, /^--offset and --from-beginning both say where to start: give one$/],
  ])('refuses %j in one line naming the flag', (flags, message) => {
    expect(() => options([], flags)).toThrow(UsageError);
    expect(() => options([], flags)).toThrow(message);
  });

  it('takes a window whose ends are the same moment', () => {
    expect(() => options([], { since: '2026-01-01', until: '2026-01-01' })).not.toThrow();
  });
});

describe('doms tail', () => {
  it('prints each event as one line: time, topic without the prefix, position, key and the value without its orderId', async () => {
    const kafka = fakeKafka({
      arriving: [message(), message({ topic: `${PREFIX}payment.failed`, partition: 0, offset: '12', key: null, value: null }), message({ value: 'not json' })],
    });
    expect(await tail(options([], { num: '3' }), kafka.deps)).toBe(0);
    expect(kafka.out.lines.map((l) => stripVTControlCharacters(l))).toEqual([
      `12:34:56.789 order.created      [2]@7 ${ORDER} {"amount":3}`,
      `12:34:56.789 payment.failed     [0]@12 - (null)`,
      `12:34:56.789 order.created      [2]@7 ${ORDER} not json`,
    ]);
  });

  it('prints one JSON record per line with --json, keeping a value that is not JSON as its text', async () => {
    const kafka = fakeKafka({ arriving: [message(), message({ offset: '8', value: 'not json' })] });
    await tail(options(['order.created'], { json: true, num: '2' }), kafka.deps);
    expect(kafka.out.lines.map((l) => JSON.parse(l) as unknown)).toEqual([
      { topic: 'order.created', partition: 2, offset: 7, key: ORDER, value: { orderId: ORDER, amount: 3 }, timestamp: '2024-05-01T12:34:56.789Z' },
      { topic: 'order.created', partition: 2, offset: 8, key: ORDER, value: 'not json', timestamp: '2024-05-01T12:34:56.789Z' },
    ]);
  });

  it('prints a record whose timestamp no Date can hold (a producer may set any 64-bit value) with the number as it is', async () => {
    const far = 9_000_000_000_000_000;
    const text = fakeKafka({ arriving: [message({ timestamp: far })] });
    expect(await tail(options([], { num: '1' }), text.deps)).toBe(0);
    expect(stripVTControlCharacters(text.out.lines[0]!)).toBe(`${far} order.created      [2]@7 ${ORDER} {"amount":3}`);
    const json = fakeKafka({ arriving: [message({ timestamp: far })] });
    expect(await tail(options([], { json: true, num: '1' }), json.deps)).toBe(0);
    expect((JSON.parse(json.out.lines[0]!) as { timestamp: string }).timestamp).toBe(String(far));
  });

  it('consumes every partition of the named topics under the prefix, from its end by default', async () => {
    const kafka = fakeKafka({ partitions: 2, log: records(1, 4), arriving: [message({ partition: 0, offset: '0' })] });
    await tail(options(['order.created', 'payment.success'], { num: '1', brokers: 'k1:9092' }), kafka.deps);
    expect(kafka.calls).toEqual([
      {
        brokers: ['k1:9092'],
        partitions: [
          { topic: `${PREFIX}order.created`, partition: 0, offset: '0' },
          { topic: `${PREFIX}order.created`, partition: 1, offset: '4' },
          { topic: `${PREFIX}payment.success`, partition: 0, offset: '0' },
          { topic: `${PREFIX}payment.success`, partition: 1, offset: '0' },
        ],
      },
    ]);
    expect(kafka.lookups).toEqual([{ topics: [`${PREFIX}order.created`, `${PREFIX}payment.success`], times: {} }]);
  });

  it('prints the last N events of each partition with --offset -N --exit, and exits 0 at the end', async () => {
    const kafka = fakeKafka({ log: [...records(0, 8), ...records(1, 3)], arriving: records(0, 2, 8) });
    expect(await tail(options(['order.created'], { offset: '-5', exit: true, json: true }), kafka.deps)).toBe(0);
    expect(positions(kafka.out)).toEqual(['0@3', '0@4', '0@5', '0@6', '0@7', '1@0', '1@1', '1@2']);
    // The empty partition 2 has nothing to read: it is not even consumed.
    expect(kafka.calls[0]!.partitions.map((p) => p.partition)).toEqual([0, 1]);
  });

  it('exits at once, reading nothing, when --exit finds nothing to read', async () => {
    const kafka = fakeKafka({ log: records(0, 3) });
    expect(await tail(options(['order.created'], { exit: true }), kafka.deps)).toBe(0);
    expect(kafka.calls).toEqual([]);
    const empty = fakeKafka();
    expect(await tail(options([], { fromBeginning: true, exit: true }), empty.deps)).toBe(0);
    expect(empty.calls).toEqual([]);
    expect(empty.out.lines).toEqual([]);
  });

  it('exits at the end when no event matches --key', async () => {
    const kafka = fakeKafka({ log: records(0, 3).map((m) => ({ ...m, key: OTHER })) });
    expect(await tail(options(['order.created'], { fromBeginning: true, exit: true, key: ORDER }), kafka.deps)).toBe(0);
    expect(kafka.out.lines).toEqual([]);
  });

  it('exits at an end made of transaction markers, which deliver no event', async () => {
    const kafka = fakeKafka({ log: records(0, 3), highs: { [tp(`${PREFIX}order.created`, 0)]: 5 } });
    expect(await tail(options(['order.created'], { fromBeginning: true, exit: true, json: true }), kafka.deps)).toBe(0);
    expect(positions(kafka.out)).toEqual(['0@0', '0@1', '0@2']);
  });

  it('starts each partition at an absolute offset, or N after its beginning', async () => {
    const log = [...records(0, 6), ...records(1, 2)];
    const absolute = fakeKafka({ log });
    await tail(options(['order.created'], { offset: '4', exit: true, json: true }), absolute.deps);
    expect(positions(absolute.out)).toEqual(['0@4', '0@5']);
    const after = fakeKafka({ log });
    await tail(options(['order.created'], { offset: '+1', exit: true, json: true }), after.deps);
    expect(positions(after.out)).toEqual(['0@1', '0@2', '0@3', '0@4', '0@5', '1@1']);
  });

  it("starts at a time through Kafka's offsets by timestamp, not by reading from the beginning", async () => {
    const kafka = fakeKafka({ log: [...records(0, 6), ...records(1, 3)] });
    await tail(options(['order.created'], { offset: `@${AT + 2000}`, exit: true, json: true }), kafka.deps);
    expect(kafka.lookups).toEqual([{ topics: [`${PREFIX}order.created`], times: { from: AT + 2000 } }]);
    expect(kafka.calls[0]!.partitions).toEqual([
      { topic: `${PREFIX}order.created`, partition: 0, offset: '2' },
      { topic: `${PREFIX}order.created`, partition: 1, offset: '2' },
    ]);
    expect(positions(kafka.out)).toEqual(['0@2', '0@3', '0@4', '0@5', '1@2']);
  });

  it('resolves --since from the clock when the command runs', async () => {
    const now = AT + 10_000;
    const kafka = fakeKafka({ log: records(0, 10), now });
    await tail(options(['order.created'], { since: '3s', exit: true, json: true }), kafka.deps);
    expect(kafka.lookups[0]!.times).toEqual({ from: now - 3000 });
    expect(positions(kafka.out)).toEqual(['0@7', '0@8', '0@9']);
  });

  it('prints the events of a window in the past with --since and --until, and exits at its end without --exit', async () => {
    const kafka = fakeKafka({ log: [...records(0, 10), ...records(1, 4)], arriving: records(0, 1, 10) });
    expect(await tail(options(['order.created'], { since: String(AT + 2000), until: String(AT + 5000), json: true }), kafka.deps)).toBe(0);
    expect(kafka.lookups[0]!.times).toEqual({ from: AT + 2000, until: AT + 5000 });
    expect(positions(kafka.out)).toEqual(['0@2', '0@3', '0@4', '0@5', '1@2', '1@3']);
  });

  it('with --until still to come, prints until it passes, then ends every partition, even one that stays empty', async () => {
    const now = AT + 3000;
    const kafka = fakeKafka({
      partitions: 2,
      log: records(0, 3),
      arriving: [...records(0, 1, 3), message({ offset: '4', partition: 0, timestamp: AT + 20_000 })],
      now,
    });
    expect(await tail(options(['order.created'], { until: String(AT + 10_000), json: true }), kafka.deps)).toBe(0);
    expect(positions(kafka.out)).toEqual(['0@0', '0@1', '0@2', '0@3']);
    // Nothing to look up for an --until to come; once it has passed (and a second more), its offsets are.
    expect(kafka.lookups.map((l) => l.times)).toEqual([{}, { until: AT + 10_000 }]);
  });

  it('ends an --until still to come with --exit at the end the partitions had', async () => {
    const kafka = fakeKafka({ log: records(0, 3), arriving: records(0, 2, 3), now: AT });
    expect(await tail(options(['order.created'], { fromBeginning: true, until: '2099-01-01', exit: true, json: true }), kafka.deps)).toBe(0);
    expect(positions(kafka.out)).toEqual(['0@0', '0@1', '0@2']);
  });

  it('reads only the --partition chosen', async () => {
    const kafka = fakeKafka({ log: [...records(0, 2), ...records(1, 2), ...records(2, 2)] });
    await tail(options(['order.created'], { fromBeginning: true, partition: '2,0', exit: true, json: true }), kafka.deps);
    expect(kafka.calls[0]!.partitions.map((p) => p.partition)).toEqual([0, 2]);
    expect(positions(kafka.out)).toEqual(['0@0', '0@1', '2@0', '2@1']);
  });

  it('refuses a --partition a topic does not have, naming the flag, before consuming', async () => {
    const kafka = fakeKafka({ partitions: 3 });
    const run = tail(options(['order.created', 'payment.success'], { partition: '1,3,4' }), kafka.deps);
    await expect(run).rejects.toThrow(UsageError);
    await expect(run).rejects.toThrow(/^invalid --partition: order.created has no partition 3, 4 \(it has 0–2\)$/);
    expect(kafka.calls).toEqual([]);
  });

  it('tails a dead-letter topic by name, printing its name without the prefix', async () => {
    const dlq = `${PREFIX}order.created.dlq`;
    const kafka = fakeKafka({ topics: [dlq], partitions: 1, log: [message({ topic: dlq, partition: 0, offset: '0', value: 'poison' })] });
    expect(await tail(options(['order.created.dlq'], { fromBeginning: true, exit: true, json: true }), kafka.deps)).toBe(0);
    expect(kafka.calls[0]!.partitions).toEqual([{ topic: dlq, partition: 0, offset: '0' }]);
    expect(printed(kafka.out)).toEqual([expect.objectContaining({ topic: 'order.created.dlq', offset: 0, value: 'poison' })]);
  });

  it('stops after --num events, even when more arrive', async () => {
    const kafka = fakeKafka({ arriving: [1, 2, 3, 4, 5].map((n) => message({ offset: String(n) })) });
    expect(await tail(options([], { json: true, num: '3' }), kafka.deps)).toBe(0);
    expect(kafka.out.lines.map((l) => (JSON.parse(l) as { offset: number }).offset)).toEqual([1, 2, 3]);
  });

  it('prints only the events of the --key order, and counts only those toward --num', async () => {
    const kafka = fakeKafka({
      arriving: [
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
    const kafka = fakeKafka({ arriving: [message()] });
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

  it('passes on a failed look-up of where an --until still to come ends, and stops consuming', async () => {
    const kafka = fakeKafka({ now: AT });
    let lookups = 0;
    const failing: TailDeps = {
      ...kafka.deps,
      offsets: (...args) => (++lookups === 1 ? kafka.deps.offsets(...args) : Promise.reject(new Error('broker gone'))),
    };
    await expect(tail(options(['order.created'], { offset: 'end', until: String(AT + 5000) }), failing)).rejects.toThrow('broker gone');
  });
});
