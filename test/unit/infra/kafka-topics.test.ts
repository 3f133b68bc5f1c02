import { describe, expect, it } from 'vitest';
import { partitionsWarning, replicationFor, sagaTopics } from '../../../src/infra/kafka-topics.ts';

describe('the replication a cluster can hold', () => {
  it('is one replica per broker up to three, and a write needs all but one of them (at least one)', () => {
    expect(replicationFor(1)).toEqual({ replicationFactor: 1, minInsyncReplicas: 1 });
    expect(replicationFor(2)).toEqual({ replicationFactor: 2, minInsyncReplicas: 1 });
    expect(replicationFor(3)).toEqual({ replicationFactor: 3, minInsyncReplicas: 2 });
    expect(replicationFor(7)).toEqual({ replicationFactor: 3, minInsyncReplicas: 2 });
  });

  it('asks for one replica of a cluster that lists no broker, rather than none', () => {
    expect(replicationFor(0)).toEqual({ replicationFactor: 1, minInsyncReplicas: 1 });
  });
});

describe("the saga's topics", () => {
  it('are the six event topics under the prefix, then their dead-letter topics', () => {
    const topics = sagaTopics('blue.');
    expect(topics).toHaveLength(12);
    expect(topics[0]).toEqual({ topic: 'blue.order.created', deadLetter: false });
    expect(topics.filter((t) => t.deadLetter).map((t) => t.topic)).toContain('blue.payment.failed.dlq');
  });
});

describe('the warning of a worker whose topics have fewer partitions than DOMS_PARTITIONS', () => {
  it('says nothing when no topic is short', () => {
    expect(partitionsWarning([], 6)).toBeNull();
  });

  it('is one line naming each short topic with its count, and the command that adds partitions', () => {
    expect(partitionsWarning([{ topic: 'order.created', partitions: 3 }], 6)).toBe(
      'topic order.created (3) has fewer partitions than DOMS_PARTITIONS=6, so at most that many instances of a service reading it do work; ' +
        'to add partitions: doms topics grow --partitions 6',
    );
    const two = partitionsWarning(
      [
        { topic: 'inventory.reserved', partitions: 2 },
        { topic: 'payment.failed', partitions: 4 },
      ],
      12,
    )!;
    expect(two).toMatch(/^topics inventory\.reserved \(2\), payment\.failed \(4\) have fewer partitions than DOMS_PARTITIONS=12, /);
    expect(two).toMatch(/doms topics grow --partitions 12$/);
    expect(two).not.toContain('\n');
  });
});
