import type { Consumer, ConsumerRunConfig, EachBatchPayload, Kafka, Producer, TopicPartitionOffset } from 'kafkajs';
import { SETTINGS } from '../config/settings.ts';
import { errorMessage } from '../errors.ts';
import { CHUNK, groupIdFor, type Bus, type OutgoingMessage, type RunningConsumer, type Subscription } from './bus.ts';
import { groupBy, sleep } from './concurrency.ts';
import { FetchPace } from './fetch-pace.ts';
import { GroupCommit } from './group-commit.ts';
import { recordTime } from './kafka-time.ts';
import { isBrokerAway } from './kafka.ts';
import { METADATA_MAX_AGE_MS } from './kafka-topics.ts';
import { groupSessionTimeout, heartbeatIntervalFor } from './kafka-session.ts';
import { takeOverOffsets } from './kafka-group-takeover.ts';
import type { Logger } from './log.ts';
import { metrics } from './metrics.ts';

/** How consumers fetch and commit; each value and its reason live in the settings table (src/config/settings.ts). */
export interface ConsumerTuning {
  fetchMaxWaitMs: number;
  fetchMinBytes: number;
  /** Least time from one fetch's answer to the next fetch while messages keep coming (0: at once). */
  fetchLingerMs: number;
  /** The same for consumers whose output the saga does not wait for (Pace `record`). */
  recordLingerMs: number;
  commitIntervalMs: number;
  /** Asked for; the broker's minimum wins if higher (see groupSessionTimeout). */
  sessionTimeoutMs: number;
}

const setting = <K extends 'fetchMinBytes' | 'fetchMaxWait' | 'fetchLinger' | 'recordLinger' | 'commitInterval' | 'sessionTimeout'>(name: K) =>
  SETTINGS[name].parse(SETTINGS[name].default);
const DEFAULT_TUNING: ConsumerTuning = {
  fetchMinBytes: setting('fetchMinBytes'),
  fetchMaxWaitMs: setting('fetchMaxWait'),
  fetchLingerMs: setting('fetchLinger'),
  recordLingerMs: setting('recordLinger'),
  commitIntervalMs: setting('commitInterval'),
  sessionTimeoutMs: setting('sessionTimeout'),
};

/**
 * Partitions of one fetch handled side by side, at most: more than a consumer holds, so a fetch's chunks
 * all go to its handler together (one call, one round trip, one produce) and a paced consumer lingers
 * once per fetch. kafkajs handles the rest of a fetch after these, in waves, each wave lingering again.
 */
const PARTITIONS_AT_ONCE = 256;

/** Produce requests combined into one at most (each is one chunk's output). */
const MAX_SENDS_PER_REQUEST = 64;

/** The saga's bus on Apache Kafka: one client and one producer per process (not idempotent: see createProducer in kafka.ts). */
export class KafkaBus implements Bus {
  /** Sends from chunks handled side by side go out as one produce request (see GroupCommit). */
  private readonly sends: GroupCommit<readonly OutgoingMessage[], void>;
  /** The session timeout this process's consumers use, once the broker has said what it allows. */
  private session: Promise<number> | undefined;

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
   * acknowledged by the broker before its offset counts as done. Done offsets are committed every
   * `commitIntervalMs` and on stop, not per chunk (kafkajs's auto-commit sends a request after every
   * batch): a crash or a rebalance redoes at most that much, which the idempotent handlers absorb.
   */
  async subscribe(subscription: Subscription): Promise<RunningConsumer> {
    // The group is named after its service: the consumer's lines (joins, rebalances, commits) carry it.
    const service = subscription.service ?? subscription.group;
    const log = this.logger.child(service, { service });
    const groupId = groupIdFor(subscription.group, this.prefix);
    const topics = subscription.topics.map((t) => this.prefix + t);
    if (subscription.takesOverFrom !== undefined) await takeOverOffsets(this.kafka, groupId, groupIdFor(subscription.takesOverFrom, this.prefix), topics, log);
    const lingerMs = subscription.pace === 'record' ? this.tuning.recordLingerMs : this.tuning.fetchLingerMs;
    const pace = new FetchPace(lingerMs, lingerMs + this.tuning.fetchMaxWaitMs);
    const sessionTimeout = await (this.session ??= groupSessionTimeout(this.kafka, this.tuning.sessionTimeoutMs, this.logger));
    const consumer: Consumer = this.kafka.consumer({
      groupId,
      // A worker killed without leaving its group stalls its partitions until the session times out:
      // keep that short. Heartbeats also go out between chunks and between retries of a chunk.
      sessionTimeout,
      heartbeatInterval: heartbeatIntervalFor(sessionTimeout),
      maxWaitTimeInMs: this.tuning.fetchMaxWaitMs,
      minBytes: this.tuning.fetchMinBytes,
      allowAutoTopicCreation: false,
      metadataMaxAge: METADATA_MAX_AGE_MS,
    });

    let rejectCrash: (e: Error) => void = () => {};
    const crashed = new Promise<never>((_, reject) => (rejectCrash = reject));
    crashed.catch(() => {});
    let stopping = false;
    // Set once the consumer runs: how to run it again after a crash kafkajs does not restart itself.
    let runAgain: (() => Promise<void>) | undefined;
    let rejoinWaitMs = 0;
    let rejoining: NodeJS.Timeout | undefined;
    // The brokers were away (an outage, every node restarting): wait for them, as the producer and the
    // outbox do, rather than exit. kafkajs has already left the group and disconnected by then.
    const rejoinLater = (error: unknown) => {
      rejoinWaitMs = Math.min(Math.max(rejoinWaitMs * 2, 500), 5000);
      log.warn('consumer lost the brokers; rejoining its group when they answer', { inMs: rejoinWaitMs, error: errorMessage(error) });
      clearTimeout(rejoining);
      rejoining = setTimeout(() => {
        if (!stopping)
          void runAgain!().catch((e: unknown) =>
            isBrokerAway(e) ? rejoinLater(e) : rejectCrash(new Error(`${subscription.group} consumer could not rejoin: ${errorMessage(e)}`)),
          );
      }, rejoinWaitMs);
    };
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart || stopping) return;
      if (runAgain && isBrokerAway(payload.error)) rejoinLater(payload.error);
      else rejectCrash(new Error(`${subscription.group} consumer stopped: ${errorMessage(payload.error)}`));
    });

    const done = new DoneOffsets();
    const commit = async () => {
      const offsets = done.take();
      if (offsets.length === 0) return;
      try {
        // The commit's time rides along as its metadata: `doms status` shows how long ago a group last committed.
        const at = String(Date.now());
        await consumer.commitOffsets(offsets.map((o) => ({ ...o, metadata: at })));
      } catch (e: unknown) {
        // Rebalancing or the broker away: keep them for the next round (a newer offset replaces them).
        done.putBack(offsets);
        log.debug('offset commit deferred', { error: errorMessage(e) });
      }
    };
    // After a rebalance, offsets of partitions now owned by another member are not ours to commit.
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      rejoinWaitMs = 0;
      done.keepOnly(payload.memberAssignment);
      // A member beyond the partition count gets nothing and would idle unnoticed: say so.
      const owned = Object.values(payload.memberAssignment).reduce((n, partitions) => n + partitions.length, 0);
      if (owned === 0)
        log.warn('this instance was given no partitions: its group has more members than the topics have partitions; it stands by until one leaves', {
          group: subscription.group,
          hint: 'doms topics grow --partitions <n> adds partitions',
        });
    });
    const committer = setInterval(() => void commit(), this.tuning.commitIntervalMs);
    const inFlight = new Set<Promise<void>>();

    await consumer.connect();
    await subscribeWhenKnown(consumer, topics);
    const runConfig: ConsumerRunConfig = {
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: PARTITIONS_AT_ONCE,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload) => {
        if (!batch.topic.startsWith(this.prefix)) return;
        const fetchAgainAt = pace.arrived(performance.now());
        const topic = batch.topic.slice(this.prefix.length);
        metrics.consumerLag.set({ group: groupId, topic, partition: String(batch.partition) }, Number(batch.offsetLag()));
        const owned = () => !stopping && isRunning() && !isStale();
        const work = (async () => {
          for (let i = 0; i < batch.messages.length; i += CHUNK) {
            if (!owned()) return;
            const messages = batch.messages
              .slice(i, i + CHUNK)
              .map((m) => ({ offset: m.offset, key: m.key, value: m.value, timestamp: recordTime(m.timestamp), headers: m.headers }));
            await subscription.onChunk({ topic, partition: batch.partition, messages, owned, heartbeat });
            const last = messages[messages.length - 1]!.offset;
            // Resolving moves kafkajs's fetch position (it commits nothing with autoCommit off).
            resolveOffset(last);
            done.mark(batch.topic, batch.partition, last);
            await heartbeat();
          }
        })();
        inFlight.add(work);
        try {
          await work;
        } finally {
          inFlight.delete(work);
        }
        // kafkajs fetches again once every batch of this fetch returns: holding the last one back a few
        // milliseconds lets the next fetch bring several messages instead of one, so a busy consumer
        // makes fewer fetches (each a write that wakes the broker) and fewer handler calls. An idle one
        // never waits (see FetchPace): the next message finds a fetch already parked on the broker.
        const linger = fetchAgainAt - performance.now();
        if (linger >= 1 && owned()) await sleep(linger);
      },
    };
    await consumer.run(runConfig);
    runAgain = async () => {
      await consumer.connect();
      await consumer.run(runConfig);
    };
    log.info('consuming', { group: groupId, topics: subscription.topics.join(',') });
    return {
      crashed,
      stop: async () => {
        // Finish the chunks under way, commit what is done while still a member, then leave.
        stopping = true;
        clearInterval(committer);
        clearTimeout(rejoining);
        await Promise.allSettled([...inFlight]);
        await commit();
        await consumer.disconnect();
      },
    };
  }
}

/**
 * Subscribes, waiting out topics that every broker does not know yet: just after they were created on
 * a cluster, a broker the metadata has not reached answers "does not host this topic-partition", which
 * kafkajs's subscribe does not retry (a worker started beside a fresh cluster exited on it).
 */
async function subscribeWhenKnown(consumer: Consumer, topics: string[]): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await consumer.subscribe({ topics, fromBeginning: true });
      return;
    } catch (e: unknown) {
      if (attempt >= 20 || (e as { retriable?: boolean }).retriable !== true) throw e;
      await sleep(Math.min(100 * attempt, 1000));
    }
  }
}

/** Per partition, the offset to commit next: one past the last message whose effects are done. */
class DoneOffsets {
  private readonly next = new Map<string, TopicPartitionOffset>();

  mark(topic: string, partition: number, lastOffset: string): void {
    this.next.set(`${topic}/${partition}`, { topic, partition, offset: (BigInt(lastOffset) + 1n).toString() });
  }

  take(): TopicPartitionOffset[] {
    const all = [...this.next.values()];
    this.next.clear();
    return all;
  }

  keepOnly(assignment: Record<string, number[]>): void {
    for (const [key, o] of this.next) if (!assignment[o.topic]?.includes(o.partition)) this.next.delete(key);
  }

  putBack(offsets: readonly TopicPartitionOffset[]): void {
    for (const o of offsets) {
      const key = `${o.topic}/${o.partition}`;
      if (!this.next.has(key)) this.next.set(key, o);
    }
  }
}
