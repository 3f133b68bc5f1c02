import { render } from 'ink-testing-library';
import { describe, expect, it, vi } from 'vitest';
import { Dashboard, LoadApp, progressBar, sparkline } from '../../../src/loadgen/dashboard.tsx';
import type { LiveState } from '../../../src/loadgen/run-load.ts';

const latency = (p99: number) => ({ count: 100, min: 1, avg: 10, p50: 8, p90: 20, p95: 30, p99, 'p99.9': p99 * 2, max: p99 * 3 });
const state: LiveState = {
  phase: 'sending',
  elapsedMs: 30_000,
  durationMs: 60_000,
  counts: {
    planned: 30_000,
    sent: 15_000,
    dropped: 0,
    late: 12,
    accepted: 14_950,
    httpErrors: 3,
    confirmed: 11_000,
    rejected: 500,
    cancelled: 3_200,
    timeouts: 0,
    inFlight: 297,
  },
  offeredRate: 500,
  sentPerSec: 499,
  acceptedPerSec: 498,
  completedPerSec: 497,
  completedHistory: [100, 300, 497, 497],
  http: latency(40),
  saga: latency(350),
  lag: [
    { service: 'order', lag: 12 },
    { service: 'inventory', lag: 3 },
    { service: 'payment', lag: 40 },
    { service: 'notification', lag: 0 },
  ],
};

describe('load dashboard', () => {
  it('shows progress, rates, outcomes with shares, latency percentiles and lag per service', () => {
    const frame = render(<Dashboard state={state} target="http://localhost:8081" rate={500} />).lastFrame() ?? '';
    expect(frame).toContain('500/s for 1m0s');
    expect(frame).toContain('30.0s / 1m0s');
    expect(frame).toMatch(/offered 500\/s/);
    expect(frame).toMatch(/completed 497\/s/);
    expect(frame).toMatch(/confirmed 11000 73\.3%/);
    expect(frame).toMatch(/rejected 500 3\.3%/);
    expect(frame).toMatch(/cancelled 3200 21\.3%/);
    expect(frame).toMatch(/HTTP errors 3/);
    expect(frame).toMatch(/in flight 297/);
    expect(frame).toMatch(/saga\s+8\.0ms\s+20ms\s+350ms\s+700ms\s+1\.05s/);
    expect(frame).toMatch(/payment 40/);
    expect(frame).toContain('12 late sends');
  });

  it('stops on q and on Ctrl-C', () => {
    const onStop = vi.fn();
    const { stdin } = render(<LoadApp state={state} target="t" rate={1} onStop={onStop} />);
    stdin.write('q');
    stdin.write('\u0003');
    expect(onStop).toHaveBeenCalledTimes(2);
  });

  it('draws sparklines relative to their peak and bounded progress bars', () => {
    expect(sparkline([0, 50, 100])).toBe('▁▅█');
    expect(progressBar(0.5, 10)).toBe('█████░░░░░');
    expect(progressBar(2, 4)).toBe('████');
  });
});
