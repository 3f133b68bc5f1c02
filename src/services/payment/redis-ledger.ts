import type { Redis } from 'ioredis';
import { execAll } from '../../infra/redis.ts';
import type { PaymentLedger } from './ledger.ts';
import type { PaymentOutcome } from './simulation.ts';

export class RedisPaymentLedger implements PaymentLedger {
  constructor(
    private readonly redis: Redis,
    private readonly namespace = 'doms',
  ) {}

  private key(orderId: string) {
    return `${this.namespace}:payment:${orderId}`;
  }

  async recordOnce(entries: readonly { orderId: string; outcome: PaymentOutcome }[]): Promise<PaymentOutcome[]> {
    if (entries.length === 0) return [];
    // SET NX GET: atomic per order, and returns the earlier value when there was one; one pipeline for all.
    const pipeline = this.redis.pipeline();
    for (const e of entries) pipeline.set(this.key(e.orderId), JSON.stringify(e.outcome), 'NX', 'GET');
    const previous = await execAll<string | null>(pipeline);
    return entries.map((e, i) => (previous[i] === null ? e.outcome : (JSON.parse(previous[i]!) as PaymentOutcome)));
  }

  async get(orderIds: readonly string[]): Promise<(PaymentOutcome | undefined)[]> {
    if (orderIds.length === 0) return [];
    const values = await this.redis.mget(orderIds.map((id) => this.key(id)));
    return values.map((v) => (v === null ? undefined : (JSON.parse(v) as PaymentOutcome)));
  }
}
