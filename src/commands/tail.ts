import chalk from 'chalk';
import { defineCommand, optionalFlag, switchFlag, textFlag, topicNamed, words } from './command.ts';
import type { Invocation } from './invocation.ts';
import { shortTime, type Output } from './output.ts';
import { parseInteger } from '../config/parse.ts';
import { UsageError } from '../errors.ts';
import { ALL_TOPICS, stripPrefix, topicName, type Topic } from '../events/topics.ts';
import { recordTime } from '../infra/kafka-time.ts';

const TOPIC_COLOUR: Record<string, (s: string) => string> = {
  'order.created': chalk.white,
  'inventory.reserved': chalk.blue,
  'inventory.rejected': chalk.yellow,
  'inventory.released': chalk.magenta,
  'payment.success': chalk.green,
  'payment.failed': chalk.red,
};

export interface TailOptions {
  brokers: string[];
  topicPrefix: string;
  /** Bare topic names (all saga topics when none was named). */
  topics: Topic[];
  fromBeginning: boolean;
  /** Stop after this many events (undefined: until interrupted). */
  num: number | undefined;
  /** Only events with this key (an orderId, lower-cased). */
  key: string | undefined;
  json: boolean;
}

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

export interface ConsumeOptions {
  fromBeginning: boolean;
  onMessage(message: TailMessage): void;
  /** Aborting it stops consuming; consume then resolves once disconnected. */
  signal: AbortSignal;
}

/** What `doms tail` needs: somewhere to print, Kafka's topic list, a consumer that commits nothing, and the user's Ctrl-C. */
export interface TailDeps {
  out: Output;
  /** The full names of the topics on the cluster; fails with an UnreachableError naming the setting when Kafka cannot be reached. */
  existingTopics(brokers: string[]): Promise<string[]>;
  /** Delivers the topics' events (with a throw-away group) until `signal` aborts. */
  consume(brokers: string[], topics: string[], options: ConsumeOptions): Promise<void>;
  /** Calls `stop` when the user asks to stop (SIGINT, SIGTERM); returns a function that stops listening. */
  onInterrupt(stop: () => void): () => void;
}

/** `doms tail`: its flags, settings, help and runner. */
export const tailCommand = defineCommand({
  name: 'tail',
  summary: 'print saga events as they arrive',
  description: 'Print the events on saga topics as they arrive (all saga topics when none is named). Commits no offsets.',
  args: [{ name: '[topics...]', help: `any of ${ALL_TOPICS.join(', ')}` }],
  flags: {
    fromBeginning: switchFlag('--from-beginning', 'start at the oldest retained event instead of new ones'),
    num: optionalFlag('--num <n>', 'stop after this many events', (t) => parseInteger(t, { min: 1 })),
    key: textFlag('--key <orderId>', 'only events of this order'),
    json: switchFlag('--json', 'one JSON record per line: topic, partition, offset, key, value, timestamp'),
  },
  settings: ['brokers', 'topicPrefix'],
  examples: ['doms tail payment.success', 'doms tail --from-beginning --num 10 order.created', 'doms tail --json | jq .value.orderId'],
  options: ({ args, flags: f, settings }): TailOptions => {
    const { brokers, topicPrefix } = settings;
    const num = f.num;
    const topics = words(args[0]).map(topicNamed);
    return {
      brokers,
      topicPrefix,
      topics: topics.length ? topics : [...ALL_TOPICS],
      fromBeginning: f.fromBeginning,
      num,
      key: f.key ? f.key.toLowerCase() : undefined,
      json: f.json,
    };
  },
  run: async (options, out) => tail(options, { out, ...(await import('../wiring/kafka-tools.ts')).tailAdapters((line) => out.note(line)) }),
});

export const tailOptions = (inv: Invocation): TailOptions => tailCommand.parse(inv);

/** `doms tail`: prints events as they arrive until --num of them were printed or the user interrupts. */
export async function tail(options: TailOptions, deps: TailDeps): Promise<number> {
  const { out } = deps;
  const topics = options.topics.map((t) => topicName(t, options.topicPrefix));
  const existing = new Set(await deps.existingTopics(options.brokers));
  const missing = topics.filter((t) => !existing.has(t));
  if (missing.length) throw new UsageError(`topic ${missing.join(', ')} does not exist yet: start a worker (doms run …) to create the saga's topics`);

  const limit = options.num ?? Infinity;
  let seen = 0;
  const stop = new AbortController();
  const stopListening = deps.onInterrupt(() => stop.abort());
  try {
    await deps.consume(options.brokers, topics, {
      fromBeginning: options.fromBeginning,
      signal: stop.signal,
      onMessage: (message) => {
        if (seen >= limit) return;
        if (options.key && message.key !== options.key) return;
        seen++;
        out.line(options.json ? jsonRecord(message, options.topicPrefix) : textLine(message, options.topicPrefix));
        if (seen >= limit) stop.abort();
      },
    });
  } finally {
    stopListening();
  }
  return 0;
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
    topic: stripPrefix(m.topic, prefix) ?? m.topic,
    partition: m.partition,
    offset: Number(m.offset),
    key: m.key,
    value,
    timestamp: recordTime(m.timestamp),
  });
}

function textLine(m: TailMessage, prefix: string): string {
  const bare = stripPrefix(m.topic, prefix) ?? m.topic;
  const colour = TOPIC_COLOUR[bare] ?? chalk.white;
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
