// Fuzzing the saga's input topics: valid events of each topic, and poison — random bytes, random text,
// random JSON, events with one field of the wrong type or missing, a `type` nested thousands deep,
// values over the size limit, empty values — with odd keys, headers and timestamps.
import fc from 'fast-check';
import { MAX_AMOUNT } from '../../src/events/schemas.ts';
import { Topics, type Topic } from '../../src/events/topics.ts';
import { MAX_EVENT_BYTES } from '../../src/runtime/consumer.ts';

const amount = fc.integer({ min: 0, max: 10_000_000 }).map((cents) => cents / 100);
const quantity = fc.integer({ min: 1, max: 1000 });
const items = fc.dictionary(fc.uuid(), quantity, { minKeys: 1, maxKeys: 4 });
const shortage = fc.record({ productId: fc.uuid(), requested: fc.integer({ min: 1, max: 100 }), available: fc.integer({ min: 0, max: 100 }) });

/** Each topic's fields, each with values its schema accepts (README, Events). */
const FIELDS: Record<Topic, Record<string, fc.Arbitrary<unknown>>> = {
  [Topics.OrderCreated]: { orderId: fc.uuid(), userId: fc.uuid(), totalAmount: amount, items },
  [Topics.InventoryReserved]: { orderId: fc.uuid(), userId: fc.uuid(), totalAmount: amount, items },
  [Topics.InventoryRejected]: { orderId: fc.uuid(), userId: fc.uuid(), shortages: fc.array(shortage, { maxLength: 3 }) },
  [Topics.InventoryReleased]: { orderId: fc.uuid(), items },
  [Topics.PaymentSuccess]: { orderId: fc.uuid(), paymentId: fc.string({ minLength: 1, maxLength: 20 }), amount },
  [Topics.PaymentFailed]: { orderId: fc.uuid(), amount, reason: fc.string({ minLength: 1, maxLength: 40 }) },
};

/** A valid event of `topic`, with or without its `type`. */
export const validEvent = (topic: Topic): fc.Arbitrary<Record<string, unknown>> =>
  fc.tuple(fc.record(FIELDS[topic]), fc.boolean()).map(([fields, typed]) => (typed ? { type: topic, ...fields } : fields));

const notAUuid = fc.oneof(
  fc.constantFrom('', 'order-1', 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaa', 'gggggggg-gggg-gggg-gggg-gggggggggggg', '\u0000', '\ud800'),
  fc.uuid().map((id) => `${id}\u200b`),
  fc.string({ unit: 'binary', maxLength: 30 }).filter((s) => !/^[0-9a-f]{8}-/i.test(s)),
);
const notJsonString = fc.oneof(fc.integer(), fc.constant(null), fc.boolean(), fc.constant([]), fc.constant({}));

/** Stands for a `type` nested DEEP_NESTING deep, spliced into the text (a value that deep cannot be built and stringified). */
const DEEP = '\u0000deep';
/** A `type` nested this deep: JSON.parse reads it, a recursive JSON.stringify of it overflows the stack. */
const DEEP_NESTING = 20_000;

/** For each field, values its schema refuses. */
const WRONG: Record<string, fc.Arbitrary<unknown>> = {
  orderId: fc.oneof(notAUuid, notJsonString),
  userId: fc.oneof(notAUuid, notJsonString),
  totalAmount: fc.oneof(
    fc.constantFrom(-1, -0.01, 1e-9, 0.001, 1.005, MAX_AMOUNT + 1, 1e300, '12', 'NaN', null, true, [], {}),
    fc.double({ min: -1e12, max: -0.001, noNaN: true }),
  ),
  items: fc.oneof(
    fc.constantFrom({}, [], null, 'x', 7),
    fc.uuid().map((id) => ({ [id]: 0 })),
    fc.uuid().map((id) => ({ [id]: 1.5 })),
    fc.uuid().map((id) => ({ [id]: '1' })),
    fc.uuid().map((id) => ({ [id]: -3 })),
    fc.uuid().map((id) => ({ [id.toLowerCase()]: 600_000, [id.toUpperCase()]: 600_000 })),
    fc.uuid().map((id) => JSON.parse(`{"__proto__":1,"${id}":1}`) as unknown),
    notAUuid.map((k) => ({ [k]: 1 })),
    fc.constant(Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`${String(i).padStart(8, '0')}-0000-4000-8000-000000000000`, 1]))),
  ),
  shortages: fc.oneof(
    fc.constantFrom({}, null, 'none', [null], [1]),
    fc.record({ productId: notAUuid, requested: fc.constant(1), available: fc.constant(0) }).map((s) => [s]),
    fc.record({ productId: fc.uuid(), requested: fc.constantFrom(1.5, '1', null), available: fc.constant(0) }).map((s) => [s]),
  ),
  paymentId: fc.oneof(fc.constant(''), notJsonString),
  amount: fc.constantFrom(-5, -0.01, 1e-9, 2.001, MAX_AMOUNT * 10, 1e300, '5', null, true, [], {}),
  reason: fc.oneof(fc.constant(''), notJsonString),
  // Anything but the topic's own name; a deep one is written into the text below.
  type: fc.oneof(fc.constantFrom(...Object.values(Topics), 'order.shipped', '', null, 1, true, {}, []), fc.constant(DEEP)),
};
/** An event of `topic` with one field wrong or missing (text, since a deep nesting is spliced in). */
const wrongField = (topic: Topic): fc.Arbitrary<string> =>
  fc.tuple(validEvent(topic), fc.constantFrom(...Object.keys(FIELDS[topic]), 'type'), fc.nat(5)).chain(([event, field, how]) => {
    if (how === 0 && field !== 'type') {
      const { [field]: _gone, ...rest } = event;
      return fc.constant(JSON.stringify(rest));
    }
    return WRONG[field]!.filter((v) => !(field === 'type' && v === topic)).map((v) => {
      if (v !== DEEP) return JSON.stringify({ ...event, [field]: v });
      return JSON.stringify({ ...event, type: DEEP }).replace(JSON.stringify(DEEP), '['.repeat(DEEP_NESTING) + ']'.repeat(DEEP_NESTING));
    });
  });

/** A message value and what kind of poison it is. */
export interface PoisonValue {
  kind: string;
  value: Buffer | null;
}

const kind =
  (name: string) =>
  (v: string | Uint8Array | null): PoisonValue => ({ kind: name, value: v === null ? null : typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.from(v) });

/**
 * Poison for `topic`: nothing here is a valid event of it. `oversized` values go past the saga's own
 * limit (MAX_EVENT_BYTES) up to `maxBytes`, which must stay under the broker's message size.
 */
export const poisonValue = (topic: Topic, { maxBytes = MAX_EVENT_BYTES + 4096 } = {}): fc.Arbitrary<PoisonValue> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.uint8Array({ maxLength: 1024 }).map(kind('random bytes')) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }).map(kind('random text')) },
    { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => kind('random JSON')(JSON.stringify(v) ?? 'null')) },
    { weight: 8, arbitrary: wrongField(topic).map(kind('wrong field')) },
    { weight: 1, arbitrary: fc.constant(kind('empty value')(null)) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: DEEP_NESTING }).map((d) => kind('deep nesting')('['.repeat(d) + ']'.repeat(d))) },
    { weight: 1, arbitrary: oversizedValue(topic, maxBytes) },
  );

/** A value past the saga's size limit, up to `maxBytes`: a valid event padded with a string field, or random bytes. */
export const oversizedValue = (topic: Topic, maxBytes: number): fc.Arbitrary<PoisonValue> =>
  fc.tuple(validEvent(topic), fc.integer({ min: MAX_EVENT_BYTES + 1, max: maxBytes }), fc.boolean()).map(([event, size, padded]) => {
    if (!padded) return { kind: 'oversized', value: noise(size) };
    const text = JSON.stringify(event);
    return kind('oversized')(`{"pad":"${'x'.repeat(Math.max(0, size - text.length - '"pad":"",'.length))}",${text.slice(1)}`);
  });

/** `size` bytes of noise, the same for the same size (a linear congruential generator: cheap for a megabyte). */
function noise(size: number): Buffer {
  const bytes = Buffer.alloc(size);
  let x = size >>> 0;
  for (let i = 0; i < size; i++) {
    x = (Math.imul(x, 1_103_515_245) + 12_345) >>> 0;
    bytes[i] = x >>> 24;
  }
  return bytes;
}

/** Message keys: none, an id, any text, any bytes. */
export const messageKey: fc.Arbitrary<Buffer | null> = fc.oneof(
  fc.constant(null),
  fc.uuid().map((k) => Buffer.from(k)),
  fc.string({ unit: 'binary', maxLength: 50 }).map((k) => Buffer.from(k)),
  fc.uint8Array({ maxLength: 50 }).map((k) => Buffer.from(k)),
);

/** Kafka headers of any name and bytes, doms's own names among them. */
export const messageHeaders: fc.Arbitrary<Record<string, Buffer> | undefined> = fc.option(
  fc.dictionary(
    fc.oneof(
      fc.constantFrom('doms-origin', 'doms-original-topic', 'doms-original-offset', 'doms-error', 'doms-replayed-from'),
      fc.string({ unit: 'binary', maxLength: 20 }),
    ),
    fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
    { maxKeys: 4 },
  ),
  { freq: 2, nil: undefined },
);

/**
 * Record timestamps (ms) a producer may set: Kafka takes any 64-bit value, some of them far outside
 * what a JavaScript Date holds (±8.64e15 ms).
 */
export const messageTimestamp: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.constantFrom('0', '-1', '-5', '8640000000000000', '8640000000000001', '9000000000000000', '9223372036854775807', '253402300800000'),
      fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }).map(String),
    ),
  },
);
