import { describe, expect, it } from 'vitest';
import type { TopicContents, TopicRecord } from '../../../../src/infra/topic-reader.ts';
import { oldestRetained } from '../../../../src/services/verify/collect.ts';

const now = new Date('2026-01-01T12:00:00Z');
const at = (s: number) => new Date(now.getTime() - s * 1000).toISOString();
const record = (partition: number, secondsAgo: number): TopicRecord => ({
  topic: 't',
  partition,
  offset: '0',
  key: null,
  value: null,
  headers: {},
  timestamp: at(secondsAgo),
});

describe('oldestRetained', () => {
  it('is undefined while every partition still starts at offset 0', () => {
    const topic: TopicContents = { records: [record(0, 900)], partitions: [{ partition: 0, low: '0', high: '1' }] };
    expect(oldestRetained([topic], now)).toBeUndefined();
  });

  it('is the latest first-record time among partitions that lost records, across topics', () => {
    const created: TopicContents = {
      records: [record(0, 900), record(1, 600), record(1, 10)],
      partitions: [
        { partition: 0, low: '0', high: '1' },
        { partition: 1, low: '40', high: '42' },
      ],
    };
    const paid: TopicContents = { records: [record(0, 300)], partitions: [{ partition: 0, low: '7', high: '8' }] };
    expect(oldestRetained([created], now)).toEqual(new Date(at(600)));
    expect(oldestRetained([created, paid], now)).toEqual(new Date(at(300)));
  });

  it('is now when a partition lost every record: nothing older can be asked for its events', () => {
    const emptied: TopicContents = { records: [], partitions: [{ partition: 0, low: '5', high: '5' }] };
    expect(oldestRetained([emptied], now)).toEqual(now);
  });
});
