import { errorMessage } from '../errors.ts';
import { parseDuration, parseInteger } from '../config/parse.ts';

/** What `npm run bench -- …` was asked to do. Flags win over the environment, which wins over defaults. */
export interface BenchArgs {
  help: boolean;
  mode: 'steps' | 'generator-only' | 'soak';
  /** Offered rates of the counted steps, orders/s. */
  rates: number[];
  stepMs: number;
  /**
   * Before each shape's ladder: CPU measured at these rates (0: idle), each for cpuStepMs; measurements
   * only, not judged, shown with the ladder's steps in the CPU-by-rate table. Empty: none.
   */
  cpuRates: number[];
  cpuStepMs: number;
  /** A step is sustained only if its saga p99 is at most this. */
  p99Ms: number;
  warmupRate: number;
  /** 0: no warm-up step. */
  warmupMs: number;
  /** 0: no closed-loop run. */
  closedLoopMs: number;
  closedLoopConnections: number;
  rawCeilings: boolean;
  /** Before the steps: the floor, the saga's I/O with ideal batching (src/bench/floor.ts). */
  floor: boolean;
  /** Orders the floor counts. */
  floorOrders: number;
  /**
   * How the saga runs, in turn: one `doms run <service>` process per service, and/or one
   * `doms run all --workers <allWorkers>`. The closed loop and the soak run with the first.
   */
  shapes: Shape[];
  /** --workers of the `all` shape. */
  allWorkers: number;
  /** Workers under `node --cpu-prof`. */
  profile: boolean;
  /** --soak: the one long step's length. */
  soakMs: number;
  /** --generator-only and --soak: the rate. */
  rate: number;
  /** --generator-only: how long it sends. */
  durationMs: number;
  /** The generator's keep-alive HTTP connections. */
  connections: number;
  /** --soak: how often each worker's RSS is sampled. */
  rssEveryMs: number;
  /** --soak: a kill -9 of one worker (round the services, started again at once) this often; 0: none. */
  killEveryMs: number;
}

export type Shape = 'services' | 'all';

interface FlagSpec {
  name: string;
  /** Placeholder of the value; none for a switch. */
  value?: string;
  env?: string;
  default?: string;
  help: string;
}

/** Finer where doms tops out on our machines (250–1,500/s); a step above the first not sustained costs nothing. */
export const DEFAULT_RATES = '250,500,750,1000,1250,1500,2000,2500,3000,4000,5000,6000';
export const DEFAULT_CPU_RATES = '0,50,100';

const FLAGS: FlagSpec[] = [
  {
    name: 'rates',
    value: '<list>',
    env: 'BENCH_RATES',
    default: DEFAULT_RATES,
    help: 'offered rates of the steps, orders/s, climbed until one is not sustained',
  },
  { name: 'step', value: '<duration>', env: 'BENCH_STEP', default: '15s', help: 'length of each step' },
  {
    name: 'cpu-rates',
    value: '<list>',
    env: 'BENCH_CPU_RATES',
    default: DEFAULT_CPU_RATES,
    help: "before each shape's steps: CPU of every process measured at these rates (0: idle), not judged, shown with the steps in the CPU-by-rate table; '' or none skips them",
  },
  { name: 'cpu-step', value: '<duration>', env: 'BENCH_CPU_STEP', default: '10s', help: 'length of each --cpu-rates measurement' },
  { name: 'p99', value: '<ms>', env: 'BENCH_P99_MS', default: '100', help: 'bound on the saga p99 (send → outcome) for a step to count as sustained' },
  { name: 'warmup', value: '<duration>', env: 'BENCH_WARMUP', default: '10s', help: 'uncounted warm-up step before the first step; 0s for none' },
  { name: 'warmup-rate', value: '<n>', env: 'BENCH_WARMUP_RATE', default: '300', help: 'orders/s of the warm-up step' },
  {
    name: 'closed-loop-duration',
    value: '<duration>',
    env: 'BENCH_CLOSED_LOOP',
    default: '20s',
    help: 'after the steps: POST /orders back-to-back on each connection this long; 0s skips it',
  },
  { name: 'closed-loop-connections', value: '<n>', env: 'BENCH_CLOSED_LOOP_CONNECTIONS', default: '32', help: 'keep-alive connections of the closed-loop run' },
  { name: 'no-raw-ceilings', env: 'BENCH_NO_RAW_CEILINGS', help: "skip the raw ceilings (Kafka's ProducerPerformance, redis-benchmark, pgbench)" },
  {
    name: 'no-floor',
    env: 'BENCH_NO_FLOOR',
    help: "skip the floor: the saga's I/O for --floor-orders orders with ideal batching in one process, the least CPU per order of this stack",
  },
  {
    name: 'floor-orders',
    value: '<n>',
    env: 'BENCH_FLOOR_ORDERS',
    default: '30000',
    help: 'orders the floor counts, in batches of 500, after 2,500 uncounted ones',
  },
  {
    name: 'shapes',
    value: '<list>',
    env: 'BENCH_SHAPES',
    default: 'services,all',
    help: 'how the saga runs, in turn: services (one `doms run <service>` process each) and all (one `doms run all --workers N`)',
  },
  { name: 'all-workers', value: '<n>', env: 'BENCH_ALL_WORKERS', default: '1', help: "--workers of the all shape (default: doms run's default)" },
  {
    name: 'profile',
    env: 'BENCH_PROFILE',
    help: "run the workers under node --cpu-prof and report each one's top frames by self time (it waits up to 30s for each profile to be written)",
  },
  { name: 'soak', value: '<duration>', env: 'BENCH_SOAK', help: "one long step at --rate, sampling each worker's RSS (--rss-every) and the consumer lag" },
  { name: 'generator-only', help: 'the load generator alone against a stub order API: how fast and how accurately it offers load' },
  {
    name: 'rate',
    value: '<n>',
    help: 'orders/s for --soak (default 100; take half the highest sustained rate of your bench) and --generator-only (default 20000)',
  },
  { name: 'duration', value: '<duration>', default: '20s', help: '--generator-only: how long it sends' },
  { name: 'connections', value: '<n>', env: 'BENCH_CONNECTIONS', default: '64', help: "the generator's keep-alive HTTP connections" },
  { name: 'rss-every', value: '<duration>', default: '30s', help: '--soak: RSS sampling interval' },
  {
    name: 'kill-every',
    value: '<duration>',
    default: '0s',
    help: '--soak: kill -9 one worker this often, round the four services, and start it again at once; 0s for none',
  },
  { name: 'help', help: 'show this help' },
];

export const HELP = [
  'usage: npm run bench -- [flags]',
  '',
  'Starts the four doms workers as separate processes on the local stack (Kafka, Redis, PostgreSQL),',
  'then (--shapes) as one `doms run all --workers N` process. Before them it measures the floor (the',
  "saga's I/O with ideal batching in one process). For each shape it warms up, measures the CPU of",
  'every process idle and at low rates (--cpu-rates: measurements, not judged), then steps the offered',
  'rate up until a step is not sustained (saga p99 over the bound, errors or timeouts, achieved < 97% of',
  'offered, or `doms verify` failing after it). Reports the latency, the CPU per order of every process',
  "against the floor's, peak RSS, one CPU-by-rate table per shape (% of a core of every process at idle,",
  'the low rates and every step), a closed-loop POST figure and the raw ceilings of the machine to',
  'bench-results/bench-<stamp>.{json,md}, and removes everything it made.',
  '',
  ...FLAGS.map((f) => {
    const left = `  --${f.name}${f.value ? ` ${f.value}` : ''}`;
    const extra = [f.default !== undefined ? `default ${f.default}` : '', f.env ? `env ${f.env}` : ''].filter(Boolean).join(', ');
    return `${left.padEnd(37)} ${f.help}${extra ? ` (${extra})` : ''}`;
  }),
  '',
  'examples:',
  '  npm run bench                                        # the full step ladder',
  '  npm run bench -- --rates 500,1000 --step 10s --p99 100',
  '  npm run bench -- --cpu-rates 0,50,100,200 --cpu-step 15s       # CPU by rate at more low rates',
  '  npm run bench -- --cpu-rates none                               # the steps alone',
  '  npm run bench -- --generator-only --rate 20000 --duration 20s',
  '  npm run bench -- --profile --rates 1000 --step 20s',
  '  npm run bench -- --soak 10m --rate 100 --kill-every 1m           # npm run soak',
].join('\n');

/** Parses argv (after `--`) with the environment as fallback; throws a one-line message on bad input. */
export function parseBenchArgs(argv: readonly string[], env: Record<string, string | undefined> = {}): BenchArgs {
  const given = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h') {
      given.set('help', true);
      continue;
    }
    const m = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/.exec(arg);
    const spec = m && FLAGS.find((f) => f.name === m[1]);
    if (!m || !spec) throw new Error(`unknown argument '${arg}' (see --help)`);
    if (!spec.value) {
      if (m[2] !== undefined) throw new Error(`--${spec.name} takes no value`);
      given.set(spec.name, true);
    } else if (m[2] !== undefined) {
      given.set(spec.name, m[2]);
    } else {
      const next = argv[++i];
      if (next === undefined || next.startsWith('--')) throw new Error(`--${spec.name} needs a value ${spec.value}`);
      given.set(spec.name, next);
    }
  }
  const raw = (name: string): string | true | undefined => {
    const spec = FLAGS.find((f) => f.name === name)!;
    const envValue = spec.env ? env[spec.env] : undefined;
    const fromEnv = spec.value ? envValue || undefined : envValue && !/^(0|false|no)?$/i.test(envValue) ? true : undefined;
    return given.get(name) ?? fromEnv ?? spec.default;
  };
  const text = (name: string) => {
    const v = raw(name);
    return typeof v === 'string' ? v : undefined;
  };
  const on = (name: string) => raw(name) === true;
  const parse = <T>(name: string, fn: (v: string) => T): T | undefined => {
    const v = text(name);
    if (v === undefined) return undefined;
    try {
      return fn(v);
    } catch (e: unknown) {
      throw new Error(`invalid --${name}: ${errorMessage(e)}`);
    }
  };
  const duration = (name: string) => parse(name, parseDuration);
  const count = (name: string, max = 1_000_000) => parse(name, (v) => parseInteger(v, { min: 1, max }));

  const generatorOnly = on('generator-only');
  const soak = text('soak') !== undefined;
  if (generatorOnly && soak) throw new Error('--generator-only and --soak do not go together');
  const mode = generatorOnly ? 'generator-only' : soak ? 'soak' : 'steps';
  if (mode === 'generator-only' && on('profile')) throw new Error('--profile profiles the workers, which --generator-only does not start');
  if (mode === 'steps' && given.has('rate')) throw new Error('--rate goes with --soak or --generator-only; the steps take --rates');
  if (mode === 'steps' && given.has('duration')) throw new Error('--duration goes with --generator-only; the steps take --step');
  if (mode !== 'soak' && given.has('kill-every')) throw new Error('--kill-every goes with --soak');
  if (mode !== 'steps' && given.has('floor-orders')) throw new Error('--floor-orders goes with the steps, which the floor comes before');
  if (on('no-floor') && given.has('floor-orders')) throw new Error('--floor-orders and --no-floor do not go together');
  if (mode !== 'steps' && (given.has('cpu-rates') || given.has('cpu-step'))) throw new Error('--cpu-rates and --cpu-step go with the steps');

  const rates = parse('rates', (v) => v.split(',').map((r) => parseInteger(r, { min: 1, max: 1_000_000 })))!;
  const p99Ms = parse('p99', parseDuration)!;
  if (p99Ms <= 0) throw new Error('invalid --p99: must be above 0');
  const cpuRates = mode !== 'steps' ? [] : parse('cpu-rates', parseCpuRates)!;
  const cpuStepMs = duration('cpu-step')!;
  if (cpuStepMs < 1000) throw new Error('invalid --cpu-step: must be at least 1s');
  const stepMs = duration('step')!;
  if (stepMs < 1000) throw new Error('invalid --step: must be at least 1s');
  const durationMs = duration('duration')!;
  if (durationMs < 1000) throw new Error('invalid --duration: must be at least 1s');
  const soakMs = soak ? duration('soak')! : 0;
  if (soak && soakMs < 1000) throw new Error('invalid --soak: must be at least 1s');
  const killEveryMs = duration('kill-every')!;
  if (killEveryMs > 0 && killEveryMs < 1000) throw new Error('invalid --kill-every: must be at least 1s, or 0s for none');
  if (killEveryMs > 0 && killEveryMs * 2 > soakMs)
    throw new Error('invalid --kill-every: the soak must last at least two intervals (a kill, then time to recover)');
  const rate = count('rate') ?? (mode === 'generator-only' ? 20_000 : 100);
  const shapes = parse('shapes', (v) => {
    const list = [...new Set(v.split(',').map((s) => s.trim()))];
    for (const s of list) if (s !== 'services' && s !== 'all') throw new Error(`'${s}' is not services or all`);
    return list as Shape[];
  })!;
  if (shapes.length === 0) throw new Error('invalid --shapes: name at least one of services, all');
  if (mode === 'soak' && shapes[0] !== 'services') throw new Error('--soak kills workers one service at a time: it runs with --shapes services');
  return {
    help: on('help'),
    mode,
    rates,
    stepMs,
    cpuRates,
    cpuStepMs,
    p99Ms,
    // A soak warms up at its own rate unless told otherwise: the ladder's 300/s may be more than it holds.
    warmupRate: mode === 'soak' && !given.has('warmup-rate') && !env.BENCH_WARMUP_RATE ? rate : count('warmup-rate')!,
    warmupMs: duration('warmup')!,
    closedLoopMs: duration('closed-loop-duration')!,
    closedLoopConnections: count('closed-loop-connections', 10_000)!,
    rawCeilings: !on('no-raw-ceilings'),
    floor: mode === 'steps' && !on('no-floor'),
    floorOrders: count('floor-orders')!,
    // A soak is about one shape's stamina: the first.
    shapes: mode === 'soak' ? ['services'] : shapes,
    allWorkers: count('all-workers', 256)!,
    profile: on('profile'),
    soakMs,
    rate,
    durationMs,
    connections: count('connections', 10_000)!,
    rssEveryMs: duration('rss-every')!,
    killEveryMs,
  };
}

/** `0,50,100` → [0, 50, 100]; '' or `none` → none. Rates in the order given, each once. */
export function parseCpuRates(text: string): number[] {
  const t = text.trim();
  if (t === '' || t.toLowerCase() === 'none') return [];
  const rates = t.split(',').map((r) => parseInteger(r, { min: 0, max: 1_000_000 }));
  return [...new Set(rates)];
}
