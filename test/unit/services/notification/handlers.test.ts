import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../../src/infra/log.ts';
import type { ChunkHandler } from '../../../../src/runtime/handler.ts';
import { notificationHandler } from '../../../../src/services/notification/handlers.ts';
import { MemoryNotificationLedger, type NotificationLedger } from '../../../../src/services/notification/ports.ts';
import { chunkOf, sagaEvents as ev } from '../../../helpers/saga-events.ts';

interface Line {
  msg: string;
  orderId?: string;
  outcome?: string;
}

describe('notification handler', () => {
  let lines: Line[];
  let claims: { orderId: string; outcome: string; first: boolean }[];
  let handle: ChunkHandler;

  /** The notifications sent: one log line each. */
  const sent = () => lines.filter((l) => l.msg.startsWith('notification sent'));

  beforeEach(() => {
    lines = [];
    claims = [];
    const memory = new MemoryNotificationLedger();
    const ledger: NotificationLedger = {
      claim: async (entries) => {
        const first = await memory.claim(entries);
        entries.forEach((e, i) => claims.push({ ...e, first: first[i]! }));
        return first;
      },
    };
    const log = createLogger('test', { level: 'info', format: 'json', write: (line) => lines.push(JSON.parse(line) as Line) });
    handle = notificationHandler(ledger, log);
  });

  it('sends one notification per outcome, saying what became of the order', async () => {
    const [confirmed, rejected, cancelled] = [randomUUID(), randomUUID(), randomUUID()];
    const out = await handle(
      chunkOf(ev.paid(confirmed), ev.rejected(rejected, [{ productId: randomUUID(), requested: 2, available: 0 }]), ev.released(cancelled)),
    );
    expect(out).toEqual([]);
    expect(sent().map((l) => [l.orderId, l.outcome])).toEqual([
      [confirmed, 'CONFIRMED'],
      [rejected, 'REJECTED'],
      [cancelled, 'CANCELLED'],
    ]);
    expect(sent()[0]!.msg).toContain('confirmed');
    expect(sent()[1]!.msg).toContain('rejected');
    expect(sent()[2]!.msg).toContain('cancelled');
  });

  it('notifies once when the outcome comes twice in one chunk', async () => {
    const order = randomUUID();
    await handle(chunkOf(ev.paid(order), ev.paid(order)));
    expect(sent().map((l) => l.orderId)).toEqual([order]);
    expect(claims.filter((c) => c.orderId === order && c.first)).toHaveLength(1);
  });

  it('notifies once when the outcome comes again in a later chunk', async () => {
    const [order, other] = [randomUUID(), randomUUID()];
    await handle(chunkOf(ev.released(order)));
    await handle(chunkOf(ev.released(order), ev.released(other)));
    await handle(chunkOf(ev.released(order)));
    expect(sent().map((l) => l.orderId)).toEqual([order, other]);
    expect(claims.filter((c) => c.first).map((c) => c.orderId)).toEqual([order, other]);
  });

  it('claims nothing for events that are not outcomes', async () => {
    const order = randomUUID();
    await handle(chunkOf(ev.failed(order), ev.reserved(order), ev.created(order, { [randomUUID()]: 1 })));
    expect(claims).toEqual([]);
    expect(sent()).toEqual([]);
  });
});
