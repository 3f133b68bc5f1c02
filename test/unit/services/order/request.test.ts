import { describe, expect, it } from 'vitest';
import { createOrderRequest, listOrdersQuery, validate } from '../../../../src/services/order/request.ts';

const user = '11111111-1111-1111-1111-111111111111';
const a = 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa';

describe('POST /orders body validation', () => {
  it("accepts the original README's request, ids not being version-4 UUIDs", () => {
    const result = validate(createOrderRequest, { userId: user, amount: 500, items: { [a]: 2, 'BBBBBBBB-BBBB-BBBB-BBBB-BBBBBBBBBBBB': 1 } });
    expect(result).toEqual({ ok: true, value: { userId: user, amount: 500, items: { [a]: 2, 'bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb': 1 } } });
  });

  it('accepts amounts with two decimals that binary floating point cannot hold exactly', () => {
    for (const amount of [19.99, 0.29, 1234.56, 0.1]) expect(validate(createOrderRequest, { userId: user, amount, items: { [a]: 1 } }).ok).toBe(true);
    expect(validate(createOrderRequest, { userId: user, amount: 1.234, items: { [a]: 1 } }).ok).toBe(false);
  });

  it('accepts every two-decimal amount up to the limit, large ones too, and refuses tiny fractions the table would round to 0', () => {
    for (const amount of [165_829_404_724.73, 999_999_999_999.99, 12_345_678_901.01, 0.07, 0])
      expect(validate(createOrderRequest, { userId: user, amount, items: { [a]: 1 } }), String(amount)).toMatchObject({ ok: true, value: { amount } });
    for (const amount of [1e-9, 5e-324, 0.001, 1.005, 999_999_999_999.98 + 0.001])
      expect(validate(createOrderRequest, { userId: user, amount, items: { [a]: 1 } }), String(amount)).toMatchObject({
        ok: false,
        errors: [{ field: 'amount' }],
      });
  });

  it('refuses a __proto__ product id instead of dropping that line', () => {
    const body = JSON.parse(`{"userId":"${user}","amount":1,"items":{"__proto__":3,"${a}":1}}`) as unknown;
    expect(validate(createOrderRequest, body)).toEqual({ ok: false, errors: [{ field: 'items.__proto__', message: 'product id must be a UUID' }] });
  });

  it.each([
    ['a missing userId', { amount: 1, items: { [a]: 1 } }, 'userId', 'is required'],
    ['a non-UUID userId', { userId: 'bob', amount: 1, items: { [a]: 1 } }, 'userId', 'must be a UUID'],
    ['a missing amount', { userId: user, items: { [a]: 1 } }, 'amount', 'is required'],
    ['a negative amount', { userId: user, amount: -1, items: { [a]: 1 } }, 'amount', 'must not be negative'],
    ['a string amount', { userId: user, amount: '500', items: { [a]: 1 } }, 'amount', 'must be a number'],
    ['empty items', { userId: user, amount: 1, items: {} }, 'items', 'at least one product'],
    ['missing items', { userId: user, amount: 1 }, 'items', 'is required'],
    ['a zero quantity', { userId: user, amount: 1, items: { [a]: 0 } }, `items.${a}`, 'at least 1'],
    ['a negative quantity', { userId: user, amount: 1, items: { [a]: -2 } }, `items.${a}`, 'at least 1'],
    ['a fractional quantity', { userId: user, amount: 1, items: { [a]: 1.5 } }, `items.${a}`, 'whole number'],
    ['a non-UUID product id', { userId: user, amount: 1, items: { 'product-1': 1 } }, 'items.product-1', 'must be a UUID'],
  ])('rejects %s, naming the field', (_name, body, field, message) => {
    const result = validate(createOrderRequest, body);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.errors[0]!.field).toBe(field);
      expect(result.errors[0]!.message).toContain(message);
    }
  });
});

describe('GET /orders query validation', () => {
  it('defaults to the first page of 10, like Spring Data', () => {
    expect(validate(listOrdersQuery, {})).toEqual({ ok: true, value: { page: 0, size: 10 } });
  });

  it('rejects a page size over 100 and a negative page', () => {
    expect(validate(listOrdersQuery, { size: '1000' }).ok).toBe(false);
    expect(validate(listOrdersQuery, { page: '-1' }).ok).toBe(false);
  });
});
