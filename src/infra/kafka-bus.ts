import type { Consumer, EachBatchPayload, Kafka, Producer } from 'kafkajs';
import { SETTINGS } from '../config/settings.ts';
import { errorMessage } from '../errors.ts';
import { CHUNK, groupIdFor, type Bus, type OutgoingMessage, type RunningConsumer, type Subscription } from './bus.ts';
import { groupBy } from './concurrency.ts';
import { GroupCommit } from './group-commit.ts';
import type { Logger } from './log.ts';

/** How consumers fetch and commit; each value and its reason live in the settings table (src/config/settings.ts). */
export interface ConsumerTuning {
  fetchMaxWaitMs: number;
  fetchMinBytes: number;
  commitIntervalMs: number;
}

const setting = <K extends 'fetchMinBytes' | 'fetchMaxWait' | 'commitInterval'>(name: K) => SETTINGS[name].parse(SETTINGS[name].default);
export const DEFAULT_TUNING: ConsumerTuning = { fetchMinBytes: setting('fetchMinBytes'), fetchMaxWaitMs: setting('fetchMaxWait'), commitIntervalMs: setting('commitInterval') };

/** Produce requests combined into one at most (each is one chunk's output). */
const MAX_SENDS_PER_REQUEST = 64;

/** The saga's bus on Apache Kafka: one client and one idempotent producer per process. */
export class KafkaBus implements Bus {
  /** Sends from chunks handled side by side go out as one produce request (see GroupCommit). */
  private readonly sends: GroupCommit<readonly OutgoingMessage[], void>;

  constructor(
    private readonly kafka: Kafka,
    private readonly producer: Producer,
    readonly prefix: string,
    readonly logger: Logger,
    private readonly tuning: ConsumerTuning = DEFAULT_TUNING,
  ) {
    this.sends = new GroupCommit({
      maxBatch: MAX_SENDS_PER_REQUEST,
      flush: async (batches) => {
        await this.write(batches.flat());
        return batches.map(() => ({ ok: true as const, value: undefined }));
      },
    });
  }

  send(messages: readonly OutgoingMessage[]): Promise<void> {
    return messages.length === 0 ? Promise.resolve() : this.sends.submit(messages);
  }

  private async write(messages: readonly OutgoingMessage[]): Promise<void> {
    await this.producer.sendBatch({
      acks: -1,
      topicMessages: groupBy(messages, (m) => m.topic).map((group) => ({
        topic: this.prefix + group[0]!.topic,
        messages: group.map((m) => ({ key: m.key, value: m.value, headers: m.headers })),
      })),
    });
  }

  /**
   * Consumes with at-least-once semantics: a chunk's effects run and its outgoing events are
   * acknowledged by the broker before its offset is resolved. Resolved offsets are committed every
   * `commitIntervalMs` (and on stop or rebalance): a crash redoes at most that much, which the
   * idempotent handlers absorb, while a commit per chunk would cost a request each.
   */
  async subscribe(subscription: Subscription): Promise<RunningConsumer> {
    const log = this.logger.child(subscription.group);
    const groupId = groupIdFor(subscription.group, this.prefix);
    const consumer: Consumer = this.kafka.consumer({
      groupId,
      // A worker killed without leaving its group stalls its partitions until the session times out:
      // keep that short. Heartbeats also go out between chunks and between retries of a chunk.
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      maxWaitTimeInMs: this.tuning.fetchMaxWaitMs,
      minBytes: this.tuning.fetchMinBytes,
      allowAutoTopicCreation: false,
    });

    let rejectCrash: (e: Error) => void = () => {};
    const crashed = new Promise<never>((_, reject) => (rejectCrash = reject));
    crashed.catch(() => {});
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) rejectCrash(new Error(`${subscription.group} consumer stopped: ${errorMessage(payload.error)}`));
    });

    await consumer.connect();
    await consumer.subscribe({ topics: subscription.topics.map((t) => this.prefix + t), fromBeginning: true });
    await consumer.run({
      eachBatchAutoResolve: false,
      autoCommitInterval: this.tuning.commitIntervalMs,
      partitionsConsumedConcurrently: 8,
      eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }: EachBatchPayload) => {
        if (!batch.topic.startsWith(this.prefix)) return;
        const topic = batch.topic.slice(this.prefix.length);
        const owned = () => isRunning() && !isStale();
        for (let i = 0; i < batch.messages.length; i += CHUNK) {
          if (!owned()) return;
          const messages = batch.messages.slice(i, i + CHUNK).map((m) => ({ offset: m.offset, key: m.key, value: m.value, timestamp: new Date(Number(m.timestamp)).toISOString() }));
          await subscription.onChunk({ topic, partition: batch.partition, messages, owned, heartbeat });
          resolveOffset(messages[messages.length - 1]!.offset);
          await heartbeat();
          await commitOffsetsIfNecessary();
        }
      },
    });
    log.info('consuming', { group: groupId, topics: subscription.topics.join(',') });
    return { crashed, stop: () => consumer.disconnect() };
  }
}
