import type { Command } from 'commander';
import { printJson, printLine, table } from '../cli/output.ts';
import { readSettings } from '../cli/settings.ts';
import { UsageError } from '../errors.ts';
import { ALL_TOPICS, deadLetterTopicName, isTopic, type Topic } from '../events/topics.ts';
import { connectAdmin, createKafka, createProducer } from '../infra/kafka.ts';
import { createLogger } from '../infra/log.ts';
import { listDeadLetters, replayDeadLetters } from '../services/dlq.ts';

/** `doms dlq [topic …] [--replay]`: what the workers set aside, and a way to send it back. */
export async function dlq(names: string[], cmd: Command): Promise<void> {
  const { brokers, topicPrefix } = readSettings(cmd, ['brokers', 'topicPrefix']);
  const opts = cmd.opts<{ replay?: boolean; json?: boolean }>();
  for (const name of names) if (!isTopic(name)) throw new UsageError(`unknown topic '${name}': choose from ${ALL_TOPICS.join(', ')}`);
  const topics = (names.length ? names : ALL_TOPICS) as Topic[];
  if (opts.replay && names.length === 0) throw new UsageError('--replay needs the topic(s) to replay, e.g. doms dlq order.created --replay');

  const kafka = createKafka({ brokers, clientId: 'doms-dlq', logger: createLogger('dlq', { level: 'error', write: (l) => process.stderr.write(l + '\n') }) });
  const admin = await connectAdmin(kafka, brokers);
  const existing = new Set(await admin.listTopics());
  await admin.disconnect();
  const present = topics.filter((t) => existing.has(deadLetterTopicName(t, topicPrefix)));

  if (opts.replay) {
    const producer = createProducer(kafka);
    await producer.connect();
    try {
      const counts: Record<string, number> = {};
      for (const topic of present) counts[topic] = await replayDeadLetters(kafka, producer, topic, topicPrefix);
      if (opts.json) return printJson(counts);
      for (const topic of topics) printLine(`${topic}: ${counts[topic] ?? 0} dead letters re-published`);
    } finally {
      await producer.disconnect();
    }
    return;
  }

  const letters = [];
  for (const topic of present) for (const l of await listDeadLetters(kafka, topic, topicPrefix)) letters.push({ topic, ...l });
  if (opts.json) return printJson(letters);
  if (letters.length === 0) return printLine(`no dead letters on ${topics.join(', ')}`);
  printLine(
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
