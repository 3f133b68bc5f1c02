// Fuzzing POST /orders: request bodies as raw bytes (so duplicate keys, odd number spellings, escapes and
// broken JSON reach the server as written), an oracle that says from the README's rules alone what the
// answer must be, and a property that checks each answer against it and against what was stored.
import { randomUUID } from 'node:crypto';
import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import fc from 'fast-check';
import { expect } from 'vitest';
import { MAX_AMOUNT, MAX_LINES, MAX_QUANTITY } from '../../src/events/schemas.ts';
import { MAX_BODY_BYTES } from '../../src/services/order/http-io.ts';
import { escapedJsonString } from './fuzz.ts';

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** One POST /orders as sent. */
export interface FuzzRequest {
  body: Buffer;
  /** undefined: no Content-Type header at all. */
  contentType: string | undefined;
  /** Whether the content type declares JSON (decided by the generator's table, not by the server's rule). */
  jsonType: boolean;
  /** Sent in several pieces without a Content-Length. */
  chunked: boolean;
  /** 'none', a fresh valid key sent twice (the second must replay the first), or a malformed key. */
  idempotency: 'none' | 'valid' | 'malformed';
  /** What the generator made, for the report. */
  shape: string;
}

export type Verdict = { ok: true; order: { userId: string; amount: number; items: Record<string, number> } } | { ok: false; fields: Set<string> };

const bad = (...fields: string[]): Verdict => ({ ok: false, fields: new Set(fields) });
const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * What the answer must be, from the README's rules: a JSON body (declared so) of at most 64 KiB that is
 * an object; `userId` a UUID; `amount` a number from 0 to 999,999,999,999.99 with at most two decimals;
 * `items` 1 to 100 product ids (UUIDs) each with a whole quantity from 1 to 1,000,000, the cases of one
 * id together within that limit. Otherwise 400 naming one of the fields it gives.
 */
export function judge(req: FuzzRequest): Verdict {
  if (!req.jsonType) return bad('Content-Type');
  if (req.body.length > MAX_BODY_BYTES) return bad('body');
  let value: unknown;
  try {
    value = JSON.parse(req.body.toString('utf8'));
  } catch {
    return bad('body');
  }
  if (!isPlainObject(value)) return bad('body');
  const fields = new Set<string>();
  const { userId, amount, items } = value;
  if (typeof userId !== 'string' || !UUID.test(userId)) fields.add('userId');
  // Two decimals at most: the number is the one its own two-decimal rounding spells.
  if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0 || amount > MAX_AMOUNT || Number(amount.toFixed(2)) !== amount) fields.add('amount');
  const merged = new Map<string, number>();
  if (!isPlainObject(items)) fields.add('items');
  else {
    const ids = Object.keys(items);
    if (ids.includes('__proto__')) fields.add('items.__proto__');
    const lines = ids.filter((id) => id !== '__proto__');
    if (lines.length === 0 || lines.length > MAX_LINES) fields.add('items');
    for (const id of lines) {
      const q = items[id];
      if (!UUID.test(id)) fields.add(`items.${id}`);
      if (typeof q !== 'number' || !Number.isInteger(q) || q < 1 || q > MAX_QUANTITY) fields.add(`items.${id}`);
      else merged.set(id.toLowerCase(), (merged.get(id.toLowerCase()) ?? 0) + q);
    }
    for (const [id, q] of merged) if (q > MAX_QUANTITY) fields.add(`items.${id}`);
  }
  if (fields.size > 0) return { ok: false, fields };
  if (req.idempotency === 'malformed') return bad('Idempotency-Key');
  return { ok: true, order: { userId: (userId as string).toLowerCase(), amount: (amount as number) + 0, items: Object.fromEntries(merged) } };
}

// ---- generators -----------------------------------------------------------------------------------

const ws = fc.constantFrom('', '', '', ' ', '\n', '\t', '\r\n  ');
/** A JSON string literal, as JSON.stringify writes it or with every character escaped. */
const quoted = (s: fc.Arbitrary<string>) => fc.tuple(s, fc.nat(3)).map(([v, how]) => (how === 0 ? escapedJsonString(v) : JSON.stringify(v)));
const uuidText = fc.mixedCase(fc.uuid());

/** Strings that look like ids but are not, and strings that are simply odd. */
const oddString = fc.oneof(
  fc.constantFrom(
    '',
    '__proto__',
    'constructor',
    'toString',
    'hasOwnProperty',
    'null',
    '0',
    '-1',
    'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaa', // one digit short
    'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaaa', // one too many
    'gggggggg-gggg-gggg-gggg-gggggggggggg',
    '{aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa}',
    'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
    '\u0000',
    '\ud800',
    '\udfff',
    '\u202e\u202d',
    '\u200b',
    '\ufeff',
    '\u0661\u0662', // Arabic-Indic digits
    'ａａａａａａａａ-ａａａａ-ａａａａ-ａａａａ-ａａａａａａａａａａａａ', // full-width
  ),
  // A real id spoiled by one invisible or foreign character somewhere in it.
  fc
    .tuple(fc.uuid(), fc.nat(36), fc.constantFrom('\u200b', '\u200d', '\u202e', '\u0000', '\u00a0', ' ', '\n', '\ud83d', '\ud83d\ude00', 'é', 'א'))
    .map(([id, at, c]) => id.slice(0, at) + c + id.slice(at)),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
);

/** Number literals as they may be spelled in JSON (and a few that are not JSON at all). */
const oddNumber = fc.oneof(
  fc.constantFrom(
    '-0',
    '0.0',
    '-0.0',
    '1E2',
    '0.1e1',
    '100.000',
    '1e-9',
    '5e-324',
    '0.001',
    '0.005',
    '1.005',
    '-1',
    '-0.01',
    '999999999999.99',
    '999999999999.991',
    '1000000000000',
    '1e21',
    '1e400',
    '-1e400',
    '1.7976931348623157e308',
    '9007199254740993',
    '123456789012345678901234567890',
    '1000000',
    '1000001',
    '2147483648',
    '0.5',
    // Not JSON: the whole body is then malformed.
    'NaN',
    'Infinity',
    '-Infinity',
    '+1',
    '01',
    '.5',
    '1.',
    '0x10',
  ),
  // NaN and Infinity come out as bare words: not JSON.
  fc.double().map(String),
  fc.integer({ min: -2_000_000, max: 2_000_000 }).map(String),
  fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
);

/** Any JSON value as text, shallow, or very deeply nested. */
const deepText = fc
  .tuple(fc.integer({ min: 1, max: 12_000 }), fc.constantFrom('[', '{"a":'))
  .map(([depth, open]) => open.repeat(depth) + '1' + (open === '[' ? ']' : '}').repeat(depth));
/** A very long string, of one- to four-byte characters: some bodies pass the size limit with it. */
const longText = fc
  .tuple(fc.integer({ min: 1_000, max: 40_000 }), fc.constantFrom('x', 'é', '中', '😀', '\u200b', '\u0000'))
  .map(([n, c]) => JSON.stringify(c.repeat(n)));
const anyJsonText = fc.oneof({ weight: 4, arbitrary: fc.json({ maxDepth: 4 }) }, { weight: 1, arbitrary: deepText }, { weight: 1, arbitrary: longText });

const validAmount = fc.oneof(
  fc.integer({ min: 0, max: Math.round(MAX_AMOUNT * 100) }).map((cents) => String(cents / 100)),
  fc.integer({ min: 0, max: 100_000 }).map((cents) => String(cents / 100)),
  fc.constantFrom('0', '500', '19.99', '0.29', '0.1', '999999999999.99'),
);
const validQuantity = fc.oneof(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: MAX_QUANTITY })).map(String);
const oddQuantity = fc.oneof(oddNumber, fc.constantFrom('"1"', 'true', 'null', '[]', '{}', '[1]'), anyJsonText);

type Entry = [key: string, value: string];
const objectText = (entries: readonly Entry[], sp: string) => `{${sp}${entries.map(([k, v]) => `${k}${sp}:${sp}${v}`).join(`,${sp}`)}${sp}}`;

const validItems = fc.array(fc.tuple(quoted(uuidText), validQuantity), { minLength: 1, maxLength: 6 });
const nearLimitItems = fc
  .integer({ min: MAX_LINES - 2, max: MAX_LINES + 2 })
  .chain((n) => fc.array(fc.tuple(quoted(fc.uuid()), validQuantity), { minLength: n, maxLength: n }));
const oddItems = fc.array(fc.tuple(quoted(fc.oneof(uuidText, oddString)), fc.oneof(validQuantity, oddQuantity)), { maxLength: 8 });
/** Thousands of lines: short keys stay under the size limit, ids go over it. */
const manyItems = fc
  .tuple(fc.integer({ min: 500, max: 3000 }), fc.boolean())
  .map(([n, ids]): Entry[] =>
    Array.from({ length: n }, (_, i) => [JSON.stringify(ids ? `${String(i).padStart(8, '0')}-0000-4000-8000-000000000000` : `p${i}`), '1']),
  );
/** The same product in several cases, together over the limit or not. */
const casedItems = fc.tuple(fc.uuid(), fc.integer({ min: 1, max: MAX_QUANTITY }), fc.integer({ min: 1, max: MAX_QUANTITY })).map(([id, q1, q2]): Entry[] => [
  [JSON.stringify(id.toLowerCase()), String(q1)],
  [JSON.stringify(id.toUpperCase()), String(q2)],
]);

const itemsText = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(validItems, ws).map(([e, sp]) => objectText(e, sp)) },
  { weight: 3, arbitrary: fc.tuple(oddItems, ws).map(([e, sp]) => objectText(e, sp)) },
  { weight: 1, arbitrary: nearLimitItems.map((e) => objectText(e, '')) },
  { weight: 1, arbitrary: manyItems.map((e) => objectText(e, '')) },
  { weight: 1, arbitrary: casedItems.map((e) => objectText(e, '')) },
  // A product listed twice in the raw text: JSON.parse keeps the last.
  {
    weight: 1,
    arbitrary: fc.tuple(quoted(uuidText), validQuantity, fc.oneof(validQuantity, oddQuantity)).map(([id, q1, q2]) =>
      objectText(
        [
          [id, q1],
          [id, q2],
        ],
        '',
      ),
    ),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(quoted(oddString), validQuantity).map(([k, q]) =>
      objectText(
        [
          ['"__proto__"', q],
          [k, q],
        ],
        '',
      ),
    ),
  },
  { weight: 2, arbitrary: anyJsonText },
);

const userIdText = fc.oneof({ weight: 8, arbitrary: quoted(uuidText) }, { weight: 2, arbitrary: quoted(oddString) }, { weight: 1, arbitrary: anyJsonText });
/** Amounts that are not numbers though they may read like one. */
const numberLike = fc.constantFrom('"NaN"', '"Infinity"', '"-Infinity"', '"1e400"', '"500"', '"19.99"', 'null', 'true', '[500]', '{"value":500}');
const amountText = fc.oneof(
  { weight: 8, arbitrary: validAmount },
  { weight: 3, arbitrary: oddNumber },
  { weight: 1, arbitrary: numberLike },
  { weight: 1, arbitrary: anyJsonText },
);
const extraKey = quoted(fc.oneof(fc.constantFrom('note', '__proto__', 'constructor', 'type', 'orderId', 'status', 'id', 'USERID', 'userid'), oddString));

/** A JSON object with the order's fields — each maybe missing, given twice, or wrong — and some others, in any order. */
const orderObjectText = fc
  .record({
    userId: fc.option(userIdText, { freq: 12 }),
    amount: fc.option(amountText, { freq: 12 }),
    items: fc.option(itemsText, { freq: 12 }),
    extras: fc.array(fc.tuple(extraKey, anyJsonText), { maxLength: 3 }),
    dups: fc.array(fc.tuple(fc.constantFrom('"userId"', '"amount"', '"items"', '"\\u0075serId"'), fc.oneof(userIdText, amountText, itemsText)), {
      maxLength: 2,
    }),
    sp: ws,
  })
  .chain(({ userId, amount, items, extras, dups, sp }) => {
    const entries: Entry[] = [...extras, ...dups];
    if (userId !== null) entries.push(['"userId"', userId]);
    if (amount !== null) entries.push(['"amount"', amount]);
    if (items !== null) entries.push(['"items"', items]);
    return fc.shuffledSubarray(entries, { minLength: entries.length }).map((shuffled) => objectText(shuffled, sp));
  });

/** A valid order, spelled in any of the ways JSON allows: key order, whitespace, escapes, a field given twice, other fields. */
const validOrderText = fc
  .record({
    userId: quoted(uuidText),
    amount: validAmount,
    items: fc.tuple(validItems, ws).map(([e, sp]) => objectText(e, sp)),
    extras: fc.array(fc.tuple(extraKey, anyJsonText), { maxLength: 2 }),
    // An earlier value of a field, overridden by the one that follows (JSON.parse keeps the last).
    earlier: fc.option(fc.tuple(fc.constantFrom('"userId"', '"amount"', '"items"'), fc.oneof(userIdText, amountText, itemsText)), { freq: 3 }),
    sp: ws,
  })
  .chain(({ userId, amount, items, extras, earlier, sp }) => {
    const fields: Entry[] = [
      ['"userId"', userId],
      ['"amount"', amount],
      ['"items"', items],
    ];
    return fc.shuffledSubarray([...fields, ...extras], { minLength: fields.length + extras.length }).map((shuffled) => {
      const entries = earlier ? [earlier, ...shuffled] : shuffled;
      return objectText(entries, sp);
    });
  });

/** A valid order padded with a string field to exactly `MAX_BODY_BYTES + delta` bytes. */
const atSizeLimit = fc
  .tuple(
    quoted(fc.uuid()),
    validAmount,
    fc.tuple(validItems, ws).map(([e, sp]) => objectText(e, sp)),
    fc.integer({ min: -3, max: 3 }),
  )
  .map(([userId, amount, items, delta]) => {
    const core = objectText(
      [
        ['"userId"', userId],
        ['"amount"', amount],
        ['"items"', items],
      ],
      '',
    );
    const pad = MAX_BODY_BYTES + delta - Buffer.byteLength(core) - '"pad":"",'.length;
    return `{"pad":"${'x'.repeat(pad)}",${core.slice(1)}`;
  });

interface Body {
  bytes: Buffer;
  shape: string;
}
const text =
  (shape: string) =>
  (t: string): Body => ({ bytes: Buffer.from(t, 'utf8'), shape });

const body: fc.Arbitrary<Body> = fc.oneof(
  { weight: 8, arbitrary: validOrderText.map(text('valid order')) },
  { weight: 20, arbitrary: orderObjectText.map(text('object')) },
  { weight: 2, arbitrary: fc.tuple(orderObjectText, fc.nat()).map(([t, at]) => text('truncated')(t.slice(0, at % Math.max(1, t.length)))) },
  { weight: 1, arbitrary: atSizeLimit.map(text('at the size limit')) },
  { weight: 1, arbitrary: orderObjectText.map((t) => text('BOM first')(`\ufeff${t}`)) },
  { weight: 1, arbitrary: orderObjectText.map((t) => text('NUL after')(`${t}\u0000`)) },
  { weight: 2, arbitrary: fc.json({ maxDepth: 3 }).map(text('any JSON')) },
  { weight: 1, arbitrary: deepText.map(text('deep nesting')) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }).map(text('any text')) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '\n\t', 'null', '[]', '{}', '"{}"', '{"userId":}', '{,}', '{"a":1,}').map(text('tiny')) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b): Body => ({ bytes: Buffer.from(b), shape: 'any bytes' })) },
  // A string field with bytes that are not UTF-8 (decoded as U+FFFD) and an over-long sequence.
  {
    weight: 1,
    arbitrary: fc
      .tuple(orderObjectText, fc.constantFrom([0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80]))
      .map(([t, junk]): Body => ({ bytes: Buffer.concat([Buffer.from(`{"note":"`), Buffer.from(junk), Buffer.from(`",${t.slice(1)}`)]), shape: 'bad UTF-8' })),
  },
);

/** Content types, each marked as declaring JSON or not. */
const CONTENT_TYPES: [string | undefined, boolean][] = [
  ['application/json', true],
  ['application/json; charset=utf-8', true],
  ['Application/JSON', true],
  ['application/problem+json', true],
  ['application/vnd.doms.order+json; version=1', true],
  ['text/plain', false],
  ['text/plain;charset=UTF-8', false],
  ['text/json', false],
  ['application/x-www-form-urlencoded', false],
  ['multipart/form-data; boundary=x', false],
  ['application/xml', false],
  ['application/json5', false],
  ['', false],
  [undefined, false],
];
const contentType = fc.oneof({ weight: 12, arbitrary: fc.constant(CONTENT_TYPES[0]!) }, { weight: 4, arbitrary: fc.constantFrom(...CONTENT_TYPES) });

export const orderRequest: fc.Arbitrary<FuzzRequest> = fc
  .record({
    body,
    type: contentType,
    chunked: fc.nat(4).map((n) => n === 0),
    idempotency: fc.constantFrom<FuzzRequest['idempotency'][]>('none', 'none', 'none', 'none', 'valid', 'malformed'),
  })
  .map(({ body: b, type: [type, json], chunked, idempotency }) => ({
    body: b.bytes,
    contentType: type,
    jsonType: json,
    chunked,
    idempotency,
    shape: b.shape,
  }));

// ---- sending ---------------------------------------------------------------------------------------

export interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 4 });

/** POSTs raw bytes; rejects when no answer comes within `timeoutMs` (a hung server). */
export function postRaw(base: string, req: FuzzRequest, idempotencyKey?: string, timeoutMs = 15_000): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = {};
    if (req.contentType !== undefined) headers['Content-Type'] = req.contentType;
    if (!req.chunked) headers['Content-Length'] = req.body.length;
    if (idempotencyKey !== undefined) headers['Idempotency-Key'] = idempotencyKey;
    let answered = false;
    const r = request(`${base}/orders`, { method: 'POST', headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        answered = true;
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', reject);
    });
    r.setTimeout(timeoutMs, () => r.destroy(new Error(`no answer within ${timeoutMs} ms: the server hangs`)));
    // The server may answer an oversized body before reading it all and close: the answer is what counts.
    r.on('error', (e) => {
      if (!answered) reject(e);
    });
    if (req.chunked) {
      const third = Math.ceil(req.body.length / 3);
      for (let i = 0; i < req.body.length; i += Math.max(1, third)) r.write(req.body.subarray(i, i + third));
      r.end();
    } else r.end(req.body);
  });
}

// ---- the property ----------------------------------------------------------------------------------

/** Any SQL client: PGlite or node-postgres. */
export interface Queryable {
  query<T>(sql: string, params?: unknown[]): Promise<{ rows: T[] }>;
}

interface StoredRow {
  user_id: string;
  amount: string;
  status: string;
  items: Record<string, number>;
  events: number;
}

const STORED = `
SELECT o.user_id::text AS user_id, o.amount::text AS amount, o.status,
       COALESCE((SELECT jsonb_object_agg(i.product_id, i.quantity) FROM order_items i WHERE i.order_id = o.id), '{}') AS items,
       (SELECT count(*) FROM outbox x WHERE x.key = o.id::text)::int AS events
FROM orders o WHERE o.id = $1`;

export interface FuzzTally {
  cases: number;
  created: number;
  rejected: number;
  /** Order ids answered 200. */
  ids: Set<string>;
  shapes: Map<string, number>;
}

export const newTally = (): FuzzTally => ({ cases: 0, created: 0, rejected: 0, ids: new Set(), shapes: new Map() });

/**
 * Sends one fuzzed request and checks the answer: never a 5xx or a hang; 200 exactly when the oracle
 * says the order is valid, with that order stored once (one row, its items, one order.created) and a
 * replay of its Idempotency-Key answering the same order; otherwise 400 in the API's error form,
 * every error naming a field that is really wrong.
 */
export async function checkOne(base: string, db: Queryable, req: FuzzRequest, tally: FuzzTally): Promise<void> {
  const verdict = judge(req);
  const key = req.idempotency === 'valid' ? `fuzz-${randomUUID()}` : req.idempotency === 'malformed' ? 'not a valid key' : undefined;
  const answer = await postRaw(base, req, key);
  const what = `${req.shape} body of ${req.body.length} bytes, Content-Type ${req.contentType ?? '(none)'}: HTTP ${answer.status} ${answer.text.slice(0, 300)}`;
  expect(answer.status, what).toBeLessThan(500);
  expect(answer.headers['content-type'], what).toBe('application/json');
  const json = JSON.parse(answer.text) as Record<string, unknown>;
  tally.cases++;
  tally.shapes.set(req.shape, (tally.shapes.get(req.shape) ?? 0) + 1);

  if (!verdict.ok) {
    expect(answer.status, what).toBe(400);
    const { field, message, errors } = json as { field: string; message: string; errors: { field: string }[] };
    expect(json.error, what).toBe('Bad Request');
    expect([...verdict.fields], `${what}: names a wrong field`).toContain(field);
    expect(message.startsWith(`${field}: `), what).toBe(true);
    for (const e of errors) expect([...verdict.fields], `${what}: every error names a wrong field`).toContain(e.field);
    tally.rejected++;
    return;
  }

  expect(answer.status, what).toBe(200);
  const order = json as { id: string; userId: string; amount: number; items: Record<string, number>; status: string };
  expect({ userId: order.userId, amount: order.amount, items: order.items, status: order.status }, what).toEqual({ ...verdict.order, status: 'CREATED' });
  expect(tally.ids.has(order.id), `${what}: a new order id`).toBe(false);
  tally.ids.add(order.id);
  tally.created++;
  if (key !== undefined) {
    const again = await postRaw(base, req, key);
    expect(again.status, `replay of ${what}`).toBe(200);
    expect(again.headers['idempotent-replayed'], `replay of ${what}`).toBe('true');
    expect((JSON.parse(again.text) as { id: string }).id, `replay of ${what}`).toBe(order.id);
  }
  const { rows } = await db.query<StoredRow>(STORED, [order.id]);
  expect(rows, `${what}: stored once`).toHaveLength(1);
  const row = rows[0]!;
  expect({ userId: row.user_id, amount: Number(row.amount), items: row.items, events: row.events }, `${what}: as stored`).toEqual({
    userId: verdict.order.userId,
    amount: verdict.order.amount,
    items: verdict.order.items,
    events: 1,
  });
}

/** One line for the test's output: how many cases of which shapes, and the outcome counts. */
export function describeTally(tally: FuzzTally, ms: number): string {
  const shapes = [...tally.shapes].map(([s, n]) => `${s} ${n}`).join(', ');
  return `${tally.cases} requests in ${(ms / 1000).toFixed(1)} s: ${tally.created} orders created (each stored once), ${tally.rejected} answered 400 naming a wrong field; shapes: ${shapes}`;
}
