import { describe, expect, it } from 'vitest';
import { status, statusOptions, type StatusCommandDeps } from '../../../src/commands/status.ts';
import type { StatusSnapshot } from '../../../src/saga/status/health.ts';
import { invocationFor } from '../../helpers/invocation.ts';
import { recordOutput } from '../../helpers/output.ts';
import { healthySnapshot } from '../../helpers/status.ts';

function fakes(snapshots: StatusSnapshot[], { interactive = false, frames = 1 } = {}) {
  const out = recordOutput({ interactive });
  let reads = 0;
  let clears = 0;
  let closed = false;
  const deps: StatusCommandDeps = {
    out,
    connect: async () => ({ read: async () => snapshots[Math.min(reads++, snapshots.length - 1)]!, close: async () => void (closed = true) }),
    pause: async () => reads < frames,
    clear: () => void clears++,
  };
  return { out, deps, reads: () => reads, clears: () => clears, closed: () => closed };
}

const options = (flags: Record<string, unknown> = {}) => statusOptions(invocationFor('status', { flags }));

describe('doms status', () => {
  it('exits 0 and says healthy when it is', async () => {
    const f = fakes([healthySnapshot()]);
    expect(await status(options(), f.deps)).toBe(0);
    expect(f.out.stdout).toContain('kafka up 2 ms');
    expect(f.out.lines.at(-1)).toContain('healthy');
    expect(f.closed()).toBe(true);
  });

  it("shows the saga's Redis namespace, which follows the topic prefix, and the products in it", async () => {
    const connected: Parameters<StatusCommandDeps['connect']>[0][] = [];
    const f = fakes([{ ...healthySnapshot(), stock: { namespace: 'blue.doms', products: 12 } }]);
    await status(options({ topicPrefix: 'blue.' }), {
      ...f.deps,
      connect: (settings, windowMs) => (connected.push(settings), f.deps.connect(settings, windowMs)),
    });
    expect(connected[0]).toMatchObject({ topicPrefix: 'blue.', redisNamespace: 'blue.doms' });
    expect(f.out.lines).toContain('stock: 12 products in Redis under blue.doms:');
  });

  it('lists the worker processes behind the consumer groups, with the services each is a member for', async () => {
    const snapshot = healthySnapshot();
    const two = [
      { clientId: 'doms-all-102', host: '10.0.0.7' },
      { clientId: 'doms-all-101', host: '10.0.0.7' },
    ];
    snapshot.groups = snapshot.groups.map((g) => ({
      ...g,
      members: g.service === 'payment' ? 3 : 2,
      clients: g.service === 'payment' ? [...two, { clientId: 'doms-payment-55', host: '10.0.0.8' }] : two,
    }));
    const f = fakes([snapshot]);
    await status(options(), f.deps);
    expect(f.out.stdout).toContain(
      [
        'worker processes: 3',
        '  doms-all-101 on 10.0.0.7: order, inventory, payment, notification',
        '  doms-all-102 on 10.0.0.7: order, inventory, payment, notification',
        '  doms-payment-55 on 10.0.0.8: payment',
      ].join('\n'),
    );
  });

  it('exits 1 with one line per problem, so a script can act on it', async () => {
    const sick = healthySnapshot();
    sick.groups[0]!.members = 0;
    const f = fakes([sick]);
    expect(await status(options(), f.deps)).toBe(1);
    expect(f.out.lines.at(-1)).toContain('✗ order: no worker is running');
  });

  it('prints one JSON object per read with --json, verdict included', async () => {
    const f = fakes([healthySnapshot()]);
    await status(options({ json: true }), f.deps);
    const parsed = JSON.parse(f.out.lines[0]!);
    expect(parsed).toMatchObject({ healthy: true, problems: [], groups: [{ service: 'order', members: 1 }, {}, {}, {}] });
  });

  it('with --watch redraws until interrupted and exits by the last verdict', async () => {
    const sick = healthySnapshot();
    sick.components[0] = { name: 'kafka', ok: false, error: 'no answer' };
    const f = fakes([healthySnapshot(), healthySnapshot(), sick], { interactive: true, frames: 3 });
    expect(await status(options({ watch: '1s' }), f.deps)).toBe(1);
    expect(f.reads()).toBe(3);
    expect(f.clears()).toBe(3);
  });

  it('names the flag of a bad value', () => {
    expect(() => options({ window: 'lately' })).toThrow(/^invalid --window: /);
    expect(() => options({ watch: '10ms' })).toThrow('invalid --watch: must be at least 200ms');
    expect(options({ watch: true }).watchMs).toBe(2000);
  });
});
