import { callEach, getMany, replicated, type RedisClient } from '../../infra/redis.ts';
import { notificationKey, type NotificationLedger, type NotificationRecords, type Outcome } from './ports.ts';

/** One key per order, `<namespace>:notified:<orderId>`, kept `ledgerTtlMs` (0: for ever) from when it was claimed. */
export class RedisNotificationLedger implements NotificationLedger, NotificationRecords {
  constructor(
    private readonly redis: RedisClient,
    private readonly namespace = 'doms',
    private readonly ledgerTtlMs = 0,
  ) {}

  async claim(entries: readonly { orderId: string; outcome: Outcome }[]): Promise<boolean[]> {
    if (entries.length === 0) return [];
    const expiry = this.ledgerTtlMs > 0 ? ['PX', this.ledgerTtlMs] : [];
    const replies = await callEach<string | null>(
      this.redis,
      entries.map((e) => ['set', notificationKey(e.orderId, this.namespace), e.outcome, ...expiry, 'NX']),
    );
    // The notification goes out next, and a lost claim would let a redelivery send it again.
    await replicated(this.redis);
    return replies.map((reply) => reply === 'OK');
  }

  async notified(orderIds: readonly string[]): Promise<(Outcome | undefined)[]> {
    const outcomes: (Outcome | undefined)[] = [];
    for (let i = 0; i < orderIds.length; i += 1000) {
      const keys = orderIds.slice(i, i + 1000).map((id) => notificationKey(id, this.namespace));
      for (const v of await getMany(this.redis, keys)) outcomes.push((v as Outcome | null) ?? undefined);
    }
    return outcomes;
  }
}
