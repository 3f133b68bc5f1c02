import { describe, expect, it } from 'vitest';
import { idleMembers, judge, LIMITS } from '../../../../src/saga/status/health.ts';
import { healthySnapshot } from '../../../helpers/status.ts';

describe('judging the saga healthy or not', () => {
  it('is healthy when everything answers, every service has a worker and nothing is stuck', () => {
    expect(judge(healthySnapshot())).toEqual({ healthy: true, problems: [], notes: [] });
  });

  it('names an unreachable component, a service without workers, a group far behind and a stuck outbox', () => {
    const s = healthySnapshot();
    s.components[1] = { name: 'redis', ok: false, error: 'connect ECONNREFUSED 127.0.0.1:6379' };
    s.groups[1]!.members = 0;
    s.groups[2]!.lag = LIMITS.lag + 1;
    s.outbox = { backlog: 7, oldestAgeMs: 12_000 };
    expect(judge(s)).toMatchObject({
      healthy: false,
      problems: [
        'redis is unreachable: connect ECONNREFUSED 127.0.0.1:6379',
        'inventory: no worker is running (consumer group doms-inventory has no members)',
        `payment: ${LIMITS.lag + 1} messages behind (more than ${LIMITS.lag})`,
        'outbox: 7 order.created events unpublished, the oldest for 12s',
      ],
    });
  });

  it('mentions dead letters without calling the saga unhealthy', () => {
    const s = healthySnapshot();
    s.deadLetters = [{ topic: 'order.created.dlq', count: 2 }];
    expect(judge(s)).toEqual({ healthy: true, problems: [], notes: ['2 dead letters on order.created.dlq (doms dlq shows them)'] });
  });

  it('notes a service with more instances than its topics have partitions, without calling it unhealthy', () => {
    const s = healthySnapshot();
    const partitions = (n: number) => Array.from({ length: n }, (_, partition) => ({ topic: 'inventory.reserved', partition, lag: 0 }));
    s.groups[2] = { ...s.groups[2]!, members: 5, partitions: partitions(3) };
    s.groups[3] = { ...s.groups[3]!, members: 3, partitions: partitions(3) };
    expect(judge(s)).toEqual({
      healthy: true,
      problems: [],
      notes: ['payment: 5 instances in doms-payment but its topics have 3 partitions: 2 idle (doms topics grow --partitions <n> adds partitions)'],
    });
  });

  it('counts no member idle while the topics are not there yet', () => {
    expect(idleMembers({ members: 2, partitions: [] })).toBe(0);
  });
});
