import type { Invocation } from '../cli/invocation.ts';
import { table, type Output } from '../cli/output.ts';
import { UsageError } from '../errors.ts';
import { ALL_TOPICS, deadLetterTopicName, isTopic, type Topic } from '../events/topics.ts';
import type { DeadLetterView } from '../runtime/dead-letter.ts';

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

export function dlqOptions(inv: Invocation): DlqOptions {
  const { brokers, topicPrefix } = inv.settings(['brokers', 'topicPrefix']);
  const f = inv.flags as { replay?: boolean; json?: boolean };
  const names = (inv.args[0] as string[] | undefined) ?? [];
  for (const name of names) if (!isTopic(name)) throw new UsageError(`unknown topic '${name}': choose from ${ALL_TOPICS.join(', ')}`);
  if (f.replay && names.length === 0) throw new UsageError('--replay needs the topic(s) to replay, e.g. doms dlq order.created --replay');
  return { brokers, topicPrefix, topics: names.length ? (names as Topic[]) : [...ALL_TOPICS], replay: Boolean(f.replay), json: Boolean(f.json) };
}

/** `doms dlq [topic …] [--replay]`: what the workers set aside, and a way to send it back. */
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
