import { randomUUID } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { serializeEvent } from '../../../src/events/events.ts';
import { Topics } from '../../../src/events/topics.ts';
import { silentLogger } from '../../../src/infra/log.ts';
import { MemoryBus, type StoredMessage } from '../../../src/infra/memory-bus.ts';
import { processChunks } from '../../../src/runtime/consumer.ts';
import { DlqHeaders } from '../../../src/events/headers.ts';
import type { Delivered } from '../../../src/runtime/handler.ts';
import { sagaEvents } from '../../helpers/saga-events.ts';

/** Reading a value that holds this throws, as a `type` nested 20,000 deep once did (a stack overflow). */
const UNREADABLE = 'unreadable';

vi.mock('../../../src/events/events.ts', async (original) => {
  const real = await original<typeof import('../../../src/events/events.ts')>();
  return {
    ...real,
    parseEvent: (topic: Parameters<typeof real.parseEvent>[0], value: Buffer | string | null) => {
      if (value?.toString().includes(UNREADABLE)) throw new RangeError('Maximum call stack size exceeded');
      return real.parseEvent(topic, value);
    },
  };
});

describe('a message that makes reading it throw', () => {
  it('goes to <topic>.dlq with the error, rather than being retried for ever as if the infrastructure were away', async () => {
    const bus = new MemoryBus(silentLogger);
    const handled: Delivered[] = [];
    const good = randomUUID();
    const message = (offset: number, value: string) => ({ offset: String(offset), key: null, value: Buffer.from(value), timestamp: '1700000000000' });
    await processChunks(
      {
        name: 'inventory',
        topics: [Topics.OrderCreated],
        pace: 'step',
        handle: async (chunk) => {
          handled.push(...chunk);
          return [];
        },
      },
      bus,
      silentLogger,
      [
        {
          topic: Topics.OrderCreated,
          partition: 1,
          messages: [message(3, `{"type":"${UNREADABLE}"}`), message(4, serializeEvent(sagaEvents.created(good, { [randomUUID()]: 1 })))],
        },
      ],
    );
    expect(handled.map((d) => d.event.orderId)).toEqual([good]);
    const dead = bus.messages(`${Topics.OrderCreated}.dlq`) as StoredMessage[];
    expect(dead.map((m) => [m.headers[DlqHeaders.Offset], m.headers[DlqHeaders.Error]])).toEqual([
      ['3', 'value could not be read: Maximum call stack size exceeded'],
    ]);
  });
});
