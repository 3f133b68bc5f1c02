import { describe, expect, it } from 'vitest';
import { invocationFor } from '../../helpers/invocation.ts';
import { READ_RETRY_MS, verify, verifyOptions, type VerifyCommandDeps } from '../../../src/commands/verify.ts';
import type { Snapshot } from '../../../src/saga/verify/invariants.ts';
import { recordOutput } from '../../helpers/output.ts';
import { sagaSnapshot } from '../../helpers/snapshots.ts';

function fakes(snapshots: (Snapshot | Error)[]) {
  const out = recordOutput();
  let clock = 0;
  let closed = false;
  let reads = 0;
  const connected: Parameters<VerifyCommandDeps['connect']>[] = [];
  const deps: VerifyCommandDeps = {
    out,
    sleep: async (ms) => void (clock += ms),
    now: () => clock,
    connect: async (...args) => (
      connected.push(args),
      {
        snapshot: async () => {
          reads++;
          const next = snapshots.length > 1 ? snapshots.shift()! : snapshots[0]!;
          if (next instanceof Error) throw next;
          return next;
        },
        close: async () => void (closed = true),
      }
    ),
  };
  return { out, deps, connected, closed: () => closed, reads: () => reads, setClock: (ms: number) => void (clock = ms) };
}

const options = (flags: Record<string, unknown> = {}) => verifyOptions(invocationFor('verify', { flags }));

describe('doms verify', () => {
  it('exits 0 and says all invariants hold for a consistent saga', async () => {
    const { out, deps, closed } = fakes([sagaSnapshot()]);
    expect(await verify(options(), deps)).toBe(0);
    expect(out.lines.at(-1)).toContain('all invariants hold');
    expect(closed()).toBe(true);
  });

  it('exits 1 and names the order stuck past --max-in-flight', async () => {
    const { out, deps } = fakes([sagaSnapshot({ stuck: true })]);
    expect(await verify(options({ maxInFlight: '60s' }), deps)).toBe(1);
    expect(out.stdout).toMatch(/✗ I\d+ .*violation/);
    expect(out.stdout).toContain('    s: ');
  });

  it('with --wait gives in-flight orders time, then judges the finished saga', async () => {
    const { out, deps, reads } = fakes([sagaSnapshot({ inFlight: true }), sagaSnapshot({ inFlight: true }), sagaSnapshot()]);
    expect(await verify(options({ wait: '10s' }), deps)).toBe(0);
    expect(reads()).toBe(3);
    expect(out.lines[0]).toMatch(/^1 orders \(1 terminal, 0 in flight\)/);
  });

  it('retries a read that failed on a transient error (a broker just restarted, a slow machine) for 30 s, with or without --wait', async () => {
    const flaky = Object.assign(new Error('not the leader'), { retriable: true });
    expect(await verify(options({ wait: '10s' }), fakes([flaky, sagaSnapshot()]).deps)).toBe(0);
    expect(await verify(options(), fakes([flaky, flaky, sagaSnapshot()]).deps)).toBe(0);
    const lost = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    expect(await verify(options(), fakes([lost, sagaSnapshot()]).deps)).toBe(0);
  });

  it('gives up on a transient error after READ_RETRY_MS (or --wait if longer), and at once on any other', async () => {
    const flaky = Object.assign(new Error('not the leader'), { retriable: true });
    const always = fakes([flaky]);
    await expect(verify(options(), always.deps)).rejects.toThrow('not the leader');
    expect(always.reads()).toBe(READ_RETRY_MS / 500 + 1);
    expect(always.closed()).toBe(true);
    const longer = fakes([flaky]);
    await expect(verify(options({ wait: '60s' }), longer.deps)).rejects.toThrow('not the leader');
    expect(longer.reads()).toBe(60_000 / 500 + 1);
    const bug = fakes([new TypeError('x is undefined'), sagaSnapshot()]);
    await expect(verify(options({ wait: '10s' }), bug.deps)).rejects.toThrow('x is undefined');
    expect(bug.reads()).toBe(1);
  });

  it('prints the report as JSON with --json', async () => {
    const { out, deps } = fakes([sagaSnapshot({ stuck: true })]);
    expect(await verify(options({ json: true }), deps)).toBe(1);
    const report = JSON.parse(out.stdout);
    expect(report.ok).toBe(false);
    expect(report.violations.some((v: { subject: string }) => v.subject === 's')).toBe(true);
  });

  it("reads the saga's own Redis namespace (following the topic prefix) and the workers' ledger TTL", async () => {
    const f = fakes([sagaSnapshot()]);
    await verify(options({ topicPrefix: 'blue.', ledgerTtl: '2d' }), f.deps);
    expect(f.connected[0]![0]).toMatchObject({ topicPrefix: 'blue.', redisNamespace: 'blue.doms', ledgerTtl: 2 * 86_400_000 });
    expect(f.connected[0]![1]).toEqual({ since: undefined });
  });

  it('with --since judges only orders from then on: a duration counts back from now, an ISO time stands', async () => {
    const f = fakes([sagaSnapshot()]);
    f.setClock(Date.parse('2026-01-01T12:00:00Z'));
    await verify(options({ since: '90m' }), f.deps);
    expect(f.connected[0]![1]).toEqual({ since: new Date('2026-01-01T10:30:00Z') });
    await verify(options({ since: '2025-12-31T00:00:00Z' }), f.deps);
    expect(f.connected[1]![1]).toEqual({ since: new Date('2025-12-31T00:00:00Z') });
    expect(() => options({ since: 'last week' })).toThrow(/^invalid --since: 'last week' is neither an ISO time/);
  });

  it('says what it left out: orders before --since, and orders older than the ledger TTL it did not ask Redis about', async () => {
    const snapshot = sagaSnapshot();
    snapshot.since = new Date('2026-01-01T11:00:00Z');
    snapshot.ordersBeforeSince = 7;
    snapshot.ledgerRetainedSince = new Date('2025-12-25T12:00:00Z');
    snapshot.orders.push({ id: 'o', status: 'CONFIRMED', createdAt: new Date('2025-12-20T00:00:00Z'), updatedAt: new Date('2025-12-20T00:00:00Z') });
    snapshot.paymentEvents.set('o', new Set(['success']));
    snapshot.createdEvents.add('o');
    const { out, deps } = fakes([snapshot]);
    expect(await verify(options(), deps)).toBe(0);
    expect(out.lines).toContain('not judged: 7 orders created before 2026-01-01T11:00:00.000Z (--since)');
    expect(out.lines).toContain(
      'not asked for their Redis records: 1 orders created before 2025-12-25T12:00:00.000Z, older than the ledger TTL (DOMS_LEDGER_TTL)',
    );
    const json = fakes([snapshot]);
    await verify(options({ json: true }), json.deps);
    expect(JSON.parse(json.out.stdout).notJudged).toMatchObject({ beforeSince: 7, beforeLedgerRetention: 1, ledgerRetainedSince: '2025-12-25T12:00:00.000Z' });
  });

  it('names the flag of a bad duration', () => {
    expect(() => options({ wait: 'forever' })).toThrow(/^invalid --wait: /);
    expect(() => options({ maxInFlight: '-1s' })).toThrow(/^invalid --max-in-flight: /);
  });
});
