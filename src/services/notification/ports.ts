import type { SagaOutcome } from '../../events/outcomes.ts';

export type Outcome = SagaOutcome;

/** Remembers which orders were notified, so a redelivered outcome is not announced twice. */
export interface NotificationLedger {
  /** For each entry: true the first time for its order, false after; in order. */
  claim(entries: readonly { orderId: string; outcome: Outcome }[]): Promise<boolean[]>;
}

/** What the ledger recorded, for `doms verify`. */
export interface NotificationRecords {
  /** The outcome each order was notified of (undefined: not notified), in order. */
  notified(orderIds: readonly string[]): Promise<(Outcome | undefined)[]>;
}

export const notificationKey = (orderId: string, namespace = 'doms') => `${namespace}:notified:${orderId}`;

export class MemoryNotificationLedger implements NotificationLedger, NotificationRecords {
  private readonly seen = new Map<string, Outcome>();
  async claim(entries: readonly { orderId: string; outcome: Outcome }[]): Promise<boolean[]> {
    return entries.map(({ orderId, outcome }) => {
      if (this.seen.has(orderId)) return false;
      this.seen.set(orderId, outcome);
      return true;
    });
  }

  async notified(orderIds: readonly string[]): Promise<(Outcome | undefined)[]> {
    return orderIds.map((id) => this.seen.get(id));
  }
}
