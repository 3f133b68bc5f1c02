import { defineCommand, jsonFlag, switchFlag, topicNamed, words } from './command.ts';
import type { Invocation } from './invocation.ts';
import { table, type Output } from './output.ts';
import { UsageError } from '../errors.ts';
import { ALL_TOPICS, deadLetterTopicName, type Topic } from '../events/topics.ts';
import type { DeadLetterView } from '../infra/kafka-dead-letters.ts';

export interface DlqOptions {
  brokers: string[];
  topicPrefix: string;
  /** Source topics whose dead letters to show or replay (all saga topics when none was named). */
  topics: Topic[];
  replay: boolean;
  json: boolean;
}

/** The dead-letter topics of one saga (one topic prefix), while connected. */
export interface DeadLetterStore {
  /** The full names of the topics on the cluster. */
  listTopics(): Promise<string[]>;
  /** The dead letters set aside from `topic`, oldest first. */
  list(topic: Topic): Promise<DeadLetterView[]>;
  /** Re-publishes the dead letters of `topic` not yet replayed to `topic`; returns how many. */
  replay(topic: Topic): Promise<number>;
  close(): Promise<void>;
}

/** What `doms dlq` needs: somewhere to print and the dead-letter topics. */
export interface DlqDeps {
  out: Output;
  /** Fails with an UnreachableError naming the setting when Kafka cannot be reached. */
  connect(brokers: string[], topicPrefix: string): Promise<DeadLetterStore>;
}

/** `doms dlq`: its flags, settings, help and runner. */
export const dlqCommand = defineCommand({
  name: 'dlq',
  summary: 'list or replay dead letters',
  description: 'List the messages workers set aside as unprocessable (dead letters), or re-publish them.',
  args: [{ name: '[topics...]', help: `source topics whose dead letters to show (default: all of ${ALL_TOPICS.join(', ')})` }],
  flags: {
    replay: switchFlag('--replay', 're-publish the dead letters not yet replayed to their original topic'),
    json: jsonFlag('the dead letters'),
  },
  settings: ['brokers', 'topicPrefix'],
  examples: ['doms dlq', 'doms dlq order.created --json', 'doms dlq order.created --replay'],
  options: ({ args, flags: f, settings }): DlqOptions => {
    const { brokers, topicPrefix } = settings;
    const topics = words(args[0]).map(topicNamed);
    if (f.replay && topics.length === 0) throw new UsageError('--replay needs the topic(s) to replay, e.g. doms dlq order.created --replay');
    return { brokers, topicPrefix, topics: topics.length ? topics : [...ALL_TOPICS], replay: f.replay, json: f.json };
  },
  run: async (options, out) => dlq(options, { out, ...(await import('../wiring/kafka-tools.ts')).dlqAdapters((line) => out.note(line)) }),
});

export const dlqOptions = (inv: Invocation): DlqOptions => dlqCommand.parse(inv);

export async function dlq(options: DlqOptions, { out, connect }: DlqDeps): Promise<number> {
  const store = await connect(options.brokers, options.topicPrefix);
  try {
    const existing = new Set(await store.listTopics());
    const present = options.topics.filter((t) => existing.has(deadLetterTopicName(t, options.topicPrefix)));
    if (options.replay) await replay(out, store, options, present);
    else await list(out, store, options, present);
    return 0;
  } finally {
    await store.close();
  }
}

async function replay(out: Output, store: DeadLetterStore, options: DlqOptions, present: Topic[]): Promise<void> {
  const counts: Record<string, number> = {};
  for (const topic of present) counts[topic] = await store.replay(topic);
  if (options.json) return out.json(counts);
  for (const topic of options.topics) out.line(`${topic}: ${counts[topic] ?? 0} dead letters re-published`);
}

async function list(out: Output, store: DeadLetterStore, options: DlqOptions, present: Topic[]): Promise<void> {
  const letters: (DeadLetterView & { topic: Topic })[] = [];
  for (const topic of present) for (const l of await store.list(topic)) letters.push({ topic, ...l });
  if (options.json) return out.json(letters);
  if (letters.length === 0) return out.line(`no dead letters on ${options.topics.join(', ')}`);
  out.line(
    table(
      ['topic', 'from', 'key', 'error', 'value', 'failed at', 'replayed'],
      letters.map((l) => [
        l.topic,
        `[${l.source.partition}]@${l.source.offset}`,
        (l.key ?? '-').slice(0, 36),
        l.error.slice(0, 60),
        l.value === null ? '(null)' : l.value.length > 40 ? `${l.value.slice(0, 40)}… (${l.value.length} bytes)` : l.value,
        l.failedAt.replace('T', ' ').slice(0, 19),
        l.replayed ? 'yes' : '',
      ]),
    ),
  );
}
