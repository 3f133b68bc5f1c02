import { randomUUID } from 'node:crypto';
import type { Settings } from '../config/settings.ts';
import { defineCommand, jsonFlag, optionalFlag, textFlag, valueFlag, words } from './command.ts';
import { parseFlag, type Invocation } from './invocation.ts';
import { table, type Output } from './output.ts';
import { parseInteger } from '../config/parse.ts';
import { UsageError } from '../errors.ts';
import { uuid } from '../events/schemas.ts';
import type { StockStore } from '../services/inventory/ports.ts';

const MAX_STOCK = 1e12;
const MAX_BULK = 100_000;

/** Where a saga's stock is: the Redis server and the namespace of its keys (by default following the topic prefix). */
export interface StockLocation {
  redisUrl: string;
  redisNamespace: string;
}

/** What `doms stock` needs: somewhere to print, the stock store for the length of a call, and a file to write ids to. */
export interface StockCommandDeps {
  out: Output;
  withStockStore<T>(location: StockLocation, fn: (store: StockStore) => Promise<T>): Promise<T>;
  writeFile(path: string, text: string): Promise<void>;
}

export interface StockSeedOptions {
  location: StockLocation;
  /** Available units to set, per product. */
  levels: Record<string, number>;
  /** Bulk mode (--products): the ids were generated here, so they are the answer. */
  generated: { quantity: number; out?: string } | null;
  json: boolean;
}

function productId(text: string): string {
  const parsed = uuid.safeParse(text);
  if (!parsed.success) throw new UsageError(`invalid product id '${text}': must be a UUID`);
  return parsed.data;
}

const STOCK_SETTINGS = ['redisUrl', 'topicPrefix', 'redisNamespace'] as const;
/** The namespace follows the topic prefix when empty, so both are settings; the location is the server and the namespace. */
const locationOf = (settings: Settings<(typeof STOCK_SETTINGS)[number]>): StockLocation => ({
  redisUrl: settings.redisUrl,
  redisNamespace: settings.redisNamespace,
});
const quantityOf = (text: string, min: number) => parseInteger(text, { min, max: MAX_STOCK });
const stockRun = async (out: Output) => ({ out, ...(await import('../wiring/command-deps.ts')).stockAdapters((line) => out.note(line)) });

/** `doms stock seed`: its flags, help and runner. */
export const stockSeedCommand = defineCommand({
  name: 'stock seed',
  description: 'Set the available stock of products (reserved and sold units are kept).',
  args: [{ name: '[levels...]', help: 'productId=quantity pairs' }],
  flags: {
    products: optionalFlag('--products <n>', 'bulk: seed this many new random product ids', (t) => quantityOf(t, 1)),
    quantity: valueFlag('--quantity <n>', 'bulk: available stock for each of them', '1000', (t) => quantityOf(t, 0)),
    out: textFlag('--out <file>', 'bulk: write the generated ids to this file, one per line'),
    json: jsonFlag('what was seeded'),
  },
  settings: STOCK_SETTINGS,
  examples: [
    'doms stock seed aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa=10 bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb=10',
    'doms stock seed --products 100 --quantity 1000 --out products.txt',
  ],
  options: ({ args, flags: f, settings }): StockSeedOptions => {
    const location = locationOf(settings);
    const pairs = words(args[0]);
    const levels: Record<string, number> = {};
    const count = f.products;
    if (count !== undefined) {
      if (pairs.length > 0) throw new UsageError('give either productId=quantity pairs or --products, not both');
      if (count > MAX_BULK) throw new UsageError(`invalid --products: at most ${MAX_BULK} at a time`);
      const quantity = f.quantity;
      for (let i = 0; i < count; i++) levels[randomUUID()] = quantity;
      return { location, levels, generated: { quantity, out: f.out }, json: f.json };
    }
    if (pairs.length === 0) throw new UsageError('nothing to seed: give productId=quantity pairs, or --products N --quantity Q');
    for (const pair of pairs) {
      const match = /^([^=]+)=(.+)$/.exec(pair);
      if (!match) throw new UsageError(`invalid '${pair}': expected <productId>=<quantity>`);
      levels[productId(match[1]!)] = parseFlag(`quantity for ${match[1]}`, () => quantityOf(match[2]!, 0));
    }
    return { location, levels, generated: null, json: f.json };
  },
  run: async (options, out) => stockSeed(options, await stockRun(out)),
});

export const stockSeedOptions = (inv: Invocation): StockSeedOptions => stockSeedCommand.parse(inv);

/** `doms stock seed p=q …` or `doms stock seed --products N --quantity Q [--out file]`. */
export async function stockSeed(options: StockSeedOptions, deps: StockCommandDeps): Promise<number> {
  const { out } = deps;
  const { levels, generated } = options;
  await deps.withStockStore(options.location, (store) => store.seed(levels));
  const ids = Object.keys(levels);
  if (generated?.out) await deps.writeFile(generated.out, ids.join('\n') + '\n');
  if (options.json) out.json(ids.map((id) => ({ productId: id, available: levels[id] })));
  else if (generated?.out) out.line(`seeded ${ids.length} products with ${generated.quantity} each; ids written to ${generated.out}`);
  else for (const id of ids) out.line(generated ? id : `${id}  ${levels[id]}`);
  return 0;
}

export interface StockGetOptions {
  location: StockLocation;
  /** Empty: every product. */
  productIds: string[];
  json: boolean;
}

/** `doms stock get`: its flags, help and runner. */
export const stockGetCommand = defineCommand({
  name: 'stock get',
  description: 'Show available, reserved and sold units per product (all products when none is named).',
  args: [{ name: '[productIds...]', help: 'product ids' }],
  flags: { json: jsonFlag('the levels') },
  settings: STOCK_SETTINGS,
  examples: ['doms stock get', 'doms stock get aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa'],
  options: ({ args, flags, settings }): StockGetOptions => ({ location: locationOf(settings), productIds: words(args[0]).map(productId), json: flags.json }),
  run: async (options, out) => stockGet(options, await stockRun(out)),
});

export const stockGetOptions = (inv: Invocation): StockGetOptions => stockGetCommand.parse(inv);

/** `doms stock get [productId …]`: a table of levels; unknown products are shown as such. */
export async function stockGet(options: StockGetOptions, { out, withStockStore }: StockCommandDeps): Promise<number> {
  const wanted = options.productIds;
  const levels = await withStockStore(options.location, async (store) => (wanted.length ? store.get(wanted) : store.list()));
  const rows = levels.map((l, i) => l ?? { productId: wanted[i]!, unknown: true as const });
  if (options.json) out.json(rows);
  else if (rows.length === 0) out.line('no products yet: seed some with `doms stock seed`');
  else
    out.line(
      table(
        ['product', 'available', 'reserved', 'sold'],
        rows.map((r) => ('unknown' in r ? [r.productId, 'unknown', '', ''] : [r.productId, r.available, r.reserved, r.sold])),
      ),
    );
  return 0;
}
