import type { CreateOrderRequest } from '../services/order/request.ts';

/** mulberry32: a small, fast PRNG; the same seed gives the same stream of orders. */
export function prng(seed: string): () => number {
  let h = 1779033703 ^ seed.length;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 3432918353);
  let a = (h = Math.imul(h ^ (h >>> 16), 2246822507)) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function uuidFrom(random: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${((parseInt(hex[16]!, 16) & 3) | 8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export interface Range {
  min: number;
  max: number;
}

export interface MixOptions {
  seed: string;
  users: number;
  products: number;
  items: Range;
  quantity: Range;
}

/** A catalogue (products with prices), a user base, and a reproducible stream of orders over them. */
export class OrderMix {
  readonly products: { id: string; price: number }[];
  readonly users: string[];
  private readonly random: () => number;

  constructor(private readonly options: MixOptions) {
    const catalogue = prng(`${options.seed}/catalogue`);
    this.products = Array.from({ length: options.products }, () => ({ id: uuidFrom(catalogue), price: Math.round((5 + catalogue() * 195) * 100) / 100 }));
    this.users = Array.from({ length: options.users }, () => uuidFrom(catalogue));
    this.random = prng(`${options.seed}/orders`);
  }

  next(): CreateOrderRequest {
    const { userId, amount, ids, quantities } = this.draw();
    const items: Record<string, number> = {};
    for (let i = 0; i < ids.length; i++) items[ids[i]!] = quantities[i]!;
    return { userId, amount, items };
  }

  /**
   * The next order as the JSON text `JSON.stringify(next())` would give, built without the items
   * object: the generator's hot path (objects keyed by ever-different product ids make V8 create a
   * new hidden class for each key combination, which costs far more than the string).
   */
  nextJson(): string {
    const { userId, amount, ids, quantities } = this.draw();
    let items = '';
    for (let i = 0; i < ids.length; i++) items += `${i ? ',' : ''}"${ids[i]}":${quantities[i]}`;
    // Ids are uuids and amounts finite numbers: nothing needs escaping, String(n) is JSON's form.
    return `{"userId":"${userId}","amount":${amount},"items":{${items}}}`;
  }

  /** One order's random choices, in the order the random stream has always been consumed. */
  private draw(): { userId: string; amount: number; ids: string[]; quantities: number[] } {
    const { items: itemRange, quantity } = this.options;
    const lines = Math.min(this.pick(itemRange), this.products.length);
    const ids: string[] = [];
    const quantities: number[] = [];
    let amount = 0;
    while (ids.length < lines) {
      const product = this.products[Math.floor(this.random() * this.products.length)]!;
      if (ids.includes(product.id)) continue;
      const qty = this.pick(quantity);
      ids.push(product.id);
      quantities.push(qty);
      amount += product.price * qty;
    }
    return { userId: this.users[Math.floor(this.random() * this.users.length)]!, amount: Math.round(amount * 100) / 100, ids, quantities };
  }

  private pick(r: Range): number {
    return r.min + Math.floor(this.random() * (r.max - r.min + 1));
  }
}

/** "1-3" or "2" → a range. */
export function parseRange(text: string): Range {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text.trim());
  if (!m) throw new Error(`'${text}' is not a number or a range like 1-3`);
  const min = Number(m[1]);
  const max = m[2] === undefined ? min : Number(m[2]);
  if (min < 1 || max < min) throw new Error(`'${text}' must be a range of whole numbers from 1, low-high`);
  return { min, max };
}
