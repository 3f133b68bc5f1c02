import { describe, expect, it } from 'vitest';
import { invocationFor } from '../../helpers/invocation.ts';
import { stockGet, stockGetOptions, stockSeed, stockSeedOptions, type StockCommandDeps, type StockLocation } from '../../../src/commands/stock.ts';
import { UsageError } from '../../../src/errors.ts';
import type { StockStore } from '../../../src/services/inventory/ports.ts';
import { recordOutput } from '../../helpers/output.ts';

const A = 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa';
const B = 'bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb';

function fakes() {
  const out = recordOutput();
  const levels = new Map<string, number>();
  const files = new Map<string, string>();
  const store = {
    seed: async (l: Record<string, number>) => void Object.entries(l).forEach(([id, n]) => levels.set(id, n)),
    get: async (ids: readonly string[]) =>
      ids.map((id) => (levels.has(id) ? { productId: id, available: levels.get(id)!, reserved: 0, sold: 0, added: levels.get(id)! } : undefined)),
    list: async () => [...levels].map(([productId, n]) => ({ productId, available: n, reserved: 0, sold: 0, added: n })),
  } as unknown as StockStore;
  const locations: StockLocation[] = [];
  const deps: StockCommandDeps = {
    out,
    withStockStore: (location, fn) => (locations.push(location), fn(store)),
    writeFile: async (path, text) => void files.set(path, text),
  };
  return { out, deps, levels, files, locations };
}

const seedOptions = (args: string[], flags: Record<string, unknown> = {}) => stockSeedOptions(invocationFor('stock seed', { args: [args], flags }));

describe('doms stock seed', () => {
  it('sets each named product and prints it with its level', async () => {
    const { out, deps, levels } = fakes();
    expect(await stockSeed(seedOptions([`${A}=10`, `${B}=0`]), deps)).toBe(0);
    expect([...levels]).toEqual([
      [A, 10],
      [B, 0],
    ]);
    expect(out.lines).toEqual([`${A}  10`, `${B}  0`]);
  });

  it('in bulk writes the generated ids to --out and says where they went', async () => {
    const { out, deps, levels, files } = fakes();
    await stockSeed(seedOptions([], { products: '3', quantity: '7', out: 'ids.txt' }), deps);
    expect([...levels.values()]).toEqual([7, 7, 7]);
    expect(files.get('ids.txt')!.trim().split('\n')).toEqual([...levels.keys()]);
    expect(out.lines).toEqual(['seeded 3 products with 7 each; ids written to ids.txt']);
  });

  it.each([
    [[], {}, 'nothing to seed: give productId=quantity pairs, or --products N --quantity Q'],
    [[`${A}=1`], { products: '2' }, 'give either productId=quantity pairs or --products, not both'],
    [['nope=1'], {}, "invalid product id 'nope': must be a UUID"],
    [[`${A}`], {}, `invalid '${A}': expected <productId>=<quantity>`],
    [[`${A}=-1`], {}, `invalid quantity for ${A}: `],
    [[], { products: '100001' }, 'invalid --products: at most 100000 at a time'],
    [[], { products: '2', quantity: 'lots' }, 'invalid --quantity: '],
  ])('refuses %o %o in one line', (args, flags, message) => {
    expect(() => seedOptions(args, flags)).toThrow(UsageError);
    expect(() => seedOptions(args, flags)).toThrow(message);
  });
});

describe('doms stock get', () => {
  it('shows unknown products as such', async () => {
    const { out, deps } = fakes();
    await stockSeed(seedOptions([`${A}=5`]), deps);
    out.lines.length = 0;
    await stockGet(stockGetOptions(invocationFor('stock get', { args: [[A, B]], flags: { json: true } })), deps);
    expect(JSON.parse(out.stdout)).toEqual([
      { productId: A, available: 5, reserved: 0, sold: 0, added: 5 },
      { productId: B, unknown: true },
    ]);
  });

  it('reads and seeds the stock of the saga named by the topic prefix, or of the namespace given', async () => {
    const { deps, locations } = fakes();
    await stockSeed(seedOptions([`${A}=5`], { topicPrefix: 'blue.' }), deps);
    await stockGet(stockGetOptions(invocationFor('stock get', { args: [[]], flags: { topicPrefix: 'blue.' } })), deps);
    await stockGet(stockGetOptions(invocationFor('stock get', { args: [[]], flags: { redisNamespace: 'shop' } })), deps);
    await stockGet(stockGetOptions(invocationFor('stock get', { args: [[]] })), deps);
    expect(locations.map((l) => l.redisNamespace)).toEqual(['blue.doms', 'blue.doms', 'shop', 'doms']);
  });

  it('hints at seeding when there is no stock at all', async () => {
    const { out, deps } = fakes();
    await stockGet(stockGetOptions(invocationFor('stock get', { args: [[]] })), deps);
    expect(out.lines).toEqual(['no products yet: seed some with `doms stock seed`']);
  });
});
