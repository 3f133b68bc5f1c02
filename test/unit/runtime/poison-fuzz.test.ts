import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALL_TOPICS } from '../../../src/events/topics.ts';
import { groupIdFor, type RawMessage } from '../../../src/infra/bus.ts';
import { silentLogger } from '../../../src/infra/log.ts';
import { MemoryBus, type StoredMessage } from '../../../src/infra/memory-bus.ts';
import { processChunks } from '../../../src/runtime/consumer.ts';
import { DlqHeaders } from '../../../src/events/headers.ts';
import type { SagaConsumerSpec } from '../../../src/runtime/handler.ts';
import { announceSeed, fuzzRuns } from '../../helpers/fuzz.ts';
import { messageKey, poisonValue, validEvent } from '../../helpers/fuzz-topics.ts';

/** Chunks per run; each holds up to 24 messages, poison and valid events mixed. */
const CHUNKS = 1000;

const chunk = fc.constantFrom(...ALL_TOPICS).chain((topic) =>
  fc.record({
    topic: fc.constant(topic),
    partition: fc.nat(5),
    messages: fc.array(
      fc.record({
        key: messageKey,
        value: fc.oneof(
          poisonValue(topic),
          validEvent(topic).map((event) => ({ kind: 'valid', value: Buffer.from(JSON.stringify(event)) })),
        ),
      }),
      { minLength: 1, maxLength: 24 },
    ),
  }),
);

describe('the consumer edge under fuzzing', () => {
  it(`sets every poison message of ${CHUNKS} random chunks aside in its dead-letter topic, byte for byte, and hands the handler exactly the valid events`, async () => {
    announceSeed('poison at the consumer edge');
    const kinds = new Map<string, number>();
    let poisoned = 0;
    let valid = 0;
    await fc.assert(
      fc.asyncProperty(chunk, async ({ topic, partition, messages }) => {
        const bus = new MemoryBus(silentLogger);
        const seen: string[] = [];
        const spec: SagaConsumerSpec = {
          name: 'fuzz',
          topics: [topic],
          pace: 'step',
          handle: async (delivered) => {
            seen.push(...delivered.map((d) => d.meta.offset));
            return [];
          },
        };
        const raw: RawMessage[] = messages.map((m, i) => ({
          offset: String(1000 + i),
          key: m.key,
          value: m.value.value,
          timestamp: '2026-11-25T00:00:00.000Z',
        }));
        const isPoison = messages.map((m) => m.value.kind !== 'valid');
        await processChunks(spec, bus, silentLogger, [{ topic, partition, messages: raw }]);

        const poison = raw.filter((_, i) => isPoison[i]);
        const good = raw.filter((_, i) => !isPoison[i]);
        expect(seen, 'the handler gets the valid events, in order').toEqual(good.map((m) => m.offset));
        // The bus spreads dead letters over partitions by key: put them back in offset order.
        const letters = (bus.messages(`${topic}.dlq`) as StoredMessage[]).sort(
          (a, b) => Number(a.headers[DlqHeaders.Offset]) - Number(b.headers[DlqHeaders.Offset]),
        );
        expect(letters.map((l) => l.headers[DlqHeaders.Offset])).toEqual(poison.map((m) => m.offset));
        letters.forEach((letter, i) => {
          const { key, value } = poison[i]!;
          expect(value === null ? letter.value === null : letter.value?.equals(value), 'the value kept byte for byte').toBe(true);
          expect(key === null ? letter.key === null : letter.key?.equals(key), 'the key kept byte for byte').toBe(true);
          expect(letter.headers[DlqHeaders.Topic]).toBe(topic);
          expect(letter.headers[DlqHeaders.Partition]).toBe(String(partition));
          expect(letter.headers[DlqHeaders.Group]).toBe(groupIdFor('fuzz', ''));
          expect(letter.headers[DlqHeaders.Error]).not.toBe('');
        });
        for (const { value: v } of messages) if (v.kind !== 'valid') kinds.set(v.kind, (kinds.get(v.kind) ?? 0) + 1);
        poisoned += poison.length;
        valid += good.length;
      }),
      fuzzRuns(CHUNKS),
    );
    console.log(`${poisoned} poison messages dead-lettered, ${valid} valid events handled; poison: ${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')}`);
  }, 120_000);
});
