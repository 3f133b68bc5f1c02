import { CHUNK, groupIdFor, type Bus, type Delivery, type OutgoingMessage, type RawMessage, type RunningConsumer, type Subscription } from './bus.ts';
import type { Logger } from './log.ts';

/** A message as the bus keeps it, headers included. */
export interface StoredMessage extends RawMessage {
  headers: Record<string, string>;
}

/** FNV-1a: a stable hash, so a key always lands in the same partition. */
function hash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

const toBuffer = (v: string | Buffer | null) => (v === null ? null : Buffer.isBuffer(v) ? v : Buffer.from(v));

/**
 * An in-process event bus with the Kafka semantics the saga relies on: named topics, partitions
 * chosen by key, order kept within a partition, consumer groups each with their own committed
 * positions, and at-least-once delivery (a chunk is delivered again until its handler succeeds;
 * a group's position survives its consumer's restart). For the demo and fast tests, never `doms run`.
 */
export class MemoryBus implements Bus {
  readonly prefix = '';
  private readonly topics = new Map<string, StoredMessage[][]>();
  private readonly positions = new Map<string, Map<string, number>>();
  private readonly waiters = new Set<() => void>();
  private readonly taps = new Set<(topic: string, message: StoredMessage) => void>();

  constructor(
    readonly logger: Logger,
    private readonly partitions = 6,
  ) {}

  private log(topic: string): StoredMessage[][] {
    let partitions = this.topics.get(topic);
    if (!partitions) this.topics.set(topic, (partitions = Array.from({ length: this.partitions }, () => [])));
    return partitions;
  }

  async send(messages: readonly OutgoingMessage[]): Promise<void> {
    for (const m of messages) {
      const key = toBuffer(m.key);
      const partitions = this.log(m.topic);
      const p = key === null ? Math.floor(Math.random() * this.partitions) : hash(key.toString()) % this.partitions;
      const stored: StoredMessage = {
        offset: String(partitions[p]!.length),
        key,
        value: toBuffer(m.value),
        timestamp: new Date().toISOString(),
        headers: m.headers ?? {},
      };
      partitions[p]!.push(stored);
      for (const tap of this.taps) tap(m.topic, stored);
    }
    for (const wake of this.waiters) wake();
  }

  /** Calls back on every message written from now on (the load generator's view of outcomes). */
  tap(onMessage: (topic: string, message: RawMessage) => void): () => void {
    this.taps.add(onMessage);
    return () => this.taps.delete(onMessage);
  }

  /** Messages a group has not yet processed on the given topics. */
  lag(group: string, topics: readonly string[]): number {
    const positions = this.positions.get(group) ?? new Map<string, number>();
    let lag = 0;
    for (const topic of topics) this.log(topic).forEach((messages, p) => (lag += messages.length - (positions.get(`${topic}/${p}`) ?? 0)));
    return lag;
  }

  /** One key's messages on a topic: the partition the key hashes to, its end (next offset), and the key's messages there (`doms trace`). */
  keyed(topic: string, key: string): { partition: number; end: number; messages: StoredMessage[] } {
    const partition = hash(key) % this.partitions;
    const messages = this.topics.get(topic)?.[partition] ?? [];
    return { partition, end: messages.length, messages: messages.filter((m) => m.key?.toString() === key) };
  }

  /** Every message of a topic, for inspection. */
  messages(topic: string): StoredMessage[] {
    return this.log(topic).flat();
  }

  async subscribe(subscription: Subscription): Promise<RunningConsumer> {
    const log = this.logger.child(subscription.service ?? subscription.group);
    const group = groupIdFor(subscription.group, this.prefix);
    const positions = this.positions.get(group) ?? new Map<string, number>();
    this.positions.set(group, positions);
    let running = true;
    let wake = () => {};

    const loop = (async () => {
      while (running) {
        // Like a Kafka fetch: one chunk of every partition with messages, handled side by side.
        const fetched: { at: string; to: number; delivery: Delivery }[] = [];
        for (const topic of subscription.topics) {
          this.log(topic).forEach((messages, p) => {
            const at = `${topic}/${p}`;
            const from = positions.get(at) ?? 0;
            const chunk = messages.slice(from, from + CHUNK);
            if (chunk.length > 0)
              fetched.push({
                at,
                to: from + chunk.length,
                delivery: { topic, partition: p, messages: chunk, owned: () => running, heartbeat: async () => {} },
              });
          });
        }
        const worked = fetched.length > 0;
        await Promise.all(
          fetched.map(async ({ at, to, delivery }) => {
            try {
              await subscription.onChunk(delivery);
            } catch (e: unknown) {
              // Given up because the consumer stopped: the group's next consumer redoes the chunk.
              if (!running) return;
              throw e;
            }
            // Committed only now that the effects and outgoing events are done.
            positions.set(at, to);
          }),
        );
        if (!worked && running) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(done, 100);
            function done() {
              clearTimeout(timer);
              resolve();
            }
            wake = done;
            this.waiters.add(done);
          });
          this.waiters.delete(wake);
        }
      }
    })();
    log.info('consuming', { group, topics: subscription.topics.join(','), bus: 'embedded' });
    const crashed = loop.then(() => new Promise<never>(() => {}));
    crashed.catch(() => {});
    return {
      crashed,
      stop: async () => {
        running = false;
        wake();
        await loop;
      },
    };
  }
}
