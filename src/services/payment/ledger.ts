import type { Redis } from 'ioredis';
import type { PaymentOutcome } from './simulation.ts';

/** One payment outcome per order, whoever asks first: the charge is never made twice or changed. */
export interface PaymentLedger {
  /** Stores `outcome` unless the order already has one; returns the one that stands. */
  recordOnce(orderId: string, outcome: PaymentOutcome): Promise<PaymentOutcome>;
  get(orderId: string): Promise<PaymentOutcome | undefined>;
}

export class RedisPaymentLedger implements PaymentLedger {
  constructor(
    private readonly redis: Redis,
    private readonly namespace = 'doms',
  ) {}

  private key(orderId: string) {
    return `${this.namespace}:payment:${orderId}`;
  }

  async recordOnce(orderId: string, outcome: PaymentOutcome): Promise<PaymentOutcome> {
    // SET NX GET: one round trip, atomic; returns the earlier value when there was one.
    const previous = await this.redis.set(this.key(orderId), JSON.stringify(outcome), 'NX', 'GET');
    return previous === null ? outcome : (JSON.parse(previous) as PaymentOutcome);
  }

  async get(orderId: string): Promise<PaymentOutcome | undefined> {
    const value = await this.redis.get(this.key(orderId));
    return value === null ? undefined : (JSON.parse(value) as PaymentOutcome);
  }
}

export class MemoryPaymentLedger implements PaymentLedger {
  private readonly outcomes = new Map<string, PaymentOutcome>();

  async recordOnce(orderId: string, outcome: PaymentOutcome): Promise<PaymentOutcome> {
    const previous = this.outcomes.get(orderId);
    if (previous) return previous;
    this.outcomes.set(orderId, outcome);
    return outcome;
  }

  async get(orderId: string): Promise<PaymentOutcome | undefined> {
    return this.outcomes.get(orderId);
  }
}
