import type { Redis } from 'ioredis';
import { execAll } from '../../infra/redis.ts';
import { notificationKey, type NotificationLedger, type NotificationRecords, type Outcome } from './handlers.ts';

/** One key per order, `<namespace>:notified:<orderId>`, kept `ledgerTtlMs` (0: for ever) from when it was claimed. */
export class RedisNotificationLedger implements NotificationLedger, NotificationRecords {
  constructor(
    private readonly redis: Redis,
    private readonly namespace = 'doms',
    private readonly ledgerTtlMs = 0,
  ) {}

  async claim(entries: readonly { orderId: string; outcome: Outcome }[]): Promise<boolean[]> {
    if (entries.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const e of entries) {
      const key = notificationKey(e.orderId, this.namespace);
      if (this.ledgerTtlMs > 0) pipeline.set(key, e.outcome, 'PX', this.ledgerTtlMs, 'NX');
      else pipeline.set(key, e.outcome, 'NX');
    }
    return (await execAll<string | null>(pipeline)).map((reply) => reply === 'OK');
  }

  async notified(orderIds: readonly string[]): Promise<(Outcome | undefined)[]> {
    const outcomes: (Outcome | undefined)[] = [];
    for (let i = 0; i < orderIds.length; i += 1000) {
      const keys = orderIds.slice(i, i + 1000).map((id) => notificationKey(id, this.namespace));
      if (keys.length > 0) for (const v of await this.redis.mget(keys)) outcomes.push((v as Outcome | null) ?? undefined);
    }
    return outcomes;
  }
}
