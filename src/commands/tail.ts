import { defineCommand, optionalFlag, switchFlag, textFlag, words } from './command.ts';
import type { Invocation } from './invocation.ts';
import type { Output } from './output.ts';
import { bareName, tailLine, type TailMessage } from './tail-format.ts';
import {
  instantAt,
  parseInstant,
  parseOffset,
  parsePartitions,
  planRange,
  TailRange,
  type Instant,
  type PartitionOffsets,
  type StartAt,
} from './tail-range.ts';
import { parseInteger } from '../config/parse.ts';
import { UsageError } from '../errors.ts';
import { ALL_TOPICS, deadLetterTopicName, isTopic, topicName, type Topic } from '../events/topics.ts';

/** A topic `doms tail` reads: a saga topic, or the dead-letter topic of one (as `doms dlq` names them). */
export type TailTopic = Topic | `${Topic}.dlq`;

export interface TailOptions {
  brokers: string[];
  topicPrefix: string;
  /** Bare topic names (all saga topics when none was named). */
  topics: TailTopic[];
  /** Where each partition's read starts (--offset, --since, --from-beginning; the end by default). */
  start: StartAt;
  /** --until: each partition stops at its first event after this time. */
  until: Instant | undefined;
  /** --partition: only these (all when undefined). */
  partitions: number[] | undefined;
  /** --exit: stop at the end each partition had when the command started. */
  exit: boolean;
  /** Stop after this many events (undefined: until interrupted). */
  num: number | undefined;
  /** Only events with this key (an orderId, lower-cased). */
  key: string | undefined;
  json: boolean;
}

export type { TailMessage } from './tail-format.ts';

/** Where the consumer starts reading one partition. */
export interface PartitionStart {
  topic: string;
  partition: number;
  offset: string;
}

export interface ConsumeOptions {
  onMessage(message: TailMessage): void;
  /** The partition has been read up to `next` (exclusive), whether or not records were delivered (a batch of transaction markers moves it too). */
  onReached(topic: string, partition: number, next: string): void;
  /** Aborting it stops consuming; consume then resolves once disconnected. */
  signal: AbortSignal;
}

/** What `doms tail` needs: somewhere to print, Kafka's topics and offsets, a consumer that commits nothing, a clock and the user's Ctrl-C. */
export interface TailDeps {
  out: Output;
  /** The full names of the topics on the cluster; fails with an UnreachableError naming the setting when Kafka cannot be reached. */
  existingTopics(brokers: string[]): Promise<string[]>;
  /**
   * Every partition of the topics with its first retained offset and its end, and, for the times
   * given (ms since the epoch), the first offset at or after `from` and the first after `until`.
   */
  offsets(brokers: string[], topics: string[], times: { from?: number; until?: number }): Promise<PartitionOffsets[]>;
  /** Delivers the partitions' events from the offsets given (with a throw-away group), until `signal` aborts. */
  consume(brokers: string[], partitions: PartitionStart[], options: ConsumeOptions): Promise<void>;
  /** Calls `stop` when the user asks to stop (SIGINT, SIGTERM); returns a function that stops listening. */
  onInterrupt(stop: () => void): () => void;
  now(): number;
  /** Resolves after `ms`, or at once when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

/** Events a producer stamped just before --until may reach the broker just after it: the look-up waits this long. */
const UNTIL_GRACE_MS = 1000;
/** The longest a timer can wait in Node (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

const DESCRIPTION = `Print the events on saga topics (all six when none is named) or on a dead-letter
topic (<topic>.dlq). Each partition is read from where --offset or --since says
(new events only by default; from the beginning when only --until is given)
until interrupted, --num events, --until, or with --exit the end it had when
the command started. Uses a throw-away consumer group and commits nothing.

kcat and rpk read from the beginning unless told, doms tail from the end:
  kcat           rpk              doms tail
  -o beginning   -o start         --offset beginning   (or --from-beginning)
  -o end         -o end           --offset end         (the default)
  -o 42          -o 42            --offset 42
  -o -5          -o -5            --offset -5          (of each partition)
                 -o +5            --offset +5
  -o s@<ms>      -o @<t>          --offset @<t>        (or --since <t>)
  -o e@<ms>      -o @<t1>:<t2>    --until <t2>         (--since <t1> too)
  -e             -o <from>:end    --exit
  -p 2           -p 2,3           --partition 2,3
  -c 10          -n 10            --num 10
  -J             -f json          --json
A time <t> is a duration back from now (10m, 2h), an ISO time or epoch ms.`;

/** `doms tail`: its flags, settings, help and runner. */
export const tailCommand = defineCommand({
  name: 'tail',
  summary: 'print saga events as they arrive, or a range of them',
  description: DESCRIPTION,
  args: [{ name: '[topics...]', help: `any of ${ALL_TOPICS.join(', ')}, or a dead-letter topic: <topic>.dlq` }],
  flags: {
    offset: optionalFlag(
      '--offset <where>',
      'where each partition starts: beginning, end, an offset (42), -N (N back from the end), +N (N after the beginning), @<time>',
      parseOffset,
    ),
    fromBeginning: switchFlag('--from-beginning', 'the same as --offset beginning'),
    since: optionalFlag(
      '--since <time>',
      'start at the first event at or after this time: a duration back from now (10m, 2h), an ISO time or epoch ms',
      parseInstant,
    ),
    until: optionalFlag('--until <time>', 'stop each partition at its first event after this time (same forms as --since)', parseInstant),
    partition: optionalFlag('--partition <list>', 'only these partitions, e.g. 0 or 0,2,5', parsePartitions),
    exit: switchFlag('--exit', 'exit 0 at the end each partition had at the start, instead of waiting for more'),
    num: optionalFlag('--num <n>', 'stop after this many events', (t) => parseInteger(t, { min: 1 })),
    key: textFlag('--key <orderId>', 'only events of this order'),
    json: switchFlag('--json', 'one JSON record per line: topic, partition, offset, key, value, timestamp'),
  },
  settings: ['brokers', 'topicPrefix'],
  examples: [
    'doms tail payment.success',
    'doms tail --offset -5 --exit payment.success          # the last five events of each partition, then exit',
    'doms tail --since 10m --until 5m --json order.created  # a window in the past: exits at its end',
    'doms tail --offset @2026-01-01T12:00:00Z --partition 0,3 order.created',
    'doms tail --from-beginning --exit order.created.dlq    # every dead letter set aside from order.created',
    "doms tail --key 5b0f… --from-beginning --exit          # one order's whole story",
    'doms tail --json | jq .value.orderId',
  ],
  options: ({ args, flags: f, settings }): TailOptions => {
    const { brokers, topicPrefix } = settings;
    const topics = words(args[0]).map(tailTopicNamed);
    const starts = [f.offset !== undefined && '--offset', f.since !== undefined && '--since', f.fromBeginning && '--from-beginning'].filter(Boolean);
    if (starts.length > 1) throw new UsageError(`${starts.join(' and ')} both say where to start: give one`);
    const start: StartAt =
      f.offset ?? (f.since ? { kind: 'time', at: f.since } : f.fromBeginning || f.until ? { kind: 'beginning', plus: 0n } : { kind: 'end', minus: 0n });
    if (f.until && start.kind === 'time') {
      // Both relative to the same moment, so the check does not depend on when it runs.
      const now = Date.now();
      if (instantAt(f.until, now) < instantAt(start.at, now)) throw new UsageError(`invalid --until: it is before ${f.since ? '--since' : '--offset'}`);
    }
    return {
      brokers,
      topicPrefix,
      topics: topics.length ? topics : [...ALL_TOPICS],
      start,
      until: f.until,
      partitions: f.partition,
      exit: f.exit,
      num: f.num,
      key: f.key ? f.key.toLowerCase() : undefined,
      json: f.json,
    };
  },
  run: async (options, out) => tail(options, { out, ...(await import('../wiring/kafka-tools.ts')).tailAdapters((line) => out.note(line)) }),
});

export const tailOptions = (inv: Invocation): TailOptions => tailCommand.parse(inv);

/** A topic named on the command line; any other name is the one-line usage error listing them. */
function tailTopicNamed(name: string): TailTopic {
  if (isTopic(name) || (name.endsWith('.dlq') && isTopic(name.slice(0, -'.dlq'.length)))) return name as TailTopic;
  throw new UsageError(`unknown topic '${name}': choose from ${ALL_TOPICS.join(', ')}, or a dead-letter topic <topic>.dlq`);
}

function fullName(topic: TailTopic, prefix: string): string {
  return topic.endsWith('.dlq') ? deadLetterTopicName(topic.slice(0, -'.dlq'.length) as Topic, prefix) : topicName(topic as Topic, prefix);
}

/**
 * `doms tail`: prints the events of each partition's range (see tail-range.ts) until --num of them
 * were printed, every partition reached its end, or the user interrupts.
 */
export async function tail(options: TailOptions, deps: TailDeps): Promise<number> {
  const { out } = deps;
  const { brokers } = options;
  const topics = options.topics.map((t) => fullName(t, options.topicPrefix));
  const existing = new Set(await deps.existingTopics(brokers));
  const missing = topics.filter((t) => !existing.has(t));
  if (missing.length) throw new UsageError(`topic ${missing.join(', ')} does not exist yet: start a worker (doms run …) to create the saga's topics`);

  const now = deps.now();
  const from = options.start.kind === 'time' ? instantAt(options.start.at, now) : undefined;
  const until = options.until && instantAt(options.until, now);
  // An --until still to come has no offset yet: its partitions end when it comes (or at an event after it).
  const untilPassed = until !== undefined && until + UNTIL_GRACE_MS <= now;
  const offsets = await deps.offsets(brokers, topics, { ...(from !== undefined && { from }), ...(untilPassed && { until }) });
  const chosen = choosePartitions(offsets, options.partitions, options.topicPrefix);
  const range = new TailRange(
    chosen.map((p) => planRange(p, { start: options.start, exit: options.exit })),
    until,
  );
  if (range.done) return 0;

  const limit = options.num ?? Infinity;
  let seen = 0;
  const stop = new AbortController();
  const stopListening = deps.onInterrupt(() => stop.abort());
  let failure: { error: unknown } | undefined;
  const ending =
    until !== undefined && !untilPassed
      ? endAtUntil(until, topics, range, deps, brokers, stop.signal)
          .then(() => range.done && stop.abort())
          .catch((error: unknown) => {
            failure = { error };
            stop.abort();
          })
      : undefined;
  try {
    await deps.consume(
      brokers,
      range.pending().map((r) => ({ topic: r.topic, partition: r.partition, offset: String(r.start) })),
      {
        signal: stop.signal,
        onMessage: (message) => {
          if (seen >= limit || !range.accepts(message)) return;
          if (options.key && message.key !== options.key) return;
          seen++;
          out.line(tailLine(message, options.topicPrefix, options.json));
          if (seen >= limit) stop.abort();
        },
        onReached: (topic, partition, next) => {
          range.reached(topic, partition, BigInt(next));
          if (range.done) stop.abort();
        },
      },
    );
  } finally {
    stop.abort();
    stopListening();
  }
  await ending;
  if (failure) throw failure.error;
  return 0;
}

/** --partition: the chosen partitions of each topic; one a topic lacks is a usage error naming the flag. */
function choosePartitions(offsets: PartitionOffsets[], wanted: number[] | undefined, prefix: string): PartitionOffsets[] {
  if (!wanted) return offsets;
  for (const topic of new Set(offsets.map((p) => p.topic))) {
    const has = offsets.filter((p) => p.topic === topic).map((p) => p.partition);
    const lacking = wanted.filter((p) => !has.includes(p));
    if (lacking.length)
      throw new UsageError(
        `invalid --partition: ${bareName(topic, prefix)} has no partition ${lacking.join(', ')} (it has ${Math.min(...has)}–${Math.max(...has)})`,
      );
  }
  return offsets.filter((p) => wanted.includes(p.partition));
}

/** When an --until still to come has passed (and a moment for events in flight), ends every partition at its first offset after it. */
async function endAtUntil(until: number, topics: string[], range: TailRange, deps: TailDeps, brokers: string[], signal: AbortSignal): Promise<void> {
  const at = until + UNTIL_GRACE_MS;
  while (!signal.aborted && deps.now() < at) await deps.sleep(Math.min(at - deps.now(), MAX_TIMER_MS), signal);
  if (signal.aborted) return;
  for (const p of await deps.offsets(brokers, topics, { until })) range.endAt(p.topic, p.partition, BigInt(p.afterUntil ?? p.high));
}
