import { describe, expect, it } from 'vitest';
import { sinceText, trace, traceOptions, type TraceCommandDeps } from '../../../src/commands/trace.ts';
import { ExitError, UsageError } from '../../../src/errors.ts';
import type { OrderTrace, TraceVerdict } from '../../../src/saga/trace/model.ts';
import { invocationFor } from '../../helpers/invocation.ts';
import { recordOutput } from '../../helpers/output.ts';

const ID = '2fa65380-0ae0-4d65-b7b2-cc33055a85b3';
const options = (flags: Record<string, unknown> = {}, id: unknown = ID) => traceOptions(invocationFor('trace', { args: [id], flags }));

function traced(state: TraceVerdict['state'], missing: string[] = []): OrderTrace {
  return {
    orderId: ID,
    order: {
      id: ID,
      userId: ID,
      amount: 20,
      items: { [ID]: 2 },
      status: 'CONFIRMED',
      createdAt: '2026-12-06T18:00:00.000Z',
      updatedAt: '2026-12-06T18:00:00.200Z',
      statusHistory: [],
    },
    events: [
      {
        topic: 'order.created',
        partition: 2,
        offset: '5',
        timestamp: '2026-12-06T18:00:00.010Z',
        origin: 'abcdef12-0000',
        sincePreviousMs: 10,
        kind: 'step',
        summary: 'amount 20',
        value: {},
      },
    ],
    deadLetters: [],
    redis: {
      reservation: { key: `doms:reservation:${ID}`, state: missing.length ? null : 'SOLD', detail: null },
      payment: { key: `doms:payment:${ID}`, value: { status: 'success', paymentId: 'p' } },
      notification: { key: `doms:notified:${ID}`, value: 'CONFIRMED' },
    },
    verdict: {
      state,
      outcome: state === 'in flight' ? null : 'CONFIRMED',
      checks: [{ name: 'one charge', status: 'pass', detail: 'charged once (p)' }],
      missing,
    },
    searched: [{ topic: 'order.created', partition: 2, from: '0', to: '6' }],
  };
}

function fakes(answers: (OrderTrace | Error | undefined)[]) {
  const out = recordOutput();
  let clock = 0;
  let closed = false;
  let reads = 0;
  const deps: TraceCommandDeps = {
    out,
    sleep: async (ms) => void (clock += ms),
    now: () => clock,
    connect: async () => ({
      trace: async () => {
        reads++;
        const next = answers.length > 1 ? answers.shift() : answers[0];
        if (next instanceof Error) throw next;
        return next;
      },
      close: async () => void (closed = true),
    }),
  };
  return { out, deps, closed: () => closed, reads: () => reads };
}

describe('doms trace', () => {
  it('refuses an id that is not a UUID as bad input (exit 2)', () => {
    expect(() => options({}, '12345')).toThrow(UsageError);
    expect(() => options({}, '12345')).toThrow("invalid order id '12345': must be a UUID");
    expect(options({}, ID.toUpperCase()).id).toBe(ID);
  });

  it('takes --settle, --clock-skew and --wait as durations', () => {
    expect(options()).toMatchObject({ settleMs: 30_000, skewMs: 5_000, waitMs: 0, json: false });
    expect(options({ settle: '5s', clockSkew: '1s', wait: '10s', json: true })).toMatchObject({ settleMs: 5_000, skewMs: 1_000, waitMs: 10_000, json: true });
  });

  it('exits 0 for a passing verdict and prints the steps, the Redis records and the checks', async () => {
    const { out, deps, closed } = fakes([traced('passed')]);
    expect(await trace(options(), deps)).toBe(0);
    expect(out.stdout).toContain('order.created');
    expect(out.stdout).toContain('+10ms');
    expect(out.stdout).toContain(`doms:reservation:${ID}  SOLD`);
    expect(out.stdout).toContain('verdict: passed (CONFIRMED)');
    expect(out.stdout).toContain('✔ one charge: charged once (p)');
    expect(closed()).toBe(true);
  });

  it('exits 1 for a failing verdict and names what is missing', async () => {
    const { out, deps } = fakes([traced('failed', [`Redis reservation record doms:reservation:${ID}`])]);
    expect(await trace(options(), deps)).toBe(1);
    expect(out.stdout).toContain(`doms:reservation:${ID}  (missing)`);
    expect(out.stdout).toContain(`missing: Redis reservation record doms:reservation:${ID}`);
  });

  it('prints the trace itself with --json', async () => {
    const { out, deps } = fakes([traced('passed')]);
    expect(await trace(options({ json: true }), deps)).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual(traced('passed'));
  });

  it('says in one line that an order does not exist (exit 1)', async () => {
    const { deps, closed } = fakes([undefined]);
    const error = await trace(options(), deps).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExitError);
    expect(error).toMatchObject({ exitCode: 1, message: `no order ${ID} in the database (DATABASE_URL)` });
    expect(closed()).toBe(true);
  });

  it('exits 1 for an order in flight, and with --wait reads again until it has finished', async () => {
    expect(await trace(options(), fakes([traced('in flight')]).deps)).toBe(1);
    const waiting = fakes([traced('in flight'), traced('in flight'), traced('passed')]);
    expect(await trace(options({ wait: '10s' }), waiting.deps)).toBe(0);
    expect(waiting.reads()).toBe(3);
  });

  it('reads again after a transient error (a leader moving), and gives up on it after 10 s', async () => {
    const moving = Object.assign(new Error('This server is not the leader for that topic-partition'), { retriable: true });
    const again = fakes([moving, traced('passed')]);
    expect(await trace(options(), again.deps)).toBe(0);
    expect(again.reads()).toBe(2);
    await expect(trace(options(), fakes([moving]).deps)).rejects.toThrow('not the leader');
    await expect(trace(options(), fakes([new TypeError('a bug')]).deps)).rejects.toThrow('a bug');
  });

  it('writes the time between steps briefly', () => {
    expect([sinceText(57), sinceText(1234), sinceText(-3), sinceText(90_000)]).toEqual(['+57ms', '+1.2s', '-3ms', '+1.5m']);
  });
});
