import { z } from 'zod';
import { amount, items, uuid } from '../../events/schemas.ts';
import type { OrderStatus } from './status.ts';
import { OrderStatuses } from './status.ts';

/** The body of POST /orders, as the original Spring Boot service took it. */
export const createOrderRequest = z.object({
  userId: uuid,
  amount,
  items,
});
export type CreateOrderRequest = z.output<typeof createOrderRequest>;

export interface FieldError {
  field: string;
  message: string;
}

export type Validated<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

export function validate<S extends z.ZodType>(schema: S, input: unknown): Validated<z.output<S>> {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  return {
    ok: false,
    errors: result.error.issues.map((issue) => ({
      field: issue.path.length ? issue.path.map(String).join('.') : 'body',
      message: issue.code === 'invalid_type' && valueAt(input, issue.path) === undefined ? 'is required' : issue.message,
    })),
  };
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) value = value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  return value;
}

const MAX_PAGE_SIZE = 100;

const intParam = (name: string, min: number, max: number, fallback: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return fallback;
      const n = /^\d{1,9}$/.test(v) ? Number(v) : NaN;
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `${name} must be a whole number from ${min} to ${max}` });
        return z.NEVER;
      }
      return n;
    });

const absentIfEmpty = (v: unknown) => (v === '' ? undefined : v);

/** GET /orders query: Spring Data paging (page from 0) with an optional user and status filter; an empty filter (`userId=`) is none, as in Spring. */
export const listOrdersQuery = z.object({
  userId: z.preprocess(absentIfEmpty, uuid.optional()),
  status: z.preprocess(absentIfEmpty, z.enum(OrderStatuses, { error: `must be one of ${OrderStatuses.join(', ')}` }).optional()),
  page: intParam('page', 0, 1_000_000, 0),
  size: intParam('size', 1, MAX_PAGE_SIZE, 10),
});
export type ListOrdersQuery = { userId?: string; status?: OrderStatus; page: number; size: number };
