/**
 * The reservation on a Redis Cluster, where one script cannot touch products in different slots: a
 * try-confirm-cancel over keys that each live with what they guard (ARCHITECTURE.md, "Stock on a Redis
 * Cluster", argues it correct).
 *
 * - A **hold** per (product, order), in the product's slot beside its stock hash: fields `state`
 *   (HELD | SHORT | CANCELLED | SOLD | RELEASED) and `n` (units held, or the units available when SHORT).
 * - The **order record**, in the order's slot: fields `state` (RESERVED | REJECTED | SOLD | RELEASED) and
 *   `detail` (items or shortages JSON). Its first write is the order's one decision.
 *
 * Every script is idempotent: run twice, it changes nothing the second time and answers the same.
 * Each ledger-TTL argument is in ms (0: none); a HELD hold and a RESERVED record never expire.
 */

/**
 * TRY. KEYS: stock hash, hold.  ARGV: units, default stock (-1: none), ledger TTL.
 * Takes the units and records a HELD hold, or records SHORT; a hold already there (an earlier try, or a
 * cancel's tombstone) is answered as it stands, so a late or repeated try takes nothing.
 */
export const TRY_HOLD = `
local hold = redis.call('HMGET', KEYS[2], 'state', 'n')
if hold[1] then return {hold[1], hold[2] or '0', 'repeat'} end
local available = redis.call('HGET', KEYS[1], 'available')
local default = tonumber(ARGV[2])
if not available and default >= 0 then
  redis.call('HSET', KEYS[1], 'available', default, 'reserved', 0, 'sold', 0, 'added', default)
  available = default
end
available = tonumber(available or 0)
local qty = tonumber(ARGV[1])
if available < qty then
  local have = math.max(available, 0)
  redis.call('HSET', KEYS[2], 'state', 'SHORT', 'n', have)
  if tonumber(ARGV[3]) > 0 then redis.call('PEXPIRE', KEYS[2], ARGV[3]) end
  return {'SHORT', tostring(have)}
end
redis.call('HINCRBY', KEYS[1], 'available', -qty)
redis.call('HINCRBY', KEYS[1], 'reserved', qty)
redis.call('HSET', KEYS[2], 'state', 'HELD', 'n', qty)
return {'HELD', tostring(qty)}
`;

/**
 * DECIDE. KEYS: order record.  ARGV: RESERVED | REJECTED, detail JSON, ledger TTL.
 * The first decision stands; a later call gets it back, marked 'repeat'. A rejection is final, so it expires.
 */
export const DECIDE = `
local state = redis.call('HGET', KEYS[1], 'state')
if state then return {state, redis.call('HGET', KEYS[1], 'detail') or '', 'repeat'} end
redis.call('HSET', KEYS[1], 'state', ARGV[1], 'detail', ARGV[2])
if ARGV[1] == 'REJECTED' and tonumber(ARGV[3]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return {ARGV[1], ARGV[2]}
`;

/**
 * CANCEL. KEYS: stock hash, hold.  ARGV: ledger TTL.
 * For a rejected order: gives a HELD hold's units back, and leaves a CANCELLED hold (a tombstone when
 * there was none) so that a try arriving late takes nothing. Settled holds are left alone.
 */
export const CANCEL_HOLD = `
local hold = redis.call('HMGET', KEYS[2], 'state', 'n')
local state = hold[1]
if state == 'CANCELLED' or state == 'SOLD' or state == 'RELEASED' then return state end
if state == 'HELD' then
  local qty = tonumber(hold[2])
  redis.call('HINCRBY', KEYS[1], 'reserved', -qty)
  redis.call('HINCRBY', KEYS[1], 'available', qty)
end
redis.call('HSET', KEYS[2], 'state', 'CANCELLED')
if tonumber(ARGV[1]) > 0 then redis.call('PEXPIRE', KEYS[2], ARGV[1]) end
return state or 'NONE'
`;

/**
 * SETTLE_ORDER. KEYS: order record.  ARGV: RELEASED | SOLD, ledger TTL.
 * RESERVED → the target ('DONE'); anything else is answered as it stands. Either way the detail comes back,
 * so that the holds can be settled (again, after a crash between the two steps).
 */
export const SETTLE_ORDER = `
local state = redis.call('HGET', KEYS[1], 'state')
local detail = redis.call('HGET', KEYS[1], 'detail') or ''
if state ~= 'RESERVED' then return {state or 'NONE', detail} end
redis.call('HSET', KEYS[1], 'state', ARGV[1])
if tonumber(ARGV[2]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return {'DONE', detail}
`;

/**
 * SETTLE_HOLD. KEYS: stock hash, hold.  ARGV: RELEASED | SOLD, ledger TTL.
 * A HELD hold's units go to available (RELEASED) or sold (SOLD); any other hold is left as it is.
 */
export const SETTLE_HOLD = `
local hold = redis.call('HMGET', KEYS[2], 'state', 'n')
if hold[1] ~= 'HELD' then return hold[1] or 'NONE' end
local qty = tonumber(hold[2])
redis.call('HINCRBY', KEYS[1], 'reserved', -qty)
redis.call('HINCRBY', KEYS[1], ARGV[1] == 'RELEASED' and 'available' or 'sold', qty)
redis.call('HSET', KEYS[2], 'state', ARGV[1])
if tonumber(ARGV[2]) > 0 then redis.call('PEXPIRE', KEYS[2], ARGV[2]) end
return 'DONE'
`;

/** SEED_ONE. KEYS: stock hash.  ARGV: available. Sets available and keeps added in step. */
export const SEED_ONE = `
local want = tonumber(ARGV[1])
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], 'available', 0, 'reserved', 0, 'sold', 0, 'added', 0)
end
local have = tonumber(redis.call('HGET', KEYS[1], 'available'))
redis.call('HINCRBY', KEYS[1], 'available', want - have)
redis.call('HINCRBY', KEYS[1], 'added', want - have)
return 1
`;
