import { randomUUID } from 'node:crypto';
import type { Invocation } from '../cli/invocation.ts';
import { parseFlag } from '../cli/invocation.ts';
import { table, type Output } from '../cli/output.ts';
import { parseInteger } from '../config/parse.ts';
import { UsageError } from '../errors.ts';
import { uuid } from '../events/schemas.ts';
import type { StockStore } from '../services/inventory/reservation.ts';

const MAX_STOCK = 1e12;
const MAX_BULK = 100_000;

/** Where a saga's stock is: the Redis server and the namespace of its keys (by default following the topic prefix). */
export interface StockLocation {
  redisUrl: string;
  redisNamespace: string;
}

const STOCK_SETTINGS = ['redisUrl', 'redisNamespace'] as const;

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

export function stockSeedOptions(inv: Invocation): StockSeedOptions {
  const location = inv.settings(STOCK_SETTINGS);
  const pairs = (inv.args[0] as string[] | undefined) ?? [];
  const f = inv.flags as { products?: string; quantity: string; out?: string; json?: boolean };
  const number = (flag: string, text: string, min: number) => parseFlag(flag, () => parseInteger(text, { min, max: MAX_STOCK }));
  const levels: Record<string, number> = {};
  if (f.products !== undefined) {
    if (pairs.length > 0) throw new UsageError('give either productId=quantity pairs or --products, not both');
    const count = number('--products', f.products, 1);
    if (count > MAX_BULK) throw new UsageError(`invalid --products: at most ${MAX_BULK} at a time`);
    const quantity = number('--quantity', f.quantity, 0);
    for (let i = 0; i < count; i++) levels[randomUUID()] = quantity;
    return { location, levels, generated: { quantity, out: f.out }, json: Boolean(f.json) };
  }
  if (pairs.length === 0) throw new UsageError('nothing to seed: give productId=quantity pairs, or --products N --quantity Q');
  for (const pair of pairs) {
    const match = /^([^=]+)=(.+)$/.exec(pair);
    if (!match) throw new UsageError(`invalid '${pair}': expected <productId>=<quantity>`);
    levels[productId(match[1]!)] = number(`quantity for ${match[1]}`, match[2]!, 0);
  }
  return { location, levels, generated: null, json: Boolean(f.json) };
}

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

export function stockGetOptions(inv: Invocation): StockGetOptions {
  return { location: inv.settings(STOCK_SETTINGS), productIds: ((inv.args[0] as string[] | undefined) ?? []).map(productId), json: Boolean(inv.flags.json) };
}

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
