import { describe, expect, it } from 'vitest';
import { invocationFor } from '../../helpers/invocation.ts';
import { load, loadOptions, THRESHOLDS_FAILED, type LoadDeps } from '../../../src/commands/load.ts';
import { ExitError, UnreachableError } from '../../../src/errors.ts';
import type { LoadResult } from '../../../src/loadgen/result.ts';
import type { LoadConfig, LoadInfra } from '../../../src/loadgen/run-load.ts';
import { doneState, resultOf, usageErrorOf, type Outcomes } from '../../helpers/load-results.ts';
import { recordOutput } from '../../helpers/output.ts';

const options = (flags: Record<string, unknown> = {}) => loadOptions(invocationFor('load', { flags: flags }));

const usageError = (flags: Record<string, unknown>) => usageErrorOf(() => options(flags));

function fakes({
  outcomes = { confirmed: 8, rejected: 1, cancelled: 1 } as Outcomes,
  health = async (): Promise<number> => 200,
  probeKafka = async (): Promise<void> => {},
  run = undefined as LoadDeps['runLoad'] | undefined,
  interactive = false,
} = {}) {
  const out = recordOutput({ interactive });
  const calls: string[] = [];
  const written = new Map<string, string>();
  let config: LoadConfig | undefined;
  let infraClosed = false;
  const infra: LoadInfra = {
    seed: async () => {},
    followOutcomes: async () => async () => {},
    lag: async () => [],
    close: async () => void (infraClosed = true),
  };
  const deps: LoadDeps = {
    out,
    probeKafka: async (brokers) => {
      calls.push(`probe ${brokers.join(',')}`);
      return probeKafka();
    },
    health: async (target) => {
      calls.push(`health ${target}`);
      return health();
    },
    loadInfra: async () => {
      calls.push('infra');
      return infra;
    },
    runLoad:
      run ??
      (async (c, hooks) => {
        calls.push('run');
        config = c;
        expect(hooks.infra).toBe(infra);
        const r = resultOf(c, outcomes);
        hooks.onUpdate?.(doneState(r));
        return r;
      }),
    writeFile: async (path, text) => void written.set(path, text),
    machine: async () => ({ hostname: 'ci-box', cpu: 'Test CPU', cores: 2, memoryBytes: 8 * 1024 ** 3, node: 'v20.0.0', os: 'Linux 6.1' }),
    chartLibrary: async () => ({ js: 'var uPlot = function () {};', css: '.uplot {}' }),
  };
  return { out, deps, calls, written, config: () => config, infraClosed: () => infraClosed };
}

describe('doms load: flags', () => {
  it('takes the command table defaults: 100/s for 30s, stock seeded, no thresholds, the dashboard on', () => {
    const o = options();
    expect(o.config).toMatchObject({
      target: 'http://localhost:8081',
      rate: 100,
      durationMs: 30_000,
      rampUpMs: 0,
      users: 1000,
      products: 100,
      items: { min: 1, max: 3 },
      quantity: { min: 1, max: 2 },
      stock: 1_000_000,
      seed: undefined,
      timeoutMs: 30_000,
      maxInFlight: Infinity,
      connections: 64,
      thresholds: [],
    });
    expect(o).toMatchObject({ json: false, outFile: undefined, oldJsonFile: undefined, reportFile: undefined, dashboard: true });
  });

  it('refuses a --duration under 1s and a --ramp-up as long as --duration, naming the flag', () => {
    expect(usageError({ duration: '500ms' })).toBe('invalid --duration: must be at least 1s');
    expect(usageError({ duration: '10s', rampUp: '10s' })).toBe('invalid --ramp-up: must be shorter than --duration');
    expect(options({ duration: '10s', rampUp: '9s' }).config.rampUpMs).toBe(9000);
  });

  it('names the flag of a value it cannot parse', () => {
    expect(usageError({ rate: '0' })).toBe('invalid --rate: 0 is below the minimum 1');
    expect(usageError({ items: '3-1' })).toMatch(/^invalid --items: /);
    expect(usageError({ maxInFlight: 'lots' })).toMatch(/^invalid --max-in-flight: /);
    expect(usageError({ threshold: ['errors<1%', 'saga.p99<soon'] })).toBe("invalid --threshold: 'saga.p99<soon': 'soon' is not a duration like 500ms or 1.5s");
    expect(usageError({ target: 'ftp://x' })).toMatch(/^invalid --target: /);
  });

  it('seeds no stock with --no-seed-stock or its old name --no-seed', () => {
    expect(options({ seedStock: false }).config.stock).toBeNull();
    expect(options({ seed: false }).config.stock).toBeNull();
    expect(options({ stock: '5' }).config.stock).toBe(5);
  });

  it('reads --json alone as "print the result", and --json <file> as the old --out', () => {
    expect(options({ json: true })).toMatchObject({ json: true, outFile: undefined, oldJsonFile: undefined });
    expect(options({ json: 'r.json' })).toMatchObject({ json: false, outFile: 'r.json', oldJsonFile: 'r.json' });
    expect(options({ out: 'o.json' })).toMatchObject({ json: false, outFile: 'o.json', oldJsonFile: undefined });
  });
});

describe('doms load', () => {
  it('checks Kafka and the order service, runs, and prints progress and the summary on stdout', async () => {
    const f = fakes();
    const code = await load(options({ rate: '50', duration: '10s', randomSeed: 'abc', dashboard: false }), f.deps);
    expect(code).toBe(0);
    expect(f.calls).toEqual(['probe localhost:9092', 'health http://localhost:8081', 'infra', 'run']);
    expect(f.config()).toMatchObject({ rate: 50, durationMs: 10_000, seed: 'abc' });
    expect(f.out.stdout).toMatch(/\[10\.0s\/10\.0s\] done \| sent 10\/10/);
    expect(f.out.stdout).toContain('saga (send → outcome)');
    expect(f.out.notes).toEqual([]);
    expect(f.infraClosed()).toBe(true);
  });

  it('takes a seed from the clock without --random-seed, so each run differs', async () => {
    const f = fakes();
    await load(options(), f.deps);
    expect(f.config()!.seed).toMatch(/^\d{13}$/);
  });

  it('returns 99 and names each failed threshold with its actual value; passing ones show in the summary', async () => {
    const f = fakes({ outcomes: { confirmed: 1, cancelled: 3 } });
    const code = await load(options({ threshold: ['confirmed>70%', 'errors<50%'] }), f.deps);
    expect(code).toBe(THRESHOLDS_FAILED);
    expect(f.out.notes).toEqual(['doms: 1 threshold failed: confirmed>70% (actual 25.00%)']);
    expect(f.out.stdout).toMatch(/errors<50%.*pass/);
    expect(f.out.stdout).toMatch(/confirmed>70%.*fail/);
  });

  it('counts the failed thresholds in the plural', async () => {
    const f = fakes({ outcomes: { confirmed: 1, httpErrors: 3 } });
    expect(await load(options({ threshold: ['confirmed>70%', 'errors<50%'] }), f.deps)).toBe(THRESHOLDS_FAILED);
    expect(f.out.notes).toEqual([`doms: 2 thresholds failed: confirmed>70% (actual 25.00%), errors<50% (actual 75.00%)`]);
  });

  it('with --json prints only the result on stdout; progress and summary go to stderr, and no dashboard even on a terminal', async () => {
    const f = fakes({ interactive: true });
    expect(await load(options({ json: true }), f.deps)).toBe(0);
    expect(f.out.lines).toHaveLength(1);
    const result = JSON.parse(f.out.stdout) as LoadResult;
    expect(result.counts).toMatchObject({ sent: 10, confirmed: 8, rejected: 1, cancelled: 1 });
    expect(f.out.notes[0]).toMatch(/^\[.*\] done \| sent 10\/10/);
    expect(f.out.notes.join('\n')).toContain('saga (send → outcome)');
  });

  it('writes the result to --out and says so', async () => {
    const f = fakes();
    expect(await load(options({ out: 'result.json' }), f.deps)).toBe(0);
    expect((JSON.parse(f.written.get('result.json')!) as LoadResult).counts.sent).toBe(10);
    expect(f.out.lines.at(-1)).toBe('result written to result.json');
  });

  it('writes the HTML report to --report through writeFile and says so', async () => {
    expect(options({ report: 'run.html' }).reportFile).toBe('run.html');
    const f = fakes();
    expect(await load(options({ report: 'run.html', out: 'result.json' }), f.deps)).toBe(0);
    const html = f.written.get('run.html')!;
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('var uPlot = function () {};');
    expect(html).toContain('ci-box');
    expect(f.out.lines.slice(-2)).toEqual(['result written to result.json', 'report written to run.html']);
  });

  it('with --json says where the report went on stderr, keeping stdout for the JSON', async () => {
    const f = fakes();
    expect(await load(options({ json: true, report: 'run.html' }), f.deps)).toBe(0);
    expect(f.written.has('run.html')).toBe(true);
    expect(f.out.notes.at(-1)).toBe('report written to run.html');
    expect(f.out.lines).toHaveLength(1);
  });

  it('treats --json <file> as the old --out, and says that is the old form', async () => {
    const f = fakes();
    expect(await load(options({ json: 'old.json' }), f.deps)).toBe(0);
    expect(f.out.notes).toEqual(['doms: --json old.json is the old form of --out old.json; --json alone now prints the result on stdout']);
    expect(f.written.has('old.json')).toBe(true);
    expect(f.out.lines.at(-1)).toBe('result written to old.json');
    expect(() => JSON.parse(f.out.stdout)).toThrow();
  });

  it('gives the one-line error naming DOMS_TARGET when the order service does not answer, before seeding or sending', async () => {
    const refused = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8081'), { code: 'ECONNREFUSED' }) });
    const f = fakes({ health: () => Promise.reject(refused) });
    const error = await load(options(), f.deps).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnreachableError);
    expect((error as Error).message).toBe(
      'cannot reach the order service at http://localhost:8081 (DOMS_TARGET / --target): connect ECONNREFUSED 127.0.0.1:8081 — is `doms run order` running?',
    );
    expect(f.calls).not.toContain('infra');
    expect(f.calls).not.toContain('run');
  });

  it('counts an order service that answers /health with an error as unreachable', async () => {
    const f = fakes({ health: async () => 503 });
    await expect(load(options(), f.deps)).rejects.toThrow(
      'cannot reach the order service at http://localhost:8081 (DOMS_TARGET / --target): GET /health answered 503 — is `doms run order` running?',
    );
  });

  it('stops at an unreachable Kafka without asking the order service', async () => {
    const kafkaDown = new UnreachableError('Kafka at localhost:9092', 'KAFKA_BROKERS / --brokers', 'Connection error: ECONNREFUSED');
    const f = fakes({ probeKafka: () => Promise.reject(kafkaDown) });
    await expect(load(options(), f.deps)).rejects.toBe(kafkaDown);
    expect(f.calls).toEqual(['probe localhost:9092']);
  });

  it('closes the infrastructure when the run fails', async () => {
    const f = fakes({ run: () => Promise.reject(new Error('boom')) });
    await expect(load(options(), f.deps)).rejects.toThrow('boom');
    expect(f.infraClosed()).toBe(true);
  });

  it('stops sending at the first Ctrl-C and still reports; a second one ends the run with exit code 130', async () => {
    const before = new Set([...process.listeners('SIGINT'), ...process.listeners('SIGTERM')]);
    const ours = (signal: 'SIGINT' | 'SIGTERM') => process.listeners(signal).filter((l) => !before.has(l));
    let signal: AbortSignal | undefined;
    const f = fakes({
      run: (c, hooks) => {
        signal = hooks.signal;
        expect(signal!.aborted).toBe(false);
        ours('SIGINT')[0]!('SIGINT');
        return Promise.resolve(resultOf(c, { confirmed: 2 }));
      },
    });
    expect(await load(options(), f.deps)).toBe(0);
    expect(signal!.aborted).toBe(true);
    expect(f.out.stdout).toContain('saga (send → outcome)');

    // The drain never ends: the second Ctrl-C gives up on it.
    const g = fakes({
      run: () => {
        const [onSigint] = ours('SIGINT');
        onSigint!('SIGINT');
        onSigint!('SIGINT');
        return new Promise<LoadResult>(() => {});
      },
    });
    const error = await load(options(), g.deps).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExitError);
    expect((error as ExitError).exitCode).toBe(130);
    expect(g.infraClosed()).toBe(true);
    expect([...ours('SIGINT'), ...ours('SIGTERM')]).toEqual([]);
  });
});
