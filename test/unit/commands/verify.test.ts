import { describe, expect, it } from 'vitest';
import { invocationFor } from '../../helpers/invocation.ts';
import { verify, verifyOptions, type VerifyCommandDeps } from '../../../src/commands/verify.ts';
import type { Snapshot } from '../../../src/services/verify/invariants.ts';
import { recordOutput } from '../../helpers/output.ts';
import { sagaSnapshot } from '../../helpers/snapshots.ts';

function fakes(snapshots: (Snapshot | Error)[]) {
  const out = recordOutput();
  let clock = 0;
  let closed = false;
  let reads = 0;
  const deps: VerifyCommandDeps = {
    out,
    sleep: async (ms) => void (clock += ms),
    now: () => clock,
    connect: async () => ({
      snapshot: async () => {
        reads++;
        const next = snapshots.length > 1 ? snapshots.shift()! : snapshots[0]!;
        if (next instanceof Error) throw next;
        return next;
      },
      close: async () => void (closed = true),
    }),
  };
  return { out, deps, closed: () => closed, reads: () => reads };
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

  it('with --wait retries a retriable failure (a broker just restarted), without --wait it fails', async () => {
    const flaky = Object.assign(new Error('not the leader'), { retriable: true });
    expect(await verify(options({ wait: '10s' }), fakes([flaky, sagaSnapshot()]).deps)).toBe(0);
    const once = fakes([flaky, sagaSnapshot()]);
    await expect(verify(options(), once.deps)).rejects.toThrow('not the leader');
    expect(once.closed()).toBe(true);
  });

  it('prints the report as JSON with --json', async () => {
    const { out, deps } = fakes([sagaSnapshot({ stuck: true })]);
    expect(await verify(options({ json: true }), deps)).toBe(1);
    const report = JSON.parse(out.stdout);
    expect(report.ok).toBe(false);
    expect(report.violations.some((v: { subject: string }) => v.subject === 's')).toBe(true);
  });

  it('names the flag of a bad duration', () => {
    expect(() => options({ wait: 'forever' })).toThrow(/^invalid --wait: /);
    expect(() => options({ maxInFlight: '-1s' })).toThrow(/^invalid --max-in-flight: /);
  });
});
