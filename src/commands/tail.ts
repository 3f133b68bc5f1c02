import { randomUUID } from 'node:crypto';
import chalk from 'chalk';
import type { Command } from 'commander';
import { printLine, shortTime } from '../cli/output.ts';
import { readSettings } from '../cli/settings.ts';
import { parseInteger } from '../config/parse.ts';
import { UsageError, errorMessage } from '../errors.ts';
import { ALL_TOPICS, isTopic, stripPrefix, topicName } from '../events/topics.ts';
import { connectAdmin, createKafka } from '../infra/kafka.ts';
import { createLogger } from '../infra/log.ts';

const TOPIC_COLOUR: Record<string, (s: string) => string> = {
  'order.created': chalk.white,
  'inventory.reserved': chalk.blue,
  'inventory.rejected': chalk.yellow,
  'inventory.released': chalk.magenta,
  'payment.success': chalk.green,
  'payment.failed': chalk.red,
};

/** `doms tail`: prints events as they arrive; its throw-away group commits nothing. */
export async function tail(names: string[], cmd: Command): Promise<void> {
  const { brokers, topicPrefix } = readSettings(cmd, ['brokers', 'topicPrefix']);
  const opts = cmd.opts<{ fromBeginning?: boolean; num?: string; key?: string; json?: boolean }>();
  let limit = Infinity;
  if (opts.num !== undefined) {
    try {
      limit = parseInteger(opts.num, { min: 1 });
    } catch (e: unknown) {
      throw new UsageError(`invalid --num: ${errorMessage(e)}`);
    }
  }
  for (const name of names) if (!isTopic(name)) throw new UsageError(`unknown topic '${name}': choose from ${ALL_TOPICS.join(', ')}`);
  const topics = (names.length ? names : ALL_TOPICS).map((t) => topicName(t as (typeof ALL_TOPICS)[number], topicPrefix));

  const logger = createLogger('tail', { level: 'error', write: (l) => process.stderr.write(l + '\n') });
  const kafka = createKafka({ brokers, clientId: 'doms-tail', logger });
  const admin = await connectAdmin(kafka, brokers);
  const existing = new Set(await admin.listTopics());
  await admin.disconnect();
  const missing = topics.filter((t) => !existing.has(t));
  if (missing.length) throw new UsageError(`topic ${missing.join(', ')} does not exist yet: start a worker (doms run …) to create the saga's topics`);

  const consumer = kafka.consumer({ groupId: `doms-tail-${randomUUID()}`, maxWaitTimeInMs: 100, allowAutoTopicCreation: false });
  let seen = 0;
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const onSignal = () => finish();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: Boolean(opts.fromBeginning) });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        if (seen >= limit) return;
        const key = message.key?.toString() ?? null;
        if (opts.key && key !== opts.key.toLowerCase()) return;
        seen++;
        const text = message.value?.toString('utf8') ?? null;
        const bare = stripPrefix(topic, topicPrefix) ?? topic;
        if (opts.json) {
          let value: unknown = text;
          try {
            value = text === null ? null : JSON.parse(text);
          } catch {
            // Not JSON: keep the raw text, so even a poison message can be inspected.
          }
          printLine(
            JSON.stringify({
              topic: bare,
              partition,
              offset: Number(message.offset),
              key,
              value,
              timestamp: new Date(Number(message.timestamp)).toISOString(),
            }),
          );
        } else {
          const colour = TOPIC_COLOUR[bare] ?? chalk.white;
          printLine(
            `${chalk.gray(shortTime(new Date(Number(message.timestamp))))} ${colour(bare.padEnd(18))} ${chalk.gray(`[${partition}]@${message.offset}`)} ${chalk.cyan(key ?? '-')} ${compact(text)}`,
          );
        }
        if (seen >= limit) finish();
      },
    });
    await finished;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await consumer.disconnect();
  }
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
