import { callEach, getMany, replicated, type RedisClient } from '../../infra/redis.ts';
import type { PaymentLedger } from './ports.ts';
import type { PaymentOutcome } from './simulation.ts';

/** One key per order, `<namespace>:payment:<orderId>`, kept `ledgerTtlMs` (0: for ever) from when it was recorded. */
export class RedisPaymentLedger implements PaymentLedger {
  constructor(
    private readonly redis: RedisClient,
    private readonly namespace = 'doms',
    private readonly ledgerTtlMs = 0,
  ) {}

  private key(orderId: string) {
    return `${this.namespace}:payment:${orderId}`;
  }

  async recordOnce(entries: readonly { orderId: string; outcome: PaymentOutcome }[]): Promise<PaymentOutcome[]> {
    if (entries.length === 0) return [];
    // SET NX GET: atomic per order, and returns the earlier value when there was one; one round trip for all.
    // The expiry rides on the same SET, and only a new record gets one.
    const expiry = this.ledgerTtlMs > 0 ? ['PX', this.ledgerTtlMs] : [];
    const previous = await callEach<string | null>(
      this.redis,
      entries.map((e) => ['set', this.key(e.orderId), JSON.stringify(e.outcome), ...expiry, 'NX', 'GET']),
    );
    // The outcome is published next: on a cluster, it must survive a failover.
    await replicated(this.redis);
    return entries.map((e, i) => (previous[i] === null ? e.outcome : (JSON.parse(previous[i]!) as PaymentOutcome)));
  }

  async get(orderIds: readonly string[]): Promise<(PaymentOutcome | undefined)[]> {
    if (orderIds.length === 0) return [];
    const values = await getMany(
      this.redis,
      orderIds.map((id) => this.key(id)),
    );
    return values.map((v) => (v === null ? undefined : (JSON.parse(v) as PaymentOutcome)));
  }
}
