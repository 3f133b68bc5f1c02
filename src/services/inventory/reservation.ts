import type { Items, Shortage } from '../../events/schemas.ts';

/**
 * The reservation rule, all or nothing: every item must have enough available stock, else nothing is
 * taken and each short product is named. An unknown product counts as 0, or as `defaultStock` when set.
 * The Redis script implements the same rule atomically; the contract tests hold the two together.
 */
export function planReservation(
  available: (productId: string) => number | undefined,
  items: Items,
  defaultStock: number | null,
): { ok: true } | { ok: false; shortages: Shortage[] } {
  const shortages: Shortage[] = [];
  for (const [productId, requested] of Object.entries(items)) {
    const have = available(productId) ?? defaultStock ?? 0;
    if (have < requested) shortages.push({ productId, requested, available: Math.max(have, 0) });
  }
  return shortages.length === 0 ? { ok: true } : { ok: false, shortages };
}
