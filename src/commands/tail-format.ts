// How `doms tail` prints an event: one coloured line, or one NDJSON record.
import chalk from 'chalk';
import { shortTime } from './output.ts';
import { recordTime } from '../infra/kafka-time.ts';

/** One event as tail prints it. */
export interface TailMessage {
  /** The full topic name, prefix included. */
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  /** The value as UTF-8 text. */
  value: string | null;
  /** Milliseconds since the epoch. */
  timestamp: number;
}

const TOPIC_COLOUR: Record<string, (s: string) => string> = {
  'order.created': chalk.white,
  'inventory.reserved': chalk.blue,
  'inventory.rejected': chalk.yellow,
  'inventory.released': chalk.magenta,
  'payment.success': chalk.green,
  'payment.failed': chalk.red,
};

/** The event as tail prints it: its line, or its JSON record with --json. */
export function tailLine(m: TailMessage, prefix: string, json: boolean): string {
  return json ? jsonRecord(m, prefix) : textLine(m, prefix);
}

/** The topic's name without the saga's prefix, as the user named it. */
export function bareName(full: string, prefix: string): string {
  return full.startsWith(prefix) ? full.slice(prefix.length) : full;
}

/** One NDJSON record; a value that is not JSON is kept as its raw text, so even a poison message can be inspected. */
function jsonRecord(m: TailMessage, prefix: string): string {
  let value: unknown = m.value;
  try {
    value = m.value === null ? null : JSON.parse(m.value);
  } catch {
    // Not JSON: keep the raw text.
  }
  return JSON.stringify({
    topic: bareName(m.topic, prefix),
    partition: m.partition,
    offset: Number(m.offset),
    key: m.key,
    value,
    timestamp: recordTime(m.timestamp),
  });
}

function textLine(m: TailMessage, prefix: string): string {
  const bare = bareName(m.topic, prefix);
  const colour = bare.endsWith('.dlq') ? chalk.redBright : (TOPIC_COLOUR[bare] ?? chalk.white);
  const at = recordTime(m.timestamp);
  return `${chalk.gray(at.includes('T') ? shortTime(at) : at)} ${colour(bare.padEnd(18))} ${chalk.gray(`[${m.partition}]@${m.offset}`)} ${chalk.cyan(m.key ?? '-')} ${compact(m.value)}`;
}

/** The value without the orderId (already shown as the key) and without JSON noise. */
function compact(text: string | null): string {
  if (text === null) return chalk.gray('(null)');
  try {
    const { orderId: _orderId, ...rest } = JSON.parse(text) as Record<string, unknown>;
    return JSON.stringify(rest);
  } catch {
    return chalk.red(text.length > 200 ? text.slice(0, 200) + '…' : text);
  }
}
