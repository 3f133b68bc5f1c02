import type { PaymentOutcome } from './simulation.ts';

/** One payment outcome per order, whoever asks first: the charge is never made twice or changed. */
export interface PaymentLedger {
  /** Stores each outcome unless its order already has one; returns the ones that stand, in order. */
  recordOnce(entries: readonly { orderId: string; outcome: PaymentOutcome }[]): Promise<PaymentOutcome[]>;
  /** The outcome recorded for each order, if any, in order. */
  get(orderIds: readonly string[]): Promise<(PaymentOutcome | undefined)[]>;
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
