import { randomUUID } from 'node:crypto';
import { withStockStore } from '../wiring/inspect.ts';
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { printJson, printLine, table } from '../cli/output.ts';
import { parseFlag, readSettings } from '../cli/settings.ts';
import { parseInteger } from '../config/parse.ts';
import { UsageError } from '../errors.ts';
import { uuid } from '../events/schemas.ts';
import { createLogger } from '../infra/log.ts';
import type { StockStore } from '../services/inventory/reservation.ts';

const MAX_STOCK = 1e12;

async function withStore<T>(cmd: Command, fn: (store: StockStore) => Promise<T>): Promise<T> {
  const { redisUrl } = readSettings(cmd, ['redisUrl']);
  return withStockStore(redisUrl, createLogger('stock'), fn);
}

function productId(text: string): string {
  const parsed = uuid.safeParse(text);
  if (!parsed.success) throw new UsageError(`invalid product id '${text}': must be a UUID`);
  return parsed.data;
}

/** `doms stock seed p=q …` or `doms stock seed --products N --quantity Q [--out file]`. */
export async function stockSeed(pairs: string[], cmd: Command): Promise<void> {
  const opts = cmd.opts<{ products?: string; quantity: string; out?: string; json?: boolean }>();
  const levels: Record<string, number> = {};
  const number = (flag: string, text: string, min: number) => parseFlag(flag, () => parseInteger(text, { min, max: MAX_STOCK }));
  if (opts.products !== undefined) {
    if (pairs.length > 0) throw new UsageError('give either productId=quantity pairs or --products, not both');
    const count = number('--products', opts.products, 1);
    if (count > 100_000) throw new UsageError('invalid --products: at most 100000 at a time');
    const quantity = number('--quantity', opts.quantity, 0);
    for (let i = 0; i < count; i++) levels[randomUUID()] = quantity;
  } else {
    if (pairs.length === 0) throw new UsageError('nothing to seed: give productId=quantity pairs, or --products N --quantity Q');
    for (const pair of pairs) {
      const match = /^([^=]+)=(.+)$/.exec(pair);
      if (!match) throw new UsageError(`invalid '${pair}': expected <productId>=<quantity>`);
      levels[productId(match[1]!)] = number(`quantity for ${match[1]}`, match[2]!, 0);
    }
  }

  await withStore(cmd, (store) => store.seed(levels));
  const ids = Object.keys(levels);
  if (opts.out) await writeFile(opts.out, ids.join('\n') + '\n');
  if (opts.json) return printJson(ids.map((id) => ({ productId: id, available: levels[id] })));
  if (opts.products !== undefined && opts.out) return printLine(`seeded ${ids.length} products with ${opts.quantity} each; ids written to ${opts.out}`);
  for (const id of ids) printLine(opts.products !== undefined ? id : `${id}  ${levels[id]}`);
}

/** `doms stock get [productId …]`: a table of levels; unknown products are shown as such. */
export async function stockGet(ids: string[], cmd: Command): Promise<void> {
  const wanted = ids.map(productId);
  const levels = await withStore(cmd, async (store) => (wanted.length ? store.get(wanted) : store.list()));
  const rows = levels.map((l, i) => l ?? { productId: wanted[i]!, unknown: true as const });
  if (cmd.opts().json) return printJson(rows);
  if (rows.length === 0) return printLine('no products yet: seed some with `doms stock seed`');
  printLine(
    table(
      ['product', 'available', 'reserved', 'sold'],
      rows.map((r) => ('unknown' in r ? [r.productId, 'unknown', '', ''] : [r.productId, r.available, r.reserved, r.sold])),
    ),
  );
}
