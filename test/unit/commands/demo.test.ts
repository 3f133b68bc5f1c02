import { describe, expect, it } from 'vitest';
import { invocationFor } from '../../helpers/invocation.ts';
import { demo, demoOptions, type DemoDeps, type EmbeddedSaga } from '../../../src/commands/demo.ts';
import { UsageError } from '../../../src/errors.ts';
import type { LoadConfig, LoadHooks } from '../../../src/loadgen/run-load.ts';
import { doneState, resultOf, usageErrorOf, type Outcomes } from '../../helpers/load-results.ts';
import { recordOutput } from '../../helpers/output.ts';

const options = (flags: Record<string, unknown> = {}) => demoOptions(invocationFor('demo', { flags: flags }));

const usageError = (flags: Record<string, unknown>) => usageErrorOf(() => options(flags));

function fakes({
  outcomes = { confirmed: 7, rejected: 2, cancelled: 1 } as Outcomes,
  interactive = false,
  startError = undefined as Error | undefined,
  apiPort = 43_210,
} = {}) {
  const out = recordOutput({ interactive });
  const events: string[] = [];
  let started: Parameters<DemoDeps['startSaga']>[0] | undefined;
  let config: LoadConfig | undefined;
  const saga: EmbeddedSaga = {
    apiPort,
    runLoad: async (c, hooks: Omit<LoadHooks, 'logger' | 'infra'>) => {
      config = c;
      const r = resultOf(c, outcomes);
      // On the dashboard the fake draws nothing: Ink would write to the test's own terminal.
      if (!interactive) hooks.onUpdate?.(doneState(r));
      return r;
    },
    close: async () => void events.push('closed'),
  };
  const deps: DemoDeps = {
    out: { ...out, note: (text) => (events.push(`note ${text}`), out.note(text)) },
    startSaga: async (o) => {
      started = o;
      if (startError) throw startError;
      return saga;
    },
  };
  return { out, deps, events, started: () => started, config: () => config };
}

describe('doms demo: flags', () => {
  it('takes the command table defaults: 100/s for 60s, 20% failed payments, port 8081, the dashboard on', () => {
    expect(options()).toEqual({ rate: 100, durationMs: 60_000, duration: '60s', failureRate: 0.2, port: 8081, dashboard: true });
  });

  it('names the flag of a bad value', () => {
    expect(usageError({ duration: '500ms' })).toBe('invalid --duration: must be at least 1s');
    expect(usageError({ rate: '0' })).toBe('invalid --rate: 0 is below the minimum 1');
    expect(usageError({ failureRate: '2' })).toBe("invalid --failure-rate: '2' is not a number between 0 and 1");
    expect(usageError({ port: '70000' })).toBe('invalid --port: 70000 is above the maximum 65535');
  });
});

describe('doms demo', () => {
  it('starts the saga, says where its API is, runs the load against it and says every order reached an outcome', async () => {
    const f = fakes();
    expect(await demo(options({ rate: '50', duration: '5s', failureRate: '0.3', port: '0', dashboard: false }), f.deps)).toBe(0);
    expect(f.started()).toEqual({ port: 0, failureRate: 0.3, quiet: false });
    expect(f.config()).toMatchObject({ target: 'http://127.0.0.1:43210', rate: 50, durationMs: 5000, users: 200, products: 50, connections: 32 });
    expect(f.out.lines[0]).toBe('doms demo: starting the saga on embedded Kafka, Redis and PostgreSQL (PGlite)…');
    expect(f.out.lines[1]).toBe(
      'doms demo: order API on http://127.0.0.1:43210 (open http://127.0.0.1:43210/ in a browser, or try: curl http://127.0.0.1:43210/orders?size=3); sending 50/s for 5s',
    );
    expect(f.out.lines[2]).toMatch(/^\[5\.0+s\/5\.0+s\] done \| sent 10\/10/);
    expect(f.out.stdout).toContain('saga (send → outcome)');
    expect(f.out.lines.at(-1)).toBe('doms demo: every one of 10 orders reached an outcome (7 confirmed, 2 rejected, 1 cancelled)');
    expect(f.events).toEqual(['closed']);
  });

  it('returns 1 and says how many orders did not reach an outcome, after stopping the saga', async () => {
    const f = fakes({ outcomes: { confirmed: 5, httpErrors: 1, inFlight: 2 } });
    expect(await demo(options({ dashboard: false }), f.deps)).toBe(1);
    expect(f.events).toEqual(['closed', 'note doms: 3 of 8 orders did not reach an outcome']);
    expect(f.out.stdout).not.toContain('every one of');
  });

  it('says in one line that its port is taken', async () => {
    const taken = Object.assign(new Error('listen EADDRINUSE: address already in use 127.0.0.1:8081'), { code: 'EADDRINUSE' });
    const f = fakes({ startError: taken });
    const error = await demo(options(), f.deps).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe('port 8081 is taken (is `doms run` running?): choose another with --port');
  });

  it('passes any other start-up failure on as it is', async () => {
    const broken = new Error('PGlite failed to start');
    await expect(demo(options(), fakes({ startError: broken }).deps)).rejects.toBe(broken);
  });

  it('on a terminal with the dashboard, keeps worker logs and the opening lines out of the frame', async () => {
    const f = fakes({ interactive: true });
    expect(await demo(options(), f.deps)).toBe(0);
    expect(f.started()!.quiet).toBe(true);
    expect(f.out.lines[0]).not.toMatch(/^doms demo: starting/);
    expect(f.out.lines.at(-1)).toMatch(/^doms demo: every one of 10 orders/);
  });

  it('with --no-dashboard on a terminal, prints plain lines and keeps the worker logs', async () => {
    const f = fakes({ interactive: true });
    await demo(options({ dashboard: false }), f.deps);
    expect(f.started()!.quiet).toBe(false);
    expect(f.out.lines[0]).toMatch(/^doms demo: starting/);
  });
});
