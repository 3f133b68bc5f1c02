/**
 * A Kafka record's timestamp (ms since the epoch, as kafkajs gives it) as ISO time. A producer may set
 * any 64-bit value, much of it beyond what a Date holds (±8.64e15 ms), where `toISOString` throws: such
 * a time is kept as the number it is, so reading a record never fails on it.
 */
export function recordTime(ms: string | number): string {
  const date = new Date(Number(ms));
  return Number.isNaN(date.getTime()) ? String(ms) : date.toISOString();
}
