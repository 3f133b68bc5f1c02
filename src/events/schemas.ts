import { z } from 'zod';

const UUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** Any 8-4-4-4-12 hex id, lower-cased: the original README's ids (aaaaaaaa-…) are not RFC 4122 version-4 UUIDs. */
export const uuid = z
  .string({ error: 'must be a UUID string' })
  .regex(UUID_PATTERN, { error: 'must be a UUID (8-4-4-4-12 hex digits)' })
  .transform((s) => s.toLowerCase());

export const MAX_QUANTITY = 1_000_000;
export const MAX_LINES = 100;

export const quantity = z
  .number({ error: 'must be a number' })
  .int({ error: 'must be a whole number' })
  .min(1, { error: 'must be at least 1' })
  .max(MAX_QUANTITY, { error: `must be at most ${MAX_QUANTITY}` });

/** The largest amount the orders table holds (numeric(14,2)). */
export const MAX_AMOUNT = 999_999_999_999.99;

export const amount = z
  .number({ error: 'must be a number' })
  .min(0, { error: 'must not be negative' })
  .max(MAX_AMOUNT, { error: `must be at most ${MAX_AMOUNT}` })
  // Exact: the number is the one its whole cents spell (19.99 * 100 is 1998.9999999999998, yet 1999 / 100 is 19.99).
  // An absolute tolerance refused large amounts (165829404724.73) and let tiny fractions through (1e-9, stored as 0).
  .refine((n) => Number.isFinite(n) && Math.round(n * 100) / 100 === n, { error: 'must have at most two decimals' });

/** zod's records drop a `__proto__` key without a word (copying it is unsafe); it is no product id, so refuse it. */
const noProtoKey = z.unknown().superRefine((value, ctx) => {
  if (value !== null && typeof value === 'object' && Object.hasOwn(value, '__proto__'))
    ctx.addIssue({ code: 'custom', path: ['__proto__'], message: 'product id must be a UUID' });
});

/** productId → quantity; the original event format. */
export const items = noProtoKey
  .pipe(z.record(z.string(), quantity))
  .superRefine((value, ctx) => {
    const ids = Object.keys(value);
    if (ids.length === 0) ctx.addIssue({ code: 'custom', message: 'must contain at least one product' });
    if (ids.length > MAX_LINES) ctx.addIssue({ code: 'custom', message: `must contain at most ${MAX_LINES} products` });
    for (const id of ids) {
      if (!UUID_PATTERN.test(id)) ctx.addIssue({ code: 'custom', path: [id], message: 'product id must be a UUID' });
    }
  })
  .transform((value, ctx) => {
    // One product however its id is cased: the same stock key, and the same limit on the sum.
    const normalised: Record<string, number> = {};
    for (const [id, qty] of Object.entries(value)) normalised[id.toLowerCase()] = (normalised[id.toLowerCase()] ?? 0) + qty;
    for (const [id, qty] of Object.entries(normalised))
      if (qty > MAX_QUANTITY) ctx.addIssue({ code: 'custom', path: [id], message: `must be at most ${MAX_QUANTITY} in all (the id appears in several cases)` });
    return normalised;
  });

export type Items = Record<string, number>;

export const shortage = z.object({
  productId: uuid,
  requested: z.number().int(),
  available: z.number().int(),
});
export type Shortage = z.infer<typeof shortage>;
