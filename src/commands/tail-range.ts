// What `doms tail` reads, decided without Kafka: the values of --offset, --since, --until and
// --partition, where each partition's read starts and ends, and when the whole read is over.
import { parseDuration } from '../config/parse.ts';

/** A point in time as given: fixed, or a duration back from when the command runs. */
export type Instant = { at: number } | { ago: number };

export const instantAt = (instant: Instant, now: number): number => ('at' in instant ? instant.at : now - instant.ago);

/** Where each partition's read starts, as kcat's and rpk's -o say it. */
export type StartAt =
  /** The first retained offset, plus `plus` (rpk's +n). */
  | { kind: 'beginning'; plus: bigint }
  /** The end (the next offset to be written), less `minus` (kcat's and rpk's -n). */
  | { kind: 'end'; minus: bigint }
  | { kind: 'offset'; offset: bigint }
  /** The first offset whose timestamp is at or after the time. */
  | { kind: 'time'; at: Instant };

/**
 * `--offset`: beginning, end, an offset, -n (n back from the end), +n (n after the beginning) or
 * @<time>. rpk's names (start, oldest, newest) and kcat's s@<ms> are understood too.
 */
export function parseOffset(text: string): StartAt {
  const t = text.trim();
  if (/^(beginning|start|oldest|earliest)$/.test(t)) return { kind: 'beginning', plus: 0n };
  if (/^(end|newest|latest)$/.test(t)) return { kind: 'end', minus: 0n };
  if (/^\d+$/.test(t)) return { kind: 'offset', offset: BigInt(t) };
  if (/^-\d+$/.test(t)) return { kind: 'end', minus: BigInt(t.slice(1)) };
  if (/^\+\d+$/.test(t)) return { kind: 'beginning', plus: BigInt(t.slice(1)) };
  const time = /^s?@(.*)$/.exec(t);
  if (time) return { kind: 'time', at: parseInstant(time[1]!) };
  throw new Error(`'${text}' is none of beginning, end, an offset (42), -N (N back from the end), +N (N after the beginning) or @<time>`);
}

/**
 * `--since`, `--until` and `@<time>`: a duration back from now (10m, 2h; rpk's -10m too), an ISO time,
 * or epoch milliseconds (13 digits; 10 digits are seconds, as rpk reads them). Other bare numbers are
 * refused: `2026` is more likely a year than a moment in 1970.
 */
export function parseInstant(text: string): Instant {
  const t = text.trim();
  if (/^\d{13}$/.test(t)) return { at: Number(t) };
  if (/^\d{10}$/.test(t)) return { at: Number(t) * 1000 };
  if (/^-?\d+(\.\d+)?(ms|s|m|h|d)$/.test(t)) return { ago: parseDuration(t.replace(/^-/, '')) };
  const at = /^\d{4}-\d{2}-\d{2}/.test(t) ? Date.parse(t) : NaN;
  if (Number.isNaN(at)) throw new Error(`'${text}' is none of a duration back from now (10m, 2h), an ISO time (2026-01-01T12:00:00Z) or epoch milliseconds`);
  return { at };
}

/** `--partition 0,2,5`: the partition numbers, sorted, each once. */
export function parsePartitions(text: string): number[] {
  const parts = text.split(',').map((s) => s.trim());
  const bad = parts.find((p) => !/^\d+$/.test(p));
  if (bad !== undefined) throw new Error(`'${bad}' is not a partition number (e.g. 0 or 0,2,5)`);
  return [...new Set(parts.map(Number))].sort((a, b) => a - b);
}

/** One partition's offsets as Kafka gave them (decimal strings), with the look-ups by time that were asked for. */
export interface PartitionOffsets {
  topic: string;
  partition: number;
  /** The first retained offset. */
  low: string;
  /** The end: the next offset to be written (the high watermark). */
  high: string;
  /** The first offset whose timestamp is at or after the start time (`high` when none is). */
  fromTime?: string;
  /** The first offset whose timestamp is after --until (`high` when none is). */
  afterUntil?: string;
}

/** What to read of one partition: from `start`, up to `end` (exclusive) when it has one. */
export interface PartitionRange {
  topic: string;
  partition: number;
  start: bigint;
  /** None: read on as events arrive. */
  end?: bigint;
}

/**
 * Where a partition's read starts and ends. An offset outside what the partition holds is brought
 * inside it (before the first retained offset: that one; past the end: the end). With `exit`, the
 * read ends at the end the partition had when asked; with --until passed, at the first event after it.
 */
export function planRange(p: PartitionOffsets, { start, exit }: { start: StartAt; exit: boolean }): PartitionRange {
  const low = BigInt(p.low);
  const high = BigInt(p.high);
  const within = (o: bigint) => (o < low ? low : o > high ? high : o);
  const ends = [exit ? high : undefined, p.afterUntil === undefined ? undefined : BigInt(p.afterUntil)].filter((e) => e !== undefined);
  const end = ends.length ? ends.reduce((a, b) => (a < b ? a : b)) : undefined;
  let from = within(startOffset(start, low, high, p));
  if (end !== undefined && from > end) from = end;
  return { topic: p.topic, partition: p.partition, start: from, ...(end !== undefined && { end }) };
}

function startOffset(start: StartAt, low: bigint, high: bigint, p: PartitionOffsets): bigint {
  switch (start.kind) {
    case 'beginning':
      return low + start.plus;
    case 'end':
      return high - start.minus;
    case 'offset':
      return start.offset;
    case 'time':
      if (p.fromTime === undefined) throw new Error(`no offset by time was looked up for ${p.topic} [${p.partition}]`);
      return BigInt(p.fromTime);
  }
}

/** A record as the range judges it. */
export interface RecordPosition {
  topic: string;
  partition: number;
  offset: string;
  /** Milliseconds since the epoch. */
  timestamp: number;
}

const keyOf = (topic: string, partition: number) => `${partition}:${topic}`;

/** How far each partition's read has come, which records belong to it, and whether it is over. */
export class TailRange {
  private readonly parts = new Map<string, { range: PartitionRange; next: bigint }>();

  constructor(
    ranges: readonly PartitionRange[],
    /** --until, in ms since the epoch: a later record is not printed. */
    private readonly until?: number,
  ) {
    for (const r of ranges) this.parts.set(keyOf(r.topic, r.partition), { range: { ...r }, next: r.start });
  }

  /** The partitions still to read, each from where its read stands. */
  pending(): PartitionRange[] {
    return [...this.parts.values()].filter((p) => !isOver(p)).map((p) => ({ ...p.range, start: p.next }));
  }

  /**
   * Whether to print the record: it lies in its partition's range and is not after --until. A record
   * after --until also ends its partition there (an --until still to come meets its events as they arrive).
   */
  accepts(record: RecordPosition): boolean {
    const part = this.parts.get(keyOf(record.topic, record.partition));
    if (!part) return false;
    const offset = BigInt(record.offset);
    if (offset < part.range.start || (part.range.end !== undefined && offset >= part.range.end)) return false;
    if (this.until !== undefined && record.timestamp > this.until) {
      this.endAt(record.topic, record.partition, offset);
      return false;
    }
    return true;
  }

  /** The partition has been read up to `next` (exclusive). */
  reached(topic: string, partition: number, next: bigint): void {
    const part = this.parts.get(keyOf(topic, partition));
    if (part && next > part.next) part.next = next;
  }

  /** Ends the partition's read at `end` (exclusive) at the latest. */
  endAt(topic: string, partition: number, end: bigint): void {
    const part = this.parts.get(keyOf(topic, partition));
    if (part && (part.range.end === undefined || end < part.range.end)) part.range.end = end < part.range.start ? part.range.start : end;
  }

  /** Every partition has an end and has been read up to it (true at once when nothing is to be read). */
  get done(): boolean {
    return [...this.parts.values()].every(isOver);
  }
}

const isOver = (p: { range: PartitionRange; next: bigint }) => p.range.end !== undefined && p.next >= p.range.end;
