import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { parseEvent, serializeEvent, type DomsEvent } from '../../../src/events/events.ts';
import { Topics, type Topic } from '../../../src/events/topics.ts';
import { groupIdFor, type RawMessage, type RunningConsumer } from '../../../src/infra/bus.ts';
import { silentLogger } from '../../../src/infra/log.ts';
import { MemoryBus } from '../../../src/infra/memory-bus.ts';
import { MAX_EVENT_BYTES, processChunks, startSagaConsumer } from '../../../src/runtime/consumer.ts';
import { DlqHeaders } from '../../../src/events/headers.ts';
import type { Delivered, SagaConsumerSpec } from '../../../src/runtime/handler.ts';
import { sagaEvents } from '../../helpers/saga-events.ts';
import { deferred, turns, waitFor } from '../../helpers/wait.ts';

const quick = { timeout: 4_000, interval: 5 };

/** The MemoryBus keeps each message's headers beside what RawMessage declares. */
const headersOf = (m: RawMessage) => (m as RawMessage & { headers: Record<string, string> }).headers;

const raw = (offset: number, key: string | null, value: string | Buffer | null): RawMessage => ({
  offset: String(offset),
  key: key === null ? null : Buffer.from(key),
  value: value === null ? null : Buffer.isBuffer(value) ? value : Buffer.from(value),
  timestamp: '1700000000000',
});

/** A handler that records what it was given and answers each order.created with an inventory.reserved. */
function echoSpec(name = 'inventory') {
  const calls: Delivered[][] = [];
  const spec: SagaConsumerSpec = {
    name,
    topics: [Topics.OrderCreated],
    pace: 'step',
    handle: async (chunk) => {
      calls.push([...chunk]);
      return chunk.flatMap(({ event }): DomsEvent[] =>
        event.type === Topics.OrderCreated ? [sagaEvents.reserved(event.orderId, event.items, { userId: event.userId, totalAmount: event.totalAmount })] : [],
      );
    },
  };
  return { spec, calls };
}

const orderIdsOn = (bus: MemoryBus, topic: Topic) =>
  bus.messages(topic).map((m) => {
    const parsed = parseEvent(topic, m.value);
    if (!parsed.ok) throw new Error(`unparsable message on ${topic}: ${parsed.reason}`);
    expect(m.key?.toString(), 'events are keyed by order id').toBe(parsed.event.orderId);
    return parsed.event.orderId;
  });

describe('processChunks', () => {
  it('hands valid messages to the handler and publishes its events on their topics, keyed by order id', async () => {
    const bus = new MemoryBus(silentLogger);
    const { spec, calls } = echoSpec();
    const [a, b] = [randomUUID(), randomUUID()];
    const product = randomUUID();
    const occurredAt = '2026-12-06T10:00:00.123Z';
    await processChunks(spec, bus, silentLogger, [
      {
        topic: Topics.OrderCreated,
        partition: 3,
        messages: [
          raw(7, a, serializeEvent(sagaEvents.created(a, { [product]: 2 }), new Date(occurredAt))),
          // An event time that is not a time is no reason to refuse the event: it goes on without one.
          raw(8, b, JSON.stringify({ ...sagaEvents.created(b, { [product]: 1 }), occurredAt: 'soon' })),
        ],
      },
    ]);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.map((d) => [d.event.orderId, d.meta])).toEqual([
      [a, { topic: Topics.OrderCreated, partition: 3, offset: '7', occurredAt }],
      [b, { topic: Topics.OrderCreated, partition: 3, offset: '8' }],
    ]);
    expect(calls[0]![0]!.event).toMatchObject({ type: Topics.OrderCreated, items: { [product]: 2 } });
    expect(orderIdsOn(bus, Topics.InventoryReserved).sort()).toEqual([a, b].sort());
    expect(bus.messages(`${Topics.OrderCreated}.dlq`)).toEqual([]);
  });

  it('accepts an event without `type` (the original service never sent one)', async () => {
    const bus = new MemoryBus(silentLogger);
    const { spec, calls } = echoSpec();
    const id = randomUUID();
    const { type: _type, ...untyped } = sagaEvents.created(id, { [randomUUID()]: 1 });
    await processChunks(spec, bus, silentLogger, [{ topic: Topics.OrderCreated, partition: 0, messages: [raw(0, id, JSON.stringify(untyped))] }]);
    expect(calls.flat().map((d) => d.event.orderId)).toEqual([id]);
  });

  it('sends poison to <topic>.dlq with why and where it came from, and still handles the good messages of the chunk', async () => {
    const bus = new MemoryBus(silentLogger);
    const { spec, calls } = echoSpec();
    const [good1, good2, other] = [randomUUID(), randomUUID(), randomUUID()];
    const product = randomUUID();
    const oversized = JSON.stringify({ ...sagaEvents.created(randomUUID(), { [product]: 1 }), padding: 'x'.repeat(MAX_EVENT_BYTES) });
    const poison: [number, string, string, RegExp][] = [
      [11, 'k-not-json', '{not json', /not JSON/],
      [12, 'k-wrong-type', JSON.stringify({ ...sagaEvents.created(randomUUID(), { [product]: 1 }), type: 'order.shipped' }), /type/],
      [13, 'k-no-order', JSON.stringify({ userId: randomUUID(), totalAmount: 1, items: { [product]: 1 } }), /orderId/],
      [14, 'k-oversized', oversized, /exceeds/],
    ];
    await processChunks(spec, bus, silentLogger, [
      {
        topic: Topics.OrderCreated,
        partition: 2,
        messages: [
          raw(10, good1, serializeEvent(sagaEvents.created(good1, { [product]: 1 }))),
          ...poison.map(([offset, key, value]) => raw(offset, key, value)),
          raw(15, good2, serializeEvent(sagaEvents.created(good2, { [product]: 1 }))),
        ],
      },
      { topic: Topics.OrderCreated, partition: 4, messages: [raw(0, other, serializeEvent(sagaEvents.created(other, { [product]: 1 })))] },
    ]);

    // The good messages of both partitions went to the handler in one call, each partition in offset order.
    expect(calls.map((c) => c.map((d) => d.event.orderId))).toEqual([[good1, good2, other]]);
    expect(orderIdsOn(bus, Topics.InventoryReserved).sort()).toEqual([good1, good2, other].sort());

    const dead = bus.messages(`${Topics.OrderCreated}.dlq`);
    expect(dead.map((m) => m.key?.toString()).sort()).toEqual(poison.map(([, key]) => key).sort());
    for (const [offset, key, value, reason] of poison) {
      const letter = dead.find((m) => m.key?.toString() === key)!;
      expect(letter.value?.toString(), `${key} keeps its value byte for byte`).toBe(value);
      const headers = headersOf(letter);
      expect(headers[DlqHeaders.Error], `${key}'s reason`).toMatch(reason);
      expect(headers).toMatchObject({
        [DlqHeaders.Topic]: Topics.OrderCreated,
        [DlqHeaders.Partition]: '2',
        [DlqHeaders.Offset]: String(offset),
        [DlqHeaders.Timestamp]: '1700000000000',
        [DlqHeaders.Group]: groupIdFor('inventory', ''),
      });
    }
  });

  it('dead-letters a message whose `type` names another topic', async () => {
    const bus = new MemoryBus(silentLogger);
    const { spec, calls } = echoSpec();
    const id = randomUUID();
    // A valid payment.success payload, but read from order.created.
    const value = serializeEvent({ ...sagaEvents.created(id, { [randomUUID()]: 1 }), type: Topics.PaymentSuccess } as unknown as DomsEvent);
    await processChunks(spec, bus, silentLogger, [{ topic: Topics.OrderCreated, partition: 0, messages: [raw(0, id, value)] }]);
    expect(calls).toEqual([]);
    const dead = bus.messages(`${Topics.OrderCreated}.dlq`);
    expect(dead).toHaveLength(1);
    expect(headersOf(dead[0]!)[DlqHeaders.Error]).toMatch(/type/);
  });

  it('dead-letters an empty value and a value just over 256 KiB, but takes one just under', async () => {
    const bus = new MemoryBus(silentLogger);
    const { spec, calls } = echoSpec();
    const [fits, over] = [randomUUID(), randomUUID()];
    const padded = (id: string, size: number) => {
      const base = JSON.stringify({ ...sagaEvents.created(id, { [randomUUID()]: 1 }), padding: '' });
      return base.replace('"padding":""', `"padding":"${'x'.repeat(size - base.length)}"`);
    };
    expect(Buffer.byteLength(padded(fits, MAX_EVENT_BYTES))).toBe(MAX_EVENT_BYTES);
    await processChunks(spec, bus, silentLogger, [
      {
        topic: Topics.OrderCreated,
        partition: 0,
        messages: [raw(0, fits, padded(fits, MAX_EVENT_BYTES)), raw(1, over, padded(over, MAX_EVENT_BYTES + 1)), raw(2, 'empty', null)],
      },
    ]);
    expect(calls.flat().map((d) => d.event.orderId)).toEqual([fits]);
    expect(
      bus
        .messages(`${Topics.OrderCreated}.dlq`)
        .map((m) => m.key?.toString())
        .sort(),
    ).toEqual([over, 'empty'].sort());
  });

  it('does not call the handler for a chunk of poison only, but still dead-letters it', async () => {
    const bus = new MemoryBus(silentLogger);
    const { spec, calls } = echoSpec();
    await processChunks(spec, bus, silentLogger, [{ topic: Topics.OrderCreated, partition: 0, messages: [raw(0, 'x', 'nope')] }]);
    expect(calls).toEqual([]);
    expect(bus.messages(`${Topics.OrderCreated}.dlq`)).toHaveLength(1);
  });
});

describe('startSagaConsumer on the in-process bus', () => {
  let consumer: RunningConsumer | undefined;
  afterEach(async () => {
    await consumer?.stop();
    consumer = undefined;
  });

  const send = (bus: MemoryBus, topic: Topic, key: string, value: string) => bus.send([{ topic, key, value }]);

  it('handles what arrives, publishes the outcome and moves the group past it', async () => {
    const bus = new MemoryBus(silentLogger);
    const { spec } = echoSpec();
    consumer = await startSagaConsumer(bus, spec);
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    for (const id of ids) await send(bus, Topics.OrderCreated, id, serializeEvent(sagaEvents.created(id, { [randomUUID()]: 1 })));
    await waitFor(() => orderIdsOn(bus, Topics.InventoryReserved).length === ids.length, { ...quick, what: 'an inventory.reserved for each order' });
    expect(orderIdsOn(bus, Topics.InventoryReserved).sort()).toEqual([...ids].sort());
    await waitFor(() => bus.lag(groupIdFor('inventory', ''), [Topics.OrderCreated]) === 0, { ...quick, what: 'the group to catch up' });
  });

  it('moves poison to the dead-letter topic and keeps going with the good messages around it', async () => {
    const bus = new MemoryBus(silentLogger, 1);
    const { spec } = echoSpec();
    consumer = await startSagaConsumer(bus, spec);
    const [before, after] = [randomUUID(), randomUUID()];
    await send(bus, Topics.OrderCreated, before, serializeEvent(sagaEvents.created(before, { [randomUUID()]: 1 })));
    await send(bus, Topics.OrderCreated, 'poison', '\u0000garbage');
    await send(bus, Topics.OrderCreated, after, serializeEvent(sagaEvents.created(after, { [randomUUID()]: 1 })));
    await waitFor(() => orderIdsOn(bus, Topics.InventoryReserved).includes(after), { ...quick, what: 'the order after the poison to be handled' });
    expect(orderIdsOn(bus, Topics.InventoryReserved)).toContain(before);
    const dead = bus.messages(`${Topics.OrderCreated}.dlq`);
    expect(dead.map((m) => m.key?.toString())).toEqual(['poison']);
    expect(headersOf(dead[0]!)).toMatchObject({ [DlqHeaders.Topic]: Topics.OrderCreated, [DlqHeaders.Partition]: '0', [DlqHeaders.Offset]: '1' });
    await waitFor(() => bus.lag(groupIdFor('inventory', ''), [Topics.OrderCreated]) === 0, { ...quick, what: 'the group to move past the poison' });
  });

  it('retries a chunk whose handler throws, without moving the group past it until it succeeds', async () => {
    const bus = new MemoryBus(silentLogger);
    const group = groupIdFor('inventory', '');
    const seen: string[][] = [];
    const secondTry = deferred();
    const spec: SagaConsumerSpec = {
      name: 'inventory',
      topics: [Topics.OrderCreated],
      pace: 'step',
      handle: async (chunk) => {
        seen.push(chunk.map((d) => d.event.orderId));
        if (seen.length === 1) throw new Error('Redis is restarting');
        await secondTry.promise;
        return chunk.map(({ event }) => sagaEvents.reserved(event.orderId));
      },
    };
    const id = randomUUID();
    await send(bus, Topics.OrderCreated, id, serializeEvent(sagaEvents.created(id, { [randomUUID()]: 1 })));
    consumer = await startSagaConsumer(bus, spec);

    await waitFor(() => seen.length === 2, { ...quick, what: 'the handler to be called again after it threw' });
    expect(seen).toEqual([[id], [id]]);
    await turns();
    expect(bus.lag(group, [Topics.OrderCreated]), 'the position stays on the chunk while it is retried').toBe(1);
    expect(bus.messages(Topics.InventoryReserved)).toEqual([]);

    secondTry.resolve();
    await waitFor(() => bus.lag(group, [Topics.OrderCreated]) === 0, { ...quick, what: 'the group to move past the chunk once it succeeded' });
    expect(orderIdsOn(bus, Topics.InventoryReserved)).toEqual([id]);
    expect(seen).toHaveLength(2);
  });

  it('does not move the group past a chunk whose outgoing events could not be published', async () => {
    const bus = new MemoryBus(silentLogger);
    const group = groupIdFor('inventory', '');
    const { spec, calls } = echoSpec();
    const id = randomUUID();
    await send(bus, Topics.OrderCreated, id, serializeEvent(sagaEvents.created(id, { [randomUUID()]: 1 })));
    // The broker refuses the handler's output once.
    const realSend = bus.send.bind(bus);
    let refusals = 0;
    const refused = deferred();
    bus.send = async (messages) => {
      if (refusals === 0 && messages.some((m) => m.topic === Topics.InventoryReserved)) {
        refusals++;
        refused.resolve();
        throw new Error('broker unavailable');
      }
      return realSend(messages);
    };
    consumer = await startSagaConsumer(bus, spec);
    await refused.promise;
    expect(bus.lag(group, [Topics.OrderCreated])).toBe(1);
    await waitFor(() => bus.lag(group, [Topics.OrderCreated]) === 0, { ...quick, what: 'the group to move on once publishing worked' });
    expect(orderIdsOn(bus, Topics.InventoryReserved)).toEqual([id]);
    expect(calls.length).toBe(2);
  });

  it('stops cleanly while a chunk is being retried, and leaves the chunk to the next consumer of the group', async () => {
    // The Bus contract (src/infra/bus.ts): once a partition is no longer owned (stop or rebalance) its
    // new owner redoes the chunk; a stop is not a crash.
    const bus = new MemoryBus(silentLogger);
    const group = groupIdFor('inventory', '');
    let down = true;
    let calls = 0;
    const spec: SagaConsumerSpec = {
      name: 'inventory',
      topics: [Topics.OrderCreated],
      pace: 'step',
      handle: async (chunk) => {
        calls++;
        if (down) throw new Error('database unreachable');
        return chunk.map(({ event }) => sagaEvents.reserved(event.orderId));
      },
    };
    const id = randomUUID();
    await send(bus, Topics.OrderCreated, id, serializeEvent(sagaEvents.created(id, { [randomUUID()]: 1 })));
    const first = await startSagaConsumer(bus, spec);
    let crashed: unknown;
    first.crashed.catch((e: unknown) => (crashed = e));
    await waitFor(() => calls >= 1, { ...quick, what: 'the handler to fail once' });

    const stopped = await first.stop().then(
      () => 'stopped',
      (e: unknown) => `stop() rejected: ${e instanceof Error ? e.message : String(e)}`,
    );
    await turns();
    expect(stopped).toBe('stopped');
    expect(crashed, 'a stop is reported as a crash').toBeUndefined();
    expect(bus.lag(group, [Topics.OrderCreated]), 'the failed chunk is not committed').toBe(1);

    down = false;
    consumer = await startSagaConsumer(bus, spec);
    await waitFor(() => bus.lag(group, [Topics.OrderCreated]) === 0, { ...quick, what: 'the next consumer to redo the chunk' });
    expect(orderIdsOn(bus, Topics.InventoryReserved)).toEqual([id]);
  });

  it('after a restart, a group resumes where it stopped: nothing handled twice, nothing skipped', async () => {
    const bus = new MemoryBus(silentLogger);
    const { spec, calls } = echoSpec();
    const first = randomUUID();
    await send(bus, Topics.OrderCreated, first, serializeEvent(sagaEvents.created(first, { [randomUUID()]: 1 })));
    consumer = await startSagaConsumer(bus, spec);
    await waitFor(() => bus.lag(groupIdFor('inventory', ''), [Topics.OrderCreated]) === 0, { ...quick, what: 'the first order to be handled' });
    await consumer.stop();

    const second = randomUUID();
    await send(bus, Topics.OrderCreated, second, serializeEvent(sagaEvents.created(second, { [randomUUID()]: 1 })));
    consumer = await startSagaConsumer(bus, spec);
    await waitFor(() => bus.lag(groupIdFor('inventory', ''), [Topics.OrderCreated]) === 0, { ...quick, what: 'the second order to be handled' });
    expect(calls.flat().map((d) => d.event.orderId)).toEqual([first, second]);
  });

  describe('when a handler keeps failing on some input', () => {
    const policy = { unknownAttempts: 3, baseMs: 1, capMs: 2 };

    /** A handler that fails, with `error()`, every chunk holding `bad`, and echoes every other. */
    function failingOn(bad: string, error: () => unknown) {
      const { spec, calls } = echoSpec();
      let failures = 0;
      const handle = spec.handle;
      spec.handle = async (chunk) => {
        if (chunk.some((d) => d.event.orderId === bad)) {
          failures++;
          throw error();
        }
        return handle(chunk);
      };
      return { spec, calls, failures: () => failures };
    }

    async function sendOrders(bus: MemoryBus, ids: string[]) {
      for (const id of ids) await send(bus, Topics.OrderCreated, id, serializeEvent(sagaEvents.created(id, { [randomUUID()]: 1 })));
    }

    it('sets a message aside at once when the error cannot go away (a bug), and handles the rest', async () => {
      const bus = new MemoryBus(silentLogger, 1);
      const [before, bad, after] = [randomUUID(), randomUUID(), randomUUID()];
      const { spec, failures } = failingOn(bad, () => new TypeError("Cannot read properties of undefined (reading 'sku')"));
      await sendOrders(bus, [before, bad, after]);
      consumer = await startSagaConsumer(bus, spec, policy);
      await waitFor(() => bus.lag(groupIdFor('inventory', ''), [Topics.OrderCreated]) === 0, { ...quick, what: 'the group to move past the bad message' });
      expect(orderIdsOn(bus, Topics.InventoryReserved).sort()).toEqual([before, after].sort());
      const dead = bus.messages(`${Topics.OrderCreated}.dlq`);
      expect(dead.map((m) => m.key?.toString())).toEqual([bad]);
      expect(headersOf(dead[0]!)[DlqHeaders.Error]).toBe("handler failed (not retriable): Cannot read properties of undefined (reading 'sku')");
      expect(failures(), 'once in the chunk, once alone').toBe(2);
    });

    it('sets a message aside after a few tries when the error is of unknown kind', async () => {
      const bus = new MemoryBus(silentLogger, 1);
      const [bad, good] = [randomUUID(), randomUUID()];
      const { spec, failures } = failingOn(bad, () => new Error('price list says no'));
      await sendOrders(bus, [bad, good]);
      consumer = await startSagaConsumer(bus, spec, policy);
      await waitFor(() => bus.lag(groupIdFor('inventory', ''), [Topics.OrderCreated]) === 0, { ...quick, what: 'the group to move past the bad message' });
      expect(orderIdsOn(bus, Topics.InventoryReserved)).toEqual([good]);
      const dead = bus.messages(`${Topics.OrderCreated}.dlq`);
      expect(headersOf(dead[0]!)[DlqHeaders.Error]).toBe('handler failed 3 times in its chunk and again alone: price list says no');
      expect(failures(), `${policy.unknownAttempts} tries of the chunk, then one alone`).toBe(policy.unknownAttempts + 1);
    });

    it('waits out an infrastructure error however many times it fails, and sets nothing aside', async () => {
      const bus = new MemoryBus(silentLogger, 1);
      const id = randomUUID();
      let refusals = 0;
      const { spec, calls } = echoSpec();
      const handle = spec.handle;
      spec.handle = async (chunk) => {
        if (++refusals <= 10) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });
        return handle(chunk);
      };
      await sendOrders(bus, [id]);
      consumer = await startSagaConsumer(bus, spec, policy);
      await waitFor(() => orderIdsOn(bus, Topics.InventoryReserved).length === 1, { ...quick, what: 'the order to be handled once Redis is back' });
      expect(refusals).toBe(11);
      expect(calls).toHaveLength(1);
      expect(bus.messages(`${Topics.OrderCreated}.dlq`)).toEqual([]);
    });
  });
});
