import type { Consumer, EachBatchPayload, Kafka, Producer } from 'kafkajs';
import { errorMessage } from '../errors.ts';
import { stripPrefix, topicName } from '../events/topics.ts';
import { groupBy } from './concurrency.ts';
import { CHUNK, groupIdFor, processChunk, withRetry, type Bus, type ConsumerSpec, type OutgoingMessage, type RunningConsumer } from './bus.ts';
import type { Logger } from './log.ts';

/** The saga's bus on Apache Kafka: one client and one idempotent producer per process. */
export class KafkaBus implements Bus {
  constructor(
    private readonly kafka: Kafka,
    private readonly producer: Producer,
    readonly prefix: string,
    readonly logger: Logger,
  ) {}

  async send(messages: readonly OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.producer.sendBatch({
      acks: -1,
      topicMessages: groupBy(messages, (m) => m.topic).map((group) => ({
        topic: group[0]!.topic,
        messages: group.map((m) => ({ key: m.key, value: m.value, headers: m.headers })),
      })),
    });
  }

  /**
   * Consumes with at-least-once semantics: a chunk's effects run, its outgoing events are acknowledged
   * by the broker, and only then is its last offset resolved and committed.
   */
  async startConsumer(spec: ConsumerSpec): Promise<RunningConsumer> {
    const log = this.logger.child(spec.name);
    const consumer: Consumer = this.kafka.consumer({
      groupId: groupIdFor(spec.name, this.prefix),
      // A worker killed without leaving its group stalls its partitions until the session times out:
      // keep that short. Heartbeats also go out between chunks and between retries of a chunk.
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      maxWaitTimeInMs: 200,
      allowAutoTopicCreation: false,
    });

    let rejectCrash: (e: Error) => void = () => {};
    const crashed = new Promise<never>((_, reject) => (rejectCrash = reject));
    crashed.catch(() => {});
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) rejectCrash(new Error(`${spec.name} consumer stopped: ${errorMessage(payload.error)}`));
    });

    await consumer.connect();
    await consumer.subscribe({ topics: spec.topics.map((t) => topicName(t, this.prefix)), fromBeginning: true });
    await consumer.run({
      eachBatchAutoResolve: false,
      autoCommitThreshold: 1,
      partitionsConsumedConcurrently: 8,
      eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }: EachBatchPayload) => {
        const topic = stripPrefix(batch.topic, this.prefix);
        if (!topic) return;
        for (let i = 0; i < batch.messages.length; i += CHUNK) {
          if (!isRunning() || isStale()) return;
          const chunk = batch.messages.slice(i, i + CHUNK).map((m) => ({ offset: m.offset, key: m.key, value: m.value, timestamp: new Date(Number(m.timestamp)).toISOString() }));
          await withRetry(() => processChunk(spec, this, log, topic, batch.partition, chunk), log, () => isRunning() && !isStale(), heartbeat);
          resolveOffset(chunk[chunk.length - 1]!.offset);
          await heartbeat();
          await commitOffsetsIfNecessary();
        }
      },
    });
    log.info('consuming', { group: groupIdFor(spec.name, this.prefix), topics: spec.topics.join(',') });
    return { crashed, stop: () => consumer.disconnect() };
  }
}
