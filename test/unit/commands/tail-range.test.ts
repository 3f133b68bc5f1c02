import { describe, expect, it } from 'vitest';
import { instantAt, parseInstant, parseOffset, parsePartitions, planRange, TailRange, type PartitionOffsets } from '../../../src/commands/tail-range.ts';

const NEW_YEAR = Date.parse('2026-01-01T00:00:00Z');

describe('--offset', () => {
  it.each([
    ['beginning', { kind: 'beginning', plus: 0n }],
    ['start', { kind: 'beginning', plus: 0n }],
    ['oldest', { kind: 'beginning', plus: 0n }],
    ['earliest', { kind: 'beginning', plus: 0n }],
    ['end', { kind: 'end', minus: 0n }],
    ['newest', { kind: 'end', minus: 0n }],
    ['latest', { kind: 'end', minus: 0n }],
    ['42', { kind: 'offset', offset: 42n }],
    ['0', { kind: 'offset', offset: 0n }],
    ['-5', { kind: 'end', minus: 5n }],
    ['+5', { kind: 'beginning', plus: 5n }],
    ['@10m', { kind: 'time', at: { ago: 600_000 } }],
    ['@2026-01-01T00:00:00Z', { kind: 'time', at: { at: NEW_YEAR } }],
    [`@${NEW_YEAR}`, { kind: 'time', at: { at: NEW_YEAR } }],
    [`s@${NEW_YEAR}`, { kind: 'time', at: { at: NEW_YEAR } }],
  ])('reads %s as kcat and rpk do', (text, expected) => {
    expect(parseOffset(text)).toEqual(expected);
  });

  it.each(['', 'begin', 'stored', '-', '--5', '5x', '1.5', 'e@1767225600000'])('refuses %j, listing the forms', (text) => {
    expect(() => parseOffset(text)).toThrow(
      /is none of beginning, end, an offset \(42\), -N \(N back from the end\), \+N \(N after the beginning\) or @<time>$/,
    );
  });

  it('refuses a time it cannot read, saying which forms a time takes', () => {
    expect(() => parseOffset('@yesterday')).toThrow(
      "'yesterday' is none of a duration back from now (10m, 2h), an ISO time (2026-01-01T12:00:00Z) or epoch milliseconds",
    );
  });
});

describe('--since and --until', () => {
  it.each([
    ['10m', { ago: 600_000 }],
    ['-10m', { ago: 600_000 }],
    ['2h', { ago: 7_200_000 }],
    ['1.5s', { ago: 1500 }],
    ['2026-01-01T00:00:00Z', { at: NEW_YEAR }],
    ['2026-01-01', { at: NEW_YEAR }],
    [String(NEW_YEAR), { at: NEW_YEAR }],
    [String(NEW_YEAR / 1000), { at: NEW_YEAR }],
  ])('reads %s', (text, expected) => {
    expect(parseInstant(text)).toEqual(expected);
  });

  it.each(['2026', '10', '12345678901', 'soon', '2026-13-45', ''])('refuses %j', (text) => {
    expect(() => parseInstant(text)).toThrow(/is none of a duration back from now/);
  });

  it('resolves a duration back from the moment given, a fixed time as it is', () => {
    expect(instantAt({ ago: 1000 }, NEW_YEAR)).toBe(NEW_YEAR - 1000);
    expect(instantAt({ at: NEW_YEAR }, 0)).toBe(NEW_YEAR);
  });
});

describe('--partition', () => {
  it('reads a list, sorted, each partition once', () => {
    expect(parsePartitions('3')).toEqual([3]);
    expect(parsePartitions('2, 0,2')).toEqual([0, 2]);
  });

  it.each(['', 'x', '1,x', '-1', '1,,2', '1.5'])('refuses %j', (text) => {
    expect(() => parsePartitions(text)).toThrow(/is not a partition number \(e\.g\. 0 or 0,2,5\)$/);
  });
});

/** A partition holding offsets 10 to 19 (the first ten removed by retention). */
const P: PartitionOffsets = { topic: 't', partition: 1, low: '10', high: '20' };
const plan = (start: Parameters<typeof planRange>[1]['start'], exit = false, over: Partial<PartitionOffsets> = {}) => {
  const { start: from, end } = planRange({ ...P, ...over }, { start, exit });
  return { from, end };
};

describe('planRange', () => {
  it('starts at the first retained offset, or that plus N', () => {
    expect(plan({ kind: 'beginning', plus: 0n })).toEqual({ from: 10n, end: undefined });
    expect(plan({ kind: 'beginning', plus: 3n })).toEqual({ from: 13n, end: undefined });
    expect(plan({ kind: 'beginning', plus: 50n })).toEqual({ from: 20n, end: undefined });
  });

  it('starts at the end, or N back from it, never before the first retained offset', () => {
    expect(plan({ kind: 'end', minus: 0n })).toEqual({ from: 20n, end: undefined });
    expect(plan({ kind: 'end', minus: 5n })).toEqual({ from: 15n, end: undefined });
    expect(plan({ kind: 'end', minus: 50n })).toEqual({ from: 10n, end: undefined });
  });

  it('starts at an absolute offset, brought inside what the partition holds', () => {
    expect(plan({ kind: 'offset', offset: 12n })).toEqual({ from: 12n, end: undefined });
    expect(plan({ kind: 'offset', offset: 3n })).toEqual({ from: 10n, end: undefined });
    expect(plan({ kind: 'offset', offset: 99n })).toEqual({ from: 20n, end: undefined });
  });

  it("starts at a time at Kafka's first offset at or after it", () => {
    expect(plan({ kind: 'time', at: { at: NEW_YEAR } }, false, { fromTime: '17' })).toEqual({ from: 17n, end: undefined });
    expect(() => plan({ kind: 'time', at: { at: NEW_YEAR } })).toThrow(/no offset by time/);
  });

  it('ends with --exit at the end the partition had, with --until at the first offset after it, with both at the earlier', () => {
    expect(plan({ kind: 'beginning', plus: 0n }, true)).toEqual({ from: 10n, end: 20n });
    expect(plan({ kind: 'beginning', plus: 0n }, false, { afterUntil: '16' })).toEqual({ from: 10n, end: 16n });
    expect(plan({ kind: 'beginning', plus: 0n }, true, { afterUntil: '16' })).toEqual({ from: 10n, end: 16n });
    expect(plan({ kind: 'beginning', plus: 0n }, true, { afterUntil: '25' })).toEqual({ from: 10n, end: 20n });
  });

  it('reads nothing when the start lies at or past the end', () => {
    expect(plan({ kind: 'end', minus: 0n }, true)).toEqual({ from: 20n, end: 20n });
    expect(plan({ kind: 'time', at: { ago: 0 } }, false, { fromTime: '18', afterUntil: '12' })).toEqual({ from: 12n, end: 12n });
    expect(plan({ kind: 'end', minus: 5n }, true, { low: '0', high: '0' })).toEqual({ from: 0n, end: 0n });
  });
});

const record = (partition: number, offset: number, timestamp = NEW_YEAR) => ({ topic: 't', partition, offset: String(offset), timestamp });

describe('TailRange', () => {
  it('is over at once when no partition has anything to read', () => {
    expect(new TailRange([]).done).toBe(true);
    const empty = new TailRange([{ topic: 't', partition: 0, start: 4n, end: 4n }]);
    expect(empty.done).toBe(true);
    expect(empty.pending()).toEqual([]);
  });

  it('is over once every partition is read up to its end, by records or by offsets passed without one', () => {
    const range = new TailRange([
      { topic: 't', partition: 0, start: 0n, end: 2n },
      { topic: 't', partition: 1, start: 5n, end: 8n },
    ]);
    range.reached('t', 0, 2n);
    expect(range.done).toBe(false);
    expect(range.pending()).toEqual([{ topic: 't', partition: 1, start: 5n, end: 8n }]);
    range.reached('t', 1, 7n);
    range.reached('t', 1, 6n); // an older batch does not move it back
    expect(range.pending()).toEqual([{ topic: 't', partition: 1, start: 7n, end: 8n }]);
    range.reached('t', 1, 8n);
    expect(range.done).toBe(true);
  });

  it('is never over while a partition has no end', () => {
    const range = new TailRange([
      { topic: 't', partition: 0, start: 0n, end: 1n },
      { topic: 't', partition: 1, start: 0n },
    ]);
    range.reached('t', 0, 1n);
    range.reached('t', 1, 1000n);
    expect(range.done).toBe(false);
    range.endAt('t', 1, 1000n);
    expect(range.done).toBe(true);
  });

  it('accepts only the records inside their partition range', () => {
    const range = new TailRange([{ topic: 't', partition: 0, start: 3n, end: 5n }]);
    expect([2, 3, 4, 5].map((o) => range.accepts(record(0, o)))).toEqual([false, true, true, false]);
    expect(range.accepts(record(1, 3))).toBe(false);
    expect(range.accepts({ ...record(0, 3), topic: 'u' })).toBe(false);
  });

  it('refuses a record after --until and ends its partition there', () => {
    const range = new TailRange([{ topic: 't', partition: 0, start: 0n }], NEW_YEAR);
    expect(range.accepts(record(0, 0, NEW_YEAR))).toBe(true);
    range.reached('t', 0, 1n);
    expect(range.done).toBe(false);
    expect(range.accepts(record(0, 1, NEW_YEAR + 1))).toBe(false);
    expect(range.done).toBe(true);
    expect(range.accepts(record(0, 2, NEW_YEAR))).toBe(false);
  });

  it('never ends a partition before its start', () => {
    const range = new TailRange([{ topic: 't', partition: 0, start: 5n }]);
    range.endAt('t', 0, 3n);
    expect(range.done).toBe(true);
    expect(range.pending()).toEqual([]);
  });
});
