import chalk from 'chalk';
import { defineCommand, jsonFlag, optionalFlag, topicNamed } from './command.ts';
import type { Invocation } from './invocation.ts';
import { table, type Output } from './output.ts';
import { parseInteger } from '../config/parse.ts';
import { UsageError } from '../errors.ts';
import { ALL_TOPICS, topicName, type Topic } from '../events/topics.ts';
import type { TopicDescription } from '../infra/kafka-topics.ts';

export interface TopicsOptions {
  brokers: string[];
  topicPrefix: string;
  json: boolean;
}

export interface TopicsGrowOptions extends TopicsOptions {
  /** The partitions each topic should have in total. */
  partitions: number;
  /** The event topics to grow (all six when none was named). */
  topics: Topic[];
}

/** The saga's topics on the cluster, while connected. */
export interface TopicsAdmin {
  /** Every saga topic (event and dead-letter) under the prefix, present or not. */
  describe(): Promise<TopicDescription[]>;
  /** Gives each topic `count` partitions in total. */
  addPartitions(grow: { topic: string; count: number }[]): Promise<void>;
  close(): Promise<void>;
}

export interface TopicsDeps {
  out: Output;
  /** Fails with an UnreachableError naming the setting when Kafka cannot be reached. */
  connect(brokers: string[], topicPrefix: string): Promise<TopicsAdmin>;
}

const adapters = async (out: Output) => (await import('../wiring/topics-deps.ts')).topicsAdapters((line) => out.note(line));

/** `doms topics`: the saga's topics, their partitions and replication. */
export const topicsCommand = defineCommand({
  name: 'topics',
  summary: "partitions and replication of the saga's topics",
  description:
    "List the saga's topics and their dead-letter topics: partitions, replicas per partition (replication factor), min.insync.replicas " +
    '(the replicas a write must reach) and partitions whose in-sync replicas are fewer than their replicas. Workers create missing topics ' +
    'with min(3, brokers) replicas and min.insync.replicas one less (at least 1). `doms topics grow` adds partitions.',
  flags: { json: jsonFlag('the topics') },
  settings: ['brokers', 'topicPrefix'],
  examples: ['doms topics', 'doms topics --json | jq ".[] | {topic, partitions}"', 'DOMS_TOPIC_PREFIX=blue. doms topics'],
  options: ({ flags: f, settings }): TopicsOptions => ({ brokers: settings.brokers, topicPrefix: settings.topicPrefix, json: f.json }),
  run: async (options, out) => topics(options, { out, ...(await adapters(out)) }),
});

/** `doms topics grow`: partitions added, never taken away. */
export const topicsGrowCommand = defineCommand({
  name: 'topics grow',
  summary: 'add partitions to the saga topics',
  description:
    'Give the saga topics (all six, or those of --topic) --partitions partitions each, so that more instances of a service share the work ' +
    '(a consumer group uses at most one instance per partition). Only adds: a topic that has more partitions is exit 2, one at --partitions ' +
    'already is left as it is. Running workers take up the new partitions within 30 s, without a restart.\n\n' +
    "Adding partitions moves keys: the partition of an order id is its hash modulo the partition count, so an order's later events may go to " +
    'another partition than its earlier ones. The saga does not rely on that order: each topic carries one event per order (a duplicate at ' +
    'most, which every handler absorbs), events of one order on different topics were never ordered, and every step follows from the one ' +
    'before it (payment reads inventory.reserved, which inventory publishes only after reserving; a release or sale settles a reservation ' +
    'that exists). Order state lives in Redis and PostgreSQL, keyed by order id, not in partitions. So no drain is needed.',
  flags: {
    partitions: optionalFlag('--partitions <n>', 'the partitions each topic should have in total', (t) => parseInteger(t, { min: 1, max: 1000 }), {
      required: true,
    }),
    topic: optionalFlag('--topic <topics>', `only these topics, comma-separated (default: all of ${ALL_TOPICS.join(', ')})`, (t) =>
      t.split(',').map((name) => topicNamed(name.trim())),
    ),
    json: jsonFlag('what changed'),
  },
  settings: ['brokers', 'topicPrefix'],
  examples: [
    'doms topics grow --partitions 12',
    'doms topics grow --partitions 12 --topic order.created,inventory.reserved',
    'doms topics grow --partitions 12 --json',
  ],
  options: ({ flags: f, settings }): TopicsGrowOptions => {
    const partitions = f.partitions;
    if (partitions === undefined) throw new UsageError('--partitions is required, e.g. doms topics grow --partitions 12');
    return { brokers: settings.brokers, topicPrefix: settings.topicPrefix, json: f.json, partitions, topics: [...new Set(f.topic ?? ALL_TOPICS)] };
  },
  run: async (options, out) => topicsGrow(options, { out, ...(await adapters(out)) }),
});

export const topicsOptions = (inv: Invocation): TopicsOptions => topicsCommand.parse(inv);
export const topicsGrowOptions = (inv: Invocation): TopicsGrowOptions => topicsGrowCommand.parse(inv);

/** `doms topics`: one row per saga topic; 0. */
export async function topics(options: TopicsOptions, { out, connect }: TopicsDeps): Promise<number> {
  const admin = await connect(options.brokers, options.topicPrefix);
  try {
    const described = await admin.describe();
    if (options.json) out.json(described);
    else printTopics(out, described);
    return 0;
  } finally {
    await admin.close();
  }
}

const HEAD = ['topic', 'partitions', 'replicas', 'min.insync', 'under-replicated'];

function printTopics(out: Output, described: TopicDescription[]): void {
  const rows = described.map((t) =>
    t.exists ? [t.topic, t.partitions, t.replicationFactor, t.minInsyncReplicas ?? '?', t.underReplicated] : [t.topic, 'missing', '-', '-', '-'],
  );
  if (out.interactive)
    out.line(
      table(
        HEAD,
        rows.map((r, i) => (described[i]!.underReplicated > 0 ? r.map((c) => chalk.red(String(c))) : r)),
      ),
    );
  else {
    // Piped: plain columns, one line per topic, for grep and awk.
    const widths = HEAD.map((h, c) => Math.max(h.length, ...rows.map((r) => String(r[c]).length)));
    for (const r of [HEAD, ...rows])
      out.line(
        r
          .map((cell, c) => String(cell).padEnd(widths[c]!))
          .join('  ')
          .trimEnd(),
      );
  }
  const missing = described.filter((t) => !t.exists).length;
  if (missing > 0) out.note(`${missing} of the saga's topics are missing: a worker (doms run) creates them at its start`);
}

/** What `grow` does to each topic. */
export interface GrowPlan {
  partitions: number;
  changed: { topic: string; from: number; to: number }[];
  unchanged: string[];
}

/**
 * Which topics to grow to `partitions`, checked whole before anything changes: a topic that is missing,
 * or has more partitions than asked (Kafka never removes one), is the one-line usage error.
 */
export function planGrow(described: readonly TopicDescription[], names: readonly string[], partitions: number): GrowPlan {
  const chosen = names.map((name) => described.find((d) => d.topic === name) ?? ({ topic: name, exists: false } as TopicDescription));
  const missing = chosen.find((t) => !t.exists);
  if (missing) throw new UsageError(`topic ${missing.topic} does not exist: a worker (doms run) creates the saga's topics at its start`);
  const larger = chosen.filter((t) => t.partitions > partitions);
  if (larger.length > 0)
    throw new UsageError(
      `cannot shrink topic ${larger[0]!.topic}: it has ${larger[0]!.partitions} partitions, more than --partitions ${partitions}` +
        `${larger.length > 1 ? ` (and ${larger.length - 1} more topics)` : ''}; Kafka never removes partitions`,
    );
  return {
    partitions,
    changed: chosen.filter((t) => t.partitions < partitions).map((t) => ({ topic: t.topic, from: t.partitions, to: partitions })),
    unchanged: chosen.filter((t) => t.partitions === partitions).map((t) => t.topic),
  };
}

/** `doms topics grow`: 0 when every topic has the partitions asked for (also when none changed); 2 for a shrink or a missing topic. */
export async function topicsGrow(options: TopicsGrowOptions, { out, connect }: TopicsDeps): Promise<number> {
  const admin = await connect(options.brokers, options.topicPrefix);
  try {
    const plan = planGrow(
      await admin.describe(),
      options.topics.map((t) => topicName(t, options.topicPrefix)),
      options.partitions,
    );
    if (plan.changed.length > 0) await admin.addPartitions(plan.changed.map((c) => ({ topic: c.topic, count: c.to })));
    if (options.json) out.json(plan);
    else {
      for (const c of plan.changed) out.line(`${c.topic}: ${c.from} → ${c.to} partitions`);
      for (const t of plan.unchanged) out.line(`${t}: already ${plan.partitions} partitions`);
    }
    return 0;
  } finally {
    await admin.close();
  }
}
