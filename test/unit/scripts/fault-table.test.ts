import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../helpers/env.ts';

const row = (scenario: string, faultObserved?: Record<string, unknown>) =>
  `fault-figures: ${JSON.stringify({
    scenario,
    load: '20/s',
    orders: 30,
    lost: 0,
    duplicatedOutcomes: 0,
    duplicateOrders: 0,
    oversoldUnits: 0,
    doubleCharges: 0,
    gatewayCalledTwice: 0,
    duplicateNotifications: 0,
    duringFault: { orders: 30, p999Ms: 33_327, maxMs: 33_327 },
    recoverMs: 35_255,
    verify: 'pass',
    ...(faultObserved && { faultObserved }),
  })}`;

const table = (input: string) => spawnSync(process.execPath, ['scripts/fault-table.mjs'], { cwd: REPO_ROOT, input, encoding: 'utf8' });

describe('npm run faults:table', () => {
  it('prints a row per scenario with what was observed of its fault', () => {
    const out = table(`noise\n${row('outages: the broker down for 20 s', { brokerDownMs: 23_456, produceFailed: 'ECONNREFUSED' })}\n`);
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout).toContain('| outages: the broker down for 20 s | 20/s | 30 | 0 |');
    expect(out.stdout).toContain('| 33.3 s | 33.3 s | 35.3 s | pass | brokerDownMs 23,456, produceFailed ECONNREFUSED |');
  });

  it('refuses a run in which a fault was not observed, naming it', () => {
    const out = table(`${row('a', { killed: 1 })}\n${row('outages: the broker down for 20 s', {})}\n${row('old run')}\n`);
    expect(out.status).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr.trim()).toBe('fault-table: refusing rows whose fault was not observed: outages: the broker down for 20 s; old run');
  });
});
