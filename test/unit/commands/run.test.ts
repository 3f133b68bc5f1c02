import { describe, expect, it } from 'vitest';
import { invocationFor } from '../../helpers/invocation.ts';
import { FORCED_EXIT, run, runOptions, type RunCommandDeps } from '../../../src/commands/run.ts';
import { silentLogger } from '../../../src/infra/log.ts';
import { SERVICE_NAMES } from '../../../src/services/registry.ts';
import type { LaunchOptions } from '../../../src/wiring/launch.ts';

/** Deps whose signals, crash, stop and timer the test fires by hand. */
function fakes() {
  const fire: { signal?: (s: NodeJS.Signals) => void; crash?: (e: Error) => void; stopDone?: () => void; timeout?: () => void } = {};
  const launched: LaunchOptions[] = [];
  let stopping = false;
  const deps: RunCommandDeps = {
    logger: () => silentLogger,
    launch: async (options) => {
      launched.push(options);
      return {
        services: [],
        crashed: new Promise<never>((_, reject) => (fire.crash = reject)),
        stop: () => {
          stopping = true;
          return new Promise<void>((resolve) => (fire.stopDone = resolve));
        },
      };
    },
    nextSignal: () => new Promise((resolve) => (fire.signal = resolve)),
    delay: () => new Promise((resolve) => (fire.timeout = resolve)),
    now: () => 0,
    worker: null,
    started: () => {},
    pool: () => {
      throw new Error('no worker processes in these tests');
    },
  };
  return { deps, fire, launched, stopping: () => stopping };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('doms run', () => {
  it('runs every service of the registry for `all`, with the payment flags parsed', async () => {
    const options = runOptions(invocationFor('run', { args: ['all'], flags: { failureRate: '0.1', latency: '20ms', paymentSeed: 'demo' } }));
    expect(options.services).toEqual([...SERVICE_NAMES]);
    expect(options).toMatchObject({ failureRate: 0.1, latencyMs: 20, paymentSeed: 'demo', defaultStock: null });
  });

  it('keeps the old --seed working', () => {
    expect(runOptions(invocationFor('run', { args: ['payment'], flags: { seed: 'x' } })).paymentSeed).toBe('x');
  });

  it.each([
    [{ failureRate: '2' }, /^invalid --failure-rate: /],
    [{ latency: 'slow' }, /^invalid --latency: /],
    [{ defaultStock: '-3' }, /^invalid --default-stock: /],
    [{ brokers: '' }, /^invalid --brokers: /],
  ])('names the flag of a bad value: %o', (flags, message) => {
    expect(() => runOptions(invocationFor('run', { args: ['inventory'], flags }))).toThrow(message);
  });

  it('logs as the service it runs (start, stop and Kafka client lines included), and as doms for `all`', async () => {
    for (const [service, expected] of [
      ['inventory', 'inventory'],
      ['all', 'doms'],
    ] as const) {
      const { deps, fire } = fakes();
      const asked: unknown[] = [];
      deps.logger = (options) => (asked.push(options.service), silentLogger);
      const code = run(runOptions(invocationFor('run', { args: [service] })), deps);
      await tick();
      fire.signal!('SIGTERM');
      await tick();
      fire.stopDone!();
      await code;
      expect(asked).toEqual([expected]);
    }
  });

  it('drains on SIGTERM and exits 0', async () => {
    const { deps, fire, stopping } = fakes();
    const code = run(runOptions(invocationFor('run', { args: ['order'] })), deps);
    await tick();
    fire.signal!('SIGTERM');
    await tick();
    expect(stopping()).toBe(true);
    fire.stopDone!();
    expect(await code).toBe(0);
  });

  it('exits 1 when a service stops working, so a supervisor restarts it', async () => {
    const { deps, fire } = fakes();
    const code = run(runOptions(invocationFor('run', { args: ['payment'] })), deps);
    await tick();
    fire.crash!(new Error('consumer stopped'));
    await tick();
    fire.stopDone!();
    expect(await code).toBe(1);
  });

  it('a second signal during the drain exits 130 at once', async () => {
    const { deps, fire } = fakes();
    const code = run(runOptions(invocationFor('run', { args: ['inventory'] })), deps);
    await tick();
    fire.signal!('SIGINT');
    await tick();
    fire.signal!('SIGINT');
    expect(await code).toBe(FORCED_EXIT);
  });

  it('a drain that takes too long exits 130', async () => {
    const { deps, fire } = fakes();
    const code = run(runOptions(invocationFor('run', { args: ['inventory'] })), deps);
    await tick();
    fire.signal!('SIGINT');
    await tick();
    fire.timeout!();
    expect(await code).toBe(FORCED_EXIT);
  });
});
