import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { ExitError, UnreachableError, UsageError, errorMessage } from '../errors.ts';
import { SERVICE_NAMES } from '../services/types.ts';
import { withSettings } from './settings.ts';
import { ALL_TOPICS } from '../events/topics.ts';

const program = new Command('doms')
  .description('Run, watch and load-test an event-driven order saga on Apache Kafka, Redis and PostgreSQL.')
  .version((JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version)
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

const examples = (lines: string[]) => `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;

withSettings(
  program
    .command('run')
    .summary('run a saga service as a worker')
    .description('Run one service of the saga (or all four in one process) until SIGINT/SIGTERM.')
    .addArgument(new Command().createArgument('<service>', `one of ${[...SERVICE_NAMES, 'all'].join(', ')}`).choices([...SERVICE_NAMES, 'all']))
    .option('--default-stock <n>', 'inventory: stock given to a product the first time an order names it (default: unknown products are rejected)')
    .option('--failure-rate <rate>', 'payment: share of payments that fail, 0..1', '0.2')
    .option('--latency <duration>', 'payment: simulated gateway time per charge, e.g. 20ms', '0ms')
    .option('--payment-seed <string>', "payment: makes each order's outcome reproducible")
    .addOption(new Option('--seed <string>', 'old name of --payment-seed').hideHelp())
    .addHelpText(
      'after',
      examples(['doms run all', 'doms run inventory --default-stock 100', 'doms run payment --failure-rate 0.1 --latency 20ms --payment-seed demo']),
    ),
  ['brokers', 'redisUrl', 'databaseUrl', 'port', 'topicPrefix', 'partitions', 'fetchMinBytes', 'fetchMaxWait', 'commitInterval', 'logLevel', 'logFormat'],
).action(async (service: string, _opts, cmd: Command) => (await import('../commands/run.ts')).run(service, cmd));

const order = program.command('order').description('place and inspect single orders');
withSettings(
  order
    .command('place')
    .description("Place an order through the order service's HTTP API and print its id.")
    .requiredOption('--user <uuid>', "the ordering user's id")
    .requiredOption('--item <productId=qty>', 'a product and quantity; repeat for more items', collect, [])
    .requiredOption('--amount <amount>', "the order's total amount, e.g. 500")
    .option('--wait', 'follow the order to its final status; exit 0 for CONFIRMED, 1 otherwise')
    .option('--timeout <duration>', 'with --wait: give up after this long', '30s')
    .option('--json', 'print the order as JSON')
    .addHelpText(
      'after',
      examples(['doms order place --user 11111111-1111-1111-1111-111111111111 --item aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa=2 --amount 500 --wait']),
    ),
  ['target'],
).action(async (_opts, cmd: Command) => (await import('../commands/order-place.ts')).orderPlace(cmd));

withSettings(
  order
    .command('get')
    .description('Show one order with its status history.')
    .argument('<id>', 'the order id')
    .option('--json', 'print the order as JSON')
    .addHelpText('after', examples(['doms order get 3f0c…', 'doms order get 3f0c… --json | jq .status'])),
  ['target'],
).action(async (id: string, _opts, cmd: Command) => (await import('../commands/order-get.ts')).orderGet(id, cmd));

withSettings(
  program
    .command('orders')
    .summary('list orders, newest first')
    .description("List orders, newest first (a page of the order service's GET /orders).")
    .option('--user <uuid>', "only this user's orders")
    .option('--status <status>', 'only orders in this status')
    .option('--page <n>', 'page number, from 0', '0')
    .option('--size <n>', 'orders per page (at most 100)', '20')
    .option('--json', 'print the page as JSON')
    .addHelpText('after', examples(['doms orders --user 11111111-1111-1111-1111-111111111111', 'doms orders --status CANCELLED --size 50'])),
  ['target'],
).action(async (_opts, cmd: Command) => (await import('../commands/orders.ts')).orders(cmd));

const stock = program.command('stock').description('seed and read stock in Redis');
withSettings(
  stock
    .command('seed')
    .description('Set the available stock of products (reserved and sold units are kept).')
    .argument('[levels...]', 'productId=quantity pairs')
    .option('--products <n>', 'bulk: seed this many new random product ids')
    .option('--quantity <n>', 'bulk: available stock for each of them', '1000')
    .option('--out <file>', 'bulk: write the generated ids to this file, one per line')
    .option('--json', 'print what was seeded as JSON')
    .addHelpText(
      'after',
      examples([
        'doms stock seed aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa=10 bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb=10',
        'doms stock seed --products 100 --quantity 1000 --out products.txt',
      ]),
    ),
  ['redisUrl'],
).action(async (levels: string[], _opts, cmd: Command) => (await import('../commands/stock.ts')).stockSeed(levels, cmd));

withSettings(
  stock
    .command('get')
    .description('Show available, reserved and sold units per product (all products when none is named).')
    .argument('[productIds...]', 'product ids')
    .option('--json', 'print the levels as JSON')
    .addHelpText('after', examples(['doms stock get', 'doms stock get aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa'])),
  ['redisUrl'],
).action(async (ids: string[], _opts, cmd: Command) => (await import('../commands/stock.ts')).stockGet(ids, cmd));

withSettings(
  program
    .command('tail')
    .summary('print saga events as they arrive')
    .description('Print the events on saga topics as they arrive (all saga topics when none is named). Commits no offsets.')
    .argument('[topics...]', `any of ${ALL_TOPICS.join(', ')}`)
    .option('--from-beginning', 'start at the oldest retained event instead of new ones')
    .option('--num <n>', 'stop after this many events')
    .option('--key <orderId>', 'only events of this order')
    .option('--json', 'one JSON record per line: topic, partition, offset, key, value, timestamp')
    .addHelpText('after', examples(['doms tail payment.success', 'doms tail --from-beginning --num 10 order.created', 'doms tail --json | jq .value.orderId'])),
  ['brokers', 'topicPrefix'],
).action(async (topics: string[], _opts, cmd: Command) => (await import('../commands/tail.ts')).tail(topics, cmd));

withSettings(
  program
    .command('dlq')
    .summary('list or replay dead letters')
    .description('List the messages workers set aside as unprocessable (dead letters), or re-publish them.')
    .argument('[topics...]', `source topics whose dead letters to show (default: all of ${ALL_TOPICS.join(', ')})`)
    .option('--replay', 're-publish the dead letters not yet replayed to their original topic')
    .option('--json', 'print the dead letters as JSON')
    .addHelpText('after', examples(['doms dlq', 'doms dlq order.created --json', 'doms dlq order.created --replay'])),
  ['brokers', 'topicPrefix'],
).action(async (topics: string[], _opts, cmd: Command) => (await import('../commands/dlq.ts')).dlq(topics, cmd));

withSettings(
  program
    .command('verify')
    .summary("check the saga's invariants over the whole system")
    .description("Check the saga's invariants over the whole system (orders, stock, payments, notifications, events); exit 1 with a report of each violation.")
    .option('--max-in-flight <duration>', 'how long an order may still be unfinished before it counts as stuck', '60s')
    .option('--wait <duration>', 'keep checking until every order is finished and all invariants hold, or this long has passed')
    .option('--json', 'print the report as JSON')
    .addHelpText('after', examples(['doms verify', 'doms verify --wait 60s --max-in-flight 30s', 'doms verify --json | jq .violations'])),
  ['brokers', 'redisUrl', 'databaseUrl', 'topicPrefix'],
).action(async (_opts, cmd: Command) => (await import('../commands/verify.ts')).verify(cmd));

withSettings(
  program
    .command('load')
    .summary('drive load with a live dashboard and CI thresholds')
    .description(
      'Drive orders through the running saga at a fixed rate (open model: the schedule never waits for the system), follow each order to its outcome, and report throughput, outcomes and latency. Exit 99 when a --threshold fails.',
    )
    .option('--rate <n>', 'orders per second', '100')
    .option('--duration <duration>', 'how long to send', '30s')
    .option('--ramp-up <duration>', 'climb linearly from 0 to --rate over this time', '0s')
    .option('--warmup <duration>', 'leave orders of the first part of the run out of the latency figures', '0s')
    .option('--users <n>', 'distinct users placing orders', '1000')
    .option('--products <n>', 'distinct products ordered', '100')
    .option('--items <range>', 'products per order, e.g. 1-3', '1-3')
    .option('--quantity <range>', 'units per product, e.g. 1-2', '1-2')
    .option('--stock <n>', 'units seeded per product before the run', '1000000')
    .option('--no-seed-stock', 'do not seed stock (use what is there)')
    .addOption(new Option('--no-seed', 'old name of --no-seed-stock').hideHelp())
    .option('--random-seed <string>', 'makes the stream of orders reproducible')
    .option('--timeout <duration>', 'an order without an outcome this long after its intended send time counts as timed out', '30s')
    .option('--max-in-flight <n>', 'drop (and count) sends while this many orders are unfinished')
    .option('--connections <n>', 'HTTP keep-alive connections to the order service', '64')
    .option('--threshold <expr>', 'pass/fail criterion, repeatable: saga.p99<500ms, http.p95<100ms, errors<0.1%, confirmed>70%, rate>=450', collect, [])
    .option('--json [file]', 'print the full result as JSON on stdout; progress and summary go to stderr (a file name here is the old form of --out)')
    .option('--out <file>', 'write the full result (config, counts, percentiles, histograms, per-second series) to a file')
    .option('--no-dashboard', 'plain progress lines even on a terminal')
    .addHelpText(
      'after',
      examples([
        'doms load --rate 500 --duration 60s',
        "doms load --rate 200 --duration 2m --ramp-up 30s --threshold 'saga.p99<500ms' --threshold 'errors<0.1%'",
        'doms load --rate 50 --duration 10s --no-dashboard --out result.json',
        'doms load --rate 50 --duration 10s --json | jq .latency.saga.p99',
      ]),
    ),
  ['target', 'brokers', 'redisUrl', 'topicPrefix'],
).action(async (_opts, cmd: Command) => (await import('../commands/load.ts')).load(cmd));

withSettings(
  program
    .command('smoke')
    .summary('a short end-to-end check for CI')
    .description(
      'A short end-to-end check for CI: a few dozen orders through the running saga (and one that must be rejected), then the `doms verify` invariants. Exit 0 only if every order ended and all hold.',
    )
    .option('--orders <n>', 'orders to send', '40')
    .option('--rate <n>', 'orders per second', '20')
    .option('--timeout <duration>', 'how long an order may take to end', '30s')
    .addHelpText('after', examples(['doms smoke', 'doms smoke --orders 100 --rate 50'])),
  ['target', 'brokers', 'redisUrl', 'databaseUrl', 'topicPrefix'],
).action(async (_opts, cmd: Command) => (await import('../commands/smoke.ts')).smoke(cmd));

program
  .command('demo')
  .summary('the whole saga and dashboard in one process, nothing to install')
  .description(
    'The whole saga and the load dashboard in one process, on embedded stand-ins for Kafka, Redis and PostgreSQL (PGlite): nothing to install. The order API is served meanwhile, so curl and `doms order get` work against it.',
  )
  .option('--rate <n>', 'orders per second', '100')
  .option('--duration <duration>', 'how long to send', '60s')
  .option('--failure-rate <rate>', 'share of payments that fail, 0..1', '0.2')
  .option('--port <port>', 'HTTP port of the order API', '8081')
  .option('--no-dashboard', 'plain progress lines even on a terminal')
  .addHelpText('after', examples(['npx doms demo', 'doms demo --rate 200 --duration 20s --failure-rate 0.3', 'doms demo --duration 10s --no-dashboard']))
  .action(async (_opts, cmd: Command) => (await import('../commands/demo.ts')).demo(cmd));

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

try {
  await program.parseAsync(process.argv);
} catch (e: unknown) {
  process.exitCode = exitCodeFor(e);
}
// Commands close what they open; should a library still hold a socket, do not hang the shell for it.
setTimeout(() => process.exit(), 2000).unref();

function exitCodeFor(e: unknown): number {
  if (e instanceof CommanderError) {
    // Help and version exit 0; every parse error was already printed as one line.
    return e.exitCode === 0 ? 0 : 2;
  }
  if (e instanceof UsageError || e instanceof UnreachableError) {
    process.stderr.write(`doms: ${e.message}\n`);
    return e.exitCode;
  }
  if (e instanceof ExitError) {
    if (e.message) process.stderr.write(`doms: ${e.message}\n`);
    return e.exitCode;
  }
  process.stderr.write(`doms: ${errorMessage(e)}\n`);
  if (process.env.DOMS_DEBUG) process.stderr.write(`${(e as Error).stack ?? ''}\n`);
  return 1;
}
