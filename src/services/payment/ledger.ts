import type { Redis } from 'ioredis';
import { execAll } from '../../infra/redis.ts';
import type { PaymentOutcome } from './simulation.ts';

/** One payment outcome per order, whoever asks first: the charge is never made twice or changed. */
export interface PaymentLedger {
  /** Stores each outcome unless its order already has one; returns the ones that stand, in order. */
  recordOnce(entries: readonly { orderId: string; outcome: PaymentOutcome }[]): Promise<PaymentOutcome[]>;
  /** The outcome recorded for each order, if any, in order. */
  get(orderIds: readonly string[]): Promise<(PaymentOutcome | undefined)[]>;
}

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

export class MemoryPaymentLedger implements PaymentLedger {
  private readonly outcomes = new Map<string, PaymentOutcome>();

  async recordOnce(entries: readonly { orderId: string; outcome: PaymentOutcome }[]): Promise<PaymentOutcome[]> {
    return entries.map(({ orderId, outcome }) => {
      const previous = this.outcomes.get(orderId);
      if (previous) return previous;
      this.outcomes.set(orderId, outcome);
      return outcome;
    });
  }

  async get(orderIds: readonly string[]): Promise<(PaymentOutcome | undefined)[]> {
    return orderIds.map((id) => this.outcomes.get(id));
  }
}
