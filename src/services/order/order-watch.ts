import { errorMessage } from '../../errors.ts';
import type { Logger } from '../../infra/log.ts';
import type { Order, OrderStore } from './order-store.ts';
import { isTerminal, type OrderStatus } from './status.ts';

/** The longest `GET /orders/<id>?wait=` holds a request. */
export const MAX_WAIT_MS = 30_000;
/** How often an order someone waits for is read again: one read per order for all its waiters, and only while someone waits. */
export const WAIT_POLL_MS = 150;
/** Reads a second for all the waits together at most: with many orders waited for, each is read less often. */
const MAX_WAIT_READS_PER_SECOND = 200;
/** Requests held at once at most; past this a wait answers at once with the order as it is. */
const MAX_WAITERS = 1_000;

interface Waiter {
  /** The status the caller knows; any other, or a terminal one, ends the wait. */
  known: OrderStatus;
  done(order: Order): void;
}

/**
 * The held requests of `GET /orders/<id>?wait=`. The status can change in any order service that shares the database,
 * so it is read again rather than announced: every WAIT_POLL_MS (longer when so many orders are waited for that this
 * would pass MAX_WAIT_READS_PER_SECOND), one read per waited-for order whatever the number of its waiters, on one timer
 * that runs only while someone waits, and not again before the last round is done.
 */
export class OrderWatch {
  private readonly orders = new Map<string, { last: Order; waiters: Set<Waiter> }>();
  private waiters = 0;
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private lastWarning = 0;
  closed = false;

  constructor(
    private readonly store: OrderStore,
    private readonly log: Logger,
  ) {}

  /**
   * The order once its status is not `known` or is terminal; else, after `ms`, as last read. At once if it is already,
   * if the server is closing or if MAX_WAITERS are held; as it is when `signal` aborts (the client left).
   */
  wait(order: Order, known: OrderStatus, ms: number, signal: AbortSignal): Promise<Order> {
    if (order.status !== known || isTerminal(order.status) || ms === 0 || this.closed || signal.aborted || this.waiters >= MAX_WAITERS) {
      return Promise.resolve(order);
    }
    let entry = this.orders.get(order.id);
    if (entry) entry.last = order;
    else this.orders.set(order.id, (entry = { last: order, waiters: new Set() }));
    const watched = entry;
    return new Promise<Order>((resolve) => {
      const waiter: Waiter = {
        known,
        done: (now) => {
          if (!watched.waiters.delete(waiter)) return;
          clearTimeout(deadline);
          signal.removeEventListener('abort', leave);
          this.waiters--;
          if (watched.waiters.size === 0 && this.orders.get(order.id) === watched) this.orders.delete(order.id);
          if (this.waiters === 0) this.stopTimer();
          resolve(now);
        },
      };
      const leave = () => waiter.done(watched.last);
      const deadline = setTimeout(leave, ms);
      signal.addEventListener('abort', leave, { once: true });
      watched.waiters.add(waiter);
      this.waiters++;
      this.schedule();
    });
  }

  /** Answers every held request with its order as last read; later waits answer at once. */
  close(): void {
    this.closed = true;
    for (const { last, waiters } of [...this.orders.values()]) for (const w of [...waiters]) w.done(last);
  }

  private schedule(): void {
    if (this.timer || this.polling || this.waiters === 0) return;
    const interval = Math.max(WAIT_POLL_MS, Math.ceil((this.orders.size * 1000) / MAX_WAIT_READS_PER_SECOND));
    this.timer = setTimeout(() => void this.poll(), interval);
    this.timer.unref();
  }

  private stopTimer(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async poll(): Promise<void> {
    this.timer = undefined;
    this.polling = true;
    try {
      await Promise.all(
        [...this.orders].map(async ([id, watched]) => {
          let now: Order | undefined;
          try {
            now = await this.store.get(id);
          } catch (e: unknown) {
            // The waits end on time all the same, with the order as last read.
            if (Date.now() - this.lastWarning > 10_000) this.log.warn('could not read a waited-for order', { orderId: id, error: errorMessage(e) });
            this.lastWarning = Date.now();
            return;
          }
          if (!now) return;
          watched.last = now;
          for (const w of [...watched.waiters]) if (now.status !== w.known || isTerminal(now.status)) w.done(now);
        }),
      );
    } finally {
      this.polling = false;
      this.schedule();
    }
  }
}
