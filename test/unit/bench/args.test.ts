import { describe, expect, it } from 'vitest';
import { HELP, parseBenchArgs } from '../../../src/bench/args.ts';

describe('bench arguments', () => {
  it('defaults to the step ladder up to 6000/s, finer from 250 to 1,500/s, 15 s steps, p99 ≤ 100 ms, a 10 s warm-up at 300/s', () => {
    const a = parseBenchArgs([]);
    expect(a).toMatchObject({
      mode: 'steps',
      stepMs: 15_000,
      p99Ms: 100,
      warmupRate: 300,
      warmupMs: 10_000,
      closedLoopMs: 20_000,
      closedLoopConnections: 32,
      rawCeilings: true,
      floor: true,
      floorOrders: 30_000,
      profile: false,
      help: false,
    });
    expect(a.rates).toEqual([250, 500, 750, 1000, 1250, 1500, 2000, 2500, 3000, 4000, 5000, 6000]);
  });

  it('measures CPU at 0, 50 and 100/s for 10 s each before the steps, unless told otherwise', () => {
    expect(parseBenchArgs([])).toMatchObject({ cpuRates: [0, 50, 100], cpuStepMs: 10_000 });
    expect(parseBenchArgs(['--cpu-rates', '0,25,50,200', '--cpu-step', '5s'])).toMatchObject({ cpuRates: [0, 25, 50, 200], cpuStepMs: 5000 });
    expect(parseBenchArgs(['--cpu-rates=100,0,100']).cpuRates, 'in the order given, each once').toEqual([100, 0]);
    expect(parseBenchArgs([], { BENCH_CPU_RATES: '0,100', BENCH_CPU_STEP: '3s' })).toMatchObject({ cpuRates: [0, 100], cpuStepMs: 3000 });
    expect(parseBenchArgs(['--cpu-rates', '50'], { BENCH_CPU_RATES: '0,100' }).cpuRates, 'the flag wins').toEqual([50]);
    expect(parseBenchArgs(['--cpu-rates', '']).cpuRates).toEqual([]);
    expect(parseBenchArgs(['--cpu-rates=']).cpuRates).toEqual([]);
    expect(parseBenchArgs(['--cpu-rates', 'none']).cpuRates).toEqual([]);
    expect(parseBenchArgs([], { BENCH_CPU_RATES: 'none' }).cpuRates).toEqual([]);
    expect(parseBenchArgs(['--soak', '1m']).cpuRates, 'a soak has no steps').toEqual([]);
    expect(() => parseBenchArgs(['--cpu-rates', '0,-5'])).toThrow(/invalid --cpu-rates/);
    expect(() => parseBenchArgs(['--cpu-rates', 'fast'])).toThrow(/invalid --cpu-rates: 'fast' is not a whole number/);
    expect(() => parseBenchArgs(['--cpu-step', '500ms'])).toThrow(/invalid --cpu-step: must be at least 1s/);
    expect(() => parseBenchArgs(['--soak', '1m', '--cpu-rates', '0'])).toThrow(/go with the steps/);
    expect(() => parseBenchArgs(['--generator-only', '--cpu-step', '5s'])).toThrow(/go with the steps/);
  });

  it('takes flags, in both spellings, over the environment', () => {
    const env = { BENCH_RATES: '100,200', BENCH_STEP: '5s', BENCH_P99_MS: '250' };
    expect(parseBenchArgs([], env)).toMatchObject({ rates: [100, 200], stepMs: 5000, p99Ms: 250 });
    expect(parseBenchArgs(['--rates', '500,1000', '--step=10s', '--p99', '100'], env)).toMatchObject({ rates: [500, 1000], stepMs: 10_000, p99Ms: 100 });
    expect(parseBenchArgs(['--p99', '0.2s']).p99Ms).toBe(200);
    expect(parseBenchArgs(['--no-raw-ceilings', '--closed-loop-duration', '0s', '--warmup', '0s'])).toMatchObject({
      rawCeilings: false,
      closedLoopMs: 0,
      warmupMs: 0,
    });
    expect(parseBenchArgs([], { BENCH_NO_RAW_CEILINGS: '1' }).rawCeilings).toBe(false);
    expect(parseBenchArgs([], { BENCH_NO_RAW_CEILINGS: '0' }).rawCeilings).toBe(true);
  });

  it('measures the floor before the steps unless told not to, sized by --floor-orders', () => {
    expect(parseBenchArgs(['--floor-orders', '20000'])).toMatchObject({ floor: true, floorOrders: 20_000 });
    expect(parseBenchArgs([], { BENCH_FLOOR_ORDERS: '5000' }).floorOrders).toBe(5000);
    expect(parseBenchArgs(['--no-floor']).floor).toBe(false);
    expect(parseBenchArgs([], { BENCH_NO_FLOOR: '1' }).floor).toBe(false);
    expect(parseBenchArgs(['--soak', '1m']).floor, 'a soak has no steps to compare').toBe(false);
    expect(() => parseBenchArgs(['--no-floor', '--floor-orders', '1000'])).toThrow(/do not go together/);
    expect(() => parseBenchArgs(['--soak', '1m', '--floor-orders', '1000'])).toThrow(/--floor-orders goes with the steps/);
    expect(() => parseBenchArgs(['--floor-orders', '0'])).toThrow(/invalid --floor-orders/);
  });

  it('runs both shapes by default, or the ones named', () => {
    expect(parseBenchArgs([])).toMatchObject({ shapes: ['services', 'all'], allWorkers: 1 });
    expect(parseBenchArgs(['--shapes', 'all', '--all-workers', '2'])).toMatchObject({ shapes: ['all'], allWorkers: 2 });
    expect(parseBenchArgs([], { BENCH_SHAPES: 'services' }).shapes).toEqual(['services']);
    expect(parseBenchArgs(['--soak', '1m']).shapes, 'a soak kills one service at a time').toEqual(['services']);
    expect(() => parseBenchArgs(['--shapes', 'one'])).toThrow(/invalid --shapes: 'one' is not services or all/);
    expect(() => parseBenchArgs(['--soak', '1m', '--shapes', 'all'])).toThrow(/runs with --shapes services/);
  });

  it('knows the generator-only and soak modes and their rates', () => {
    expect(parseBenchArgs(['--generator-only'])).toMatchObject({ mode: 'generator-only', rate: 20_000, durationMs: 20_000 });
    expect(parseBenchArgs(['--generator-only', '--rate', '5000', '--duration', '10s'])).toMatchObject({ rate: 5000, durationMs: 10_000 });
    expect(parseBenchArgs(['--soak', '10m', '--rate', '800'])).toMatchObject({ mode: 'soak', soakMs: 600_000, rate: 800, rssEveryMs: 30_000 });
    expect(parseBenchArgs(['--soak', '2m'])).toMatchObject({ rate: 100, warmupRate: 100, killEveryMs: 0 });
    expect(parseBenchArgs(['--soak', '10m', '--rate', '100', '--kill-every', '1m', '--rate', '150'])).toMatchObject({
      rate: 150,
      warmupRate: 150,
      killEveryMs: 60_000,
    });
    expect(parseBenchArgs(['--soak', '10m', '--warmup-rate', '300']).warmupRate).toBe(300);
    expect(parseBenchArgs(['--profile', '--rates', '1000']).profile).toBe(true);
    expect(parseBenchArgs(['-h']).help).toBe(true);
  });

  it('refuses what it does not understand, in one line', () => {
    expect(() => parseBenchArgs(['--rate', '100'])).toThrow(/--rate goes with --soak or --generator-only/);
    expect(() => parseBenchArgs(['--rates', '100,x'])).toThrow(/invalid --rates: 'x' is not a whole number/);
    expect(() => parseBenchArgs(['--step', 'soon'])).toThrow(/invalid --step/);
    expect(() => parseBenchArgs(['--steps', '5s'])).toThrow(/unknown argument '--steps'/);
    expect(() => parseBenchArgs(['--rates'])).toThrow(/--rates needs a value/);
    expect(() => parseBenchArgs(['--profile=yes'])).toThrow(/takes no value/);
    expect(() => parseBenchArgs(['--generator-only', '--soak', '1m'])).toThrow(/do not go together/);
    expect(() => parseBenchArgs(['--generator-only', '--profile'])).toThrow(/--profile/);
    expect(() => parseBenchArgs(['--kill-every', '1m'])).toThrow(/--kill-every goes with --soak/);
    expect(() => parseBenchArgs(['--soak', '1m', '--kill-every', '1m'])).toThrow(/at least two intervals/);
  });

  it('explains every flag in --help', () => {
    for (const flag of [
      '--rates',
      '--step',
      '--p99',
      '--warmup',
      '--closed-loop-duration',
      '--generator-only',
      '--profile',
      '--soak',
      '--rate',
      '--duration',
      '--kill-every',
      '--no-floor',
      '--floor-orders',
      '--cpu-rates',
      '--cpu-step',
    ])
      expect(HELP).toContain(flag);
    expect(HELP).toContain('BENCH_RATES');
    expect(HELP).toContain('default 250,500,750,1000,1250,1500,2000,2500,3000,4000,5000,6000, env BENCH_RATES');
    expect(HELP).toContain('default 0,50,100, env BENCH_CPU_RATES');
    expect(HELP).toContain('default 10s, env BENCH_CPU_STEP');
  });
});
