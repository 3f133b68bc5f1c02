import { describe, expect, it } from 'vitest';
import { brokerShareWarning, foreignShare } from '../../../src/bench/broker-share.ts';

describe('shared broker', () => {
  it('counts the topics and partitions that are not the bench’s', () => {
    const topics = [
      { name: 'benchab12.order.created', partitions: 6 },
      { name: 'benchab12.order.created.dlq', partitions: 1 },
      { name: 'order.created', partitions: 6 },
      { name: 't1234.payment.success', partitions: 3 },
    ];
    expect(foreignShare(topics, 'benchab12.')).toEqual({ topics: 2, partitions: 9 });
  });

  it('warns over 100 other partitions, with the way to a clean broker', () => {
    expect(brokerShareWarning({ topics: 20, partitions: 100 })).toBeUndefined();
    expect(brokerShareWarning({ topics: 40, partitions: 240 })).toBe(
      'the broker carries 240 other partitions in 40 topics; figures include their overhead; `npm run stack:down -- --purge && npm run stack:up` for a clean broker',
    );
  });
});
