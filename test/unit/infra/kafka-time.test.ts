import { describe, expect, it } from 'vitest';
import { recordTime } from '../../../src/infra/kafka-time.ts';

describe('a Kafka record timestamp as time', () => {
  it('is ISO time when a Date can hold it', () => {
    expect(recordTime('1700000000000')).toBe('2023-11-14T22:13:20.000Z');
    expect(recordTime(0)).toBe('1970-01-01T00:00:00.000Z');
    expect(recordTime('-5')).toBe('1969-12-31T23:59:59.995Z');
  });

  it('is the number as it came when no Date can hold it, instead of throwing (a producer may set any 64-bit value)', () => {
    for (const ms of ['8640000000000001', '9000000000000000', '9223372036854775807', '-9223372036854775808']) expect(recordTime(ms)).toBe(ms);
  });
});
