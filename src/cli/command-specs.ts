import type { SettingName } from '../config/settings.ts';
import { ALL_TOPICS } from '../events/topics.ts';
import { SERVICE_NAMES } from '../services/types.ts';
import { RUN_SETTINGS } from '../commands/run.ts';

/** One flag of a command, in commander's notation: `--name <value>`, `--switch`, `--no-thing`, `--opt [value]`. */
export interface FlagSpec {
  flags: string;
  help: string;
  /** Shown in --help and used when the flag is absent. */
  default?: string;
  /** The flag may be given several times; its value is the list. */
  repeatable?: true;
  /** Kept working for old scripts, left out of --help and the README. */
  hidden?: true;
  /** The command cannot run without it. */
  required?: true;
}

export interface ArgSpec {
  /** `<name>`, `[name]` or `[name...]`. */
  name: string;
  help: string;
  choices?: readonly string[];
}

/** A command: what --help shows, its arguments, flags and settings. How it runs is in src/cli/runners.ts. */
export interface CommandSpec {
  /** Words after `doms`, e.g. `order place`. */
  name: string;
  summary?: string;
  description: string;
  args?: ArgSpec[];
  flags: FlagSpec[];
  /** Settings (flag + environment variable) this command reads, from src/config/settings.ts. */
  settings: SettingName[];
  examples: string[];
}

/** A group of subcommands (`doms order …`, `doms stock …`). */
export interface GroupSpec {
  name: string;
  description: string;
}

export const GROUPS: GroupSpec[] = [
  { name: 'order', description: 'place and inspect single orders' },
  { name: 'stock', description: 'seed and read stock in Redis' },
];

const json = (what: string): FlagSpec => ({ flags: '--json', help: `print ${what} as JSON` });

/** Every command and every flag of doms: the one table `--help`, the parser and the README check are made from. */
export const COMMANDS = [
  {
    name: 'run',
    summary: 'run a saga service as a worker',
    description:
      'Run one service of the saga (or all four in one process) until SIGINT/SIGTERM. With --workers N, a primary process keeps N such ' +
      'processes running (a crashed one is started again) and stops them all at one Ctrl-C.',
    args: [{ name: '<service>', help: `one of ${[...SERVICE_NAMES, 'all'].join(', ')}`, choices: [...SERVICE_NAMES, 'all'] }],
    flags: [
      { flags: '--default-stock <n>', help: 'inventory: stock given to a product the first time an order names it (default: unknown products are rejected)' },
      { flags: '--failure-rate <rate>', help: 'payment: share of payments that fail, 0..1', default: '0.2' },
      { flags: '--latency <duration>', help: 'payment: simulated gateway time per charge, e.g. 20ms', default: '0ms' },
      { flags: '--payment-seed <string>', help: "payment: makes each order's outcome reproducible" },
      { flags: '--seed <string>', help: 'old name of --payment-seed', hidden: true },
    ],
    settings: [...RUN_SETTINGS],
    examples: [
      'doms run all',
      'doms run all --workers auto',
      'doms run inventory --default-stock 100',
      'doms run payment --failure-rate 0.1 --latency 20ms --payment-seed demo',
    ],
  },
  {
    name: 'order place',
    description: "Place an order through the order service's HTTP API and print its id.",
    flags: [
      { flags: '--user <uuid>', help: "the ordering user's id", required: true },
      { flags: '--item <productId=qty>', help: 'a product and quantity; repeat for more items', repeatable: true, required: true },
      { flags: '--amount <amount>', help: "the order's total amount, e.g. 500", required: true },
      {
        flags: '--wait [duration]',
        help: 'follow the order to its final status, for this long at most (default 30s); exit 0 for CONFIRMED, 1 for REJECTED, CANCELLED or no end in time',
      },
      { flags: '--timeout <duration>', help: 'old form of the --wait duration', default: '30s', hidden: true },
      json('the order (with --wait: the final one)'),
    ],
    settings: ['target'],
    examples: [
      'doms order place --user 11111111-1111-1111-1111-111111111111 --item aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa=2 --amount 500 --wait',
      'doms order place --user 11111111-1111-1111-1111-111111111111 --item aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa=2 --amount 500 --wait 10s --json | jq .status',
    ],
  },
  {
    name: 'order get',
    description: 'Show one order with its status history.',
    args: [{ name: '<id>', help: 'the order id' }],
    flags: [json('the order')],
    settings: ['target'],
    examples: ['doms order get 3f0c…', 'doms order get 3f0c… --json | jq .status'],
  },
  {
    name: 'orders',
    summary: 'list orders, newest first',
    description: "List orders, newest first (a page of the order service's GET /orders).",
    flags: [
      { flags: '--user <uuid>', help: "only this user's orders" },
      { flags: '--status <status>', help: 'only orders in this status' },
      { flags: '--page <n>', help: 'page number, from 0', default: '0' },
      { flags: '--size <n>', help: 'orders per page (at most 100)', default: '20' },
      json('the page'),
    ],
    settings: ['target'],
    examples: ['doms orders --user 11111111-1111-1111-1111-111111111111', 'doms orders --status CANCELLED --size 50'],
  },
  {
    name: 'stock seed',
    description: 'Set the available stock of products (reserved and sold units are kept).',
    args: [{ name: '[levels...]', help: 'productId=quantity pairs' }],
    flags: [
      { flags: '--products <n>', help: 'bulk: seed this many new random product ids' },
      { flags: '--quantity <n>', help: 'bulk: available stock for each of them', default: '1000' },
      { flags: '--out <file>', help: 'bulk: write the generated ids to this file, one per line' },
      json('what was seeded'),
    ],
    settings: ['redisUrl', 'topicPrefix', 'redisNamespace'],
    examples: [
      'doms stock seed aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa=10 bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb=10',
      'doms stock seed --products 100 --quantity 1000 --out products.txt',
    ],
  },
  {
    name: 'stock get',
    description: 'Show available, reserved and sold units per product (all products when none is named).',
    args: [{ name: '[productIds...]', help: 'product ids' }],
    flags: [json('the levels')],
    settings: ['redisUrl', 'topicPrefix', 'redisNamespace'],
    examples: ['doms stock get', 'doms stock get aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa'],
  },
  {
    name: 'tail',
    summary: 'print saga events as they arrive',
    description: 'Print the events on saga topics as they arrive (all saga topics when none is named). Commits no offsets.',
    args: [{ name: '[topics...]', help: `any of ${ALL_TOPICS.join(', ')}` }],
    flags: [
      { flags: '--from-beginning', help: 'start at the oldest retained event instead of new ones' },
      { flags: '--num <n>', help: 'stop after this many events' },
      { flags: '--key <orderId>', help: 'only events of this order' },
      { flags: '--json', help: 'one JSON record per line: topic, partition, offset, key, value, timestamp' },
    ],
    settings: ['brokers', 'topicPrefix'],
    examples: ['doms tail payment.success', 'doms tail --from-beginning --num 10 order.created', 'doms tail --json | jq .value.orderId'],
  },
  {
    name: 'dlq',
    summary: 'list or replay dead letters',
    description: 'List the messages workers set aside as unprocessable (dead letters), or re-publish them.',
    args: [{ name: '[topics...]', help: `source topics whose dead letters to show (default: all of ${ALL_TOPICS.join(', ')})` }],
    flags: [{ flags: '--replay', help: 're-publish the dead letters not yet replayed to their original topic' }, json('the dead letters')],
    settings: ['brokers', 'topicPrefix'],
    examples: ['doms dlq', 'doms dlq order.created --json', 'doms dlq order.created --replay'],
  },
  {
    name: 'verify',
    summary: "check the saga's invariants over the whole system",
    description: "Check the saga's invariants over the whole system (orders, stock, payments, notifications, events); exit 1 with a report of each violation.",
    flags: [
      { flags: '--max-in-flight <duration>', help: 'how long an order may still be unfinished before it counts as stuck', default: '60s' },
      { flags: '--wait <duration>', help: 'keep checking until every order is finished and all invariants hold, or this long has passed' },
      { flags: '--since <time>', help: 'judge only the orders created from then on (and their events): an ISO time, or a duration back from now (2h, 1d)' },
      json('the report'),
    ],
    settings: ['brokers', 'redisUrl', 'databaseUrl', 'topicPrefix', 'redisNamespace', 'ledgerTtl'],
    examples: ['doms verify', 'doms verify --wait 60s --max-in-flight 30s', 'doms verify --since 1h', 'doms verify --json | jq .violations'],
  },
  {
    name: 'status',
    summary: 'health of the running saga: workers, lag, outbox, dead letters',
    description:
      "Show the running saga's health: Kafka, Redis and PostgreSQL reachability and round trip; each service's consumer group (members, lag, " +
      'last commit); the outbox backlog; dead letters; orders per status over a recent window. Exit 1 when something is unhealthy.',
    flags: [
      { flags: '--watch [interval]', help: 'redraw every interval (default 2s) until Ctrl-C' },
      { flags: '--window <duration>', help: 'count orders per status created within this window', default: '5m' },
      { flags: '--json', help: 'print the status as JSON (one object per line with --watch)' },
    ],
    settings: ['brokers', 'redisUrl', 'databaseUrl', 'topicPrefix', 'redisNamespace'],
    examples: ['doms status', 'doms status --watch', 'doms status --json | jq .groups', 'doms status >/dev/null || echo unhealthy'],
  },
  {
    name: 'load',
    summary: 'drive load with a live dashboard and CI thresholds',
    description:
      'Drive orders through the running saga at a fixed rate (open model: the schedule never waits for the system), ' +
      'follow each order to its outcome, and report throughput, outcomes and latency. Exit 99 when a --threshold fails.',
    flags: [
      { flags: '--rate <n>', help: 'orders per second', default: '100' },
      { flags: '--duration <duration>', help: 'how long to send', default: '30s' },
      { flags: '--ramp-up <duration>', help: 'climb linearly from 0 to --rate over this time', default: '0s' },
      { flags: '--warmup <duration>', help: 'leave orders of the first part of the run out of the latency figures', default: '0s' },
      { flags: '--users <n>', help: 'distinct users placing orders', default: '1000' },
      { flags: '--products <n>', help: 'distinct products ordered', default: '100' },
      { flags: '--items <range>', help: 'products per order, e.g. 1-3', default: '1-3' },
      { flags: '--quantity <range>', help: 'units per product, e.g. 1-2', default: '1-2' },
      { flags: '--stock <n>', help: 'units seeded per product before the run', default: '1000000' },
      { flags: '--no-seed-stock', help: 'do not seed stock (use what is there)' },
      { flags: '--no-seed', help: 'old name of --no-seed-stock', hidden: true },
      { flags: '--random-seed <string>', help: 'makes the stream of orders reproducible' },
      { flags: '--timeout <duration>', help: 'an order without an outcome this long after its intended send time counts as timed out', default: '30s' },
      { flags: '--max-in-flight <n>', help: 'drop (and count) sends while this many orders are unfinished' },
      { flags: '--connections <n>', help: 'HTTP keep-alive connections to the order service', default: '64' },
      {
        flags: '--threshold <expr>',
        help: 'pass/fail criterion, repeatable: saga.p99<500ms, http.p95<100ms, errors<0.1%, confirmed>70%, rate>=450',
        repeatable: true,
      },
      {
        flags: '--json [file]',
        help: 'print the full result as JSON on stdout; progress and summary go to stderr (a file name here is the old form of --out)',
      },
      { flags: '--out <file>', help: 'write the full result (config, counts, percentiles, histograms, per-second series) to a file' },
      { flags: '--report <file>', help: 'write a self-contained HTML report of the run (charts over time, histogram, outcomes, configuration)' },
      { flags: '--no-dashboard', help: 'plain progress lines even on a terminal' },
    ],
    settings: ['target', 'brokers', 'redisUrl', 'topicPrefix', 'redisNamespace'],
    examples: [
      'doms load --rate 500 --duration 60s',
      "doms load --rate 200 --duration 2m --ramp-up 30s --threshold 'saga.p99<500ms' --threshold 'errors<0.1%'",
      'doms load --rate 50 --duration 10s --no-dashboard --out result.json',
      'doms load --rate 50 --duration 10s --json | jq .latency.saga.p99',
    ],
  },
  {
    name: 'smoke',
    summary: 'a short end-to-end check for CI',
    description:
      'A short end-to-end check for CI: a few dozen orders through the running saga (and one that must be rejected), then the `doms verify` invariants. Exit 0 only if every order ended and all hold.',
    flags: [
      { flags: '--orders <n>', help: 'orders to send', default: '40' },
      { flags: '--rate <n>', help: 'orders per second', default: '20' },
      { flags: '--timeout <duration>', help: 'how long an order may take to end', default: '30s' },
    ],
    settings: ['target', 'brokers', 'redisUrl', 'databaseUrl', 'topicPrefix', 'redisNamespace', 'ledgerTtl'],
    examples: ['doms smoke', 'doms smoke --orders 100 --rate 50'],
  },
  {
    name: 'demo',
    summary: 'the whole saga and dashboard in one process, nothing to install',
    description:
      'The whole saga and the load dashboard in one process, on embedded stand-ins for Kafka, Redis and PostgreSQL (PGlite): nothing to install. ' +
      'The order API is served meanwhile, so curl and `doms order get` work against it.',
    flags: [
      { flags: '--rate <n>', help: 'orders per second', default: '100' },
      { flags: '--duration <duration>', help: 'how long to send', default: '60s' },
      { flags: '--failure-rate <rate>', help: 'share of payments that fail, 0..1', default: '0.2' },
      { flags: '--port <port>', help: 'HTTP port of the order API', default: '8081' },
      { flags: '--no-dashboard', help: 'plain progress lines even on a terminal' },
    ],
    settings: [],
    examples: ['npx doms demo', 'doms demo --rate 200 --duration 20s --failure-rate 0.3', 'doms demo --duration 10s --no-dashboard'],
  },
] as const satisfies readonly CommandSpec[];

export type CommandName = (typeof COMMANDS)[number]['name'];

/** A flag's key in commander's options: `--ramp-up` → `rampUp`, `--no-seed-stock` → `seedStock`. */
export function flagKey(flags: string): string {
  const [, , name] = /^--(no-)?([a-z0-9-]+)/.exec(flags)!;
  return name!.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** The values commander gives a command's flags when they are not on the command line. */
export function flagDefaults(name: CommandName): Record<string, unknown> {
  const spec: CommandSpec = COMMANDS.find((c) => c.name === name)!;
  const defaults: Record<string, unknown> = {};
  for (const f of spec.flags) {
    if (f.repeatable) defaults[flagKey(f.flags)] = [];
    else if (f.default !== undefined) defaults[flagKey(f.flags)] = f.default;
    else if (f.flags.startsWith('--no-')) defaults[flagKey(f.flags)] = true;
  }
  return defaults;
}
