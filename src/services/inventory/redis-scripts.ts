/**
 * Lua scripts run atomically inside Redis, so no interleaving of two orders can oversell a product.
 * Stock hash fields: available, reserved, sold, added (available + reserved + sold = added).
 * Reservation hash fields: state (RESERVED | REJECTED | RELEASED | SOLD), detail (items or shortages JSON).
 */

/**
 * KEYS: reservation, products set, stock hashes…  ARGV: defaultStock (-1: none), items JSON, ledger TTL in ms
 * (0: none), then productId, qty pairs. A rejection is final, so its record gets the TTL at once; a
 * reservation gets none while RESERVED (SETTLE gives it one), so stock held for an order in flight is never forgotten.
 */
export const RESERVE = `
local state = redis.call('HGET', KEYS[1], 'state')
if state then return {state, redis.call('HGET', KEYS[1], 'detail') or '', 'repeat'} end
local default = tonumber(ARGV[1])
local ttl = tonumber(ARGV[3])
local shortages = {}
for i = 3, #KEYS do
  local pid = ARGV[2 * (i - 2) + 2]
  local qty = tonumber(ARGV[2 * (i - 2) + 3])
  local available = redis.call('HGET', KEYS[i], 'available')
  if not available and default >= 0 then
    redis.call('HSET', KEYS[i], 'available', default, 'reserved', 0, 'sold', 0, 'added', default)
    redis.call('SADD', KEYS[2], pid)
    available = default
  end
  available = tonumber(available or 0)
  if available < qty then
    table.insert(shortages, {productId = pid, requested = qty, available = math.max(available, 0)})
  end
end
if #shortages > 0 then
  local detail = cjson.encode(shortages)
  redis.call('HSET', KEYS[1], 'state', 'REJECTED', 'detail', detail)
  if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
  return {'REJECTED', detail}
end
for i = 3, #KEYS do
  local qty = tonumber(ARGV[2 * (i - 2) + 3])
  redis.call('HINCRBY', KEYS[i], 'available', -qty)
  redis.call('HINCRBY', KEYS[i], 'reserved', qty)
end
redis.call('HSET', KEYS[1], 'state', 'RESERVED', 'detail', ARGV[2])
return {'RESERVED', ARGV[2]}
`;

/**
 * Moves a RESERVED reservation to ARGV[2] (RELEASED: stock back to available; SOLD: stock to sold),
 * and from then on lets it expire after the ledger TTL.
 * KEYS: reservation, stock hashes…  ARGV: the reservation's items JSON as read, target state, ledger
 * TTL in ms (0: none), then quantities. The caller read the items first; the script checks they are still what it read.
 */
export const SETTLE = `
local state = redis.call('HGET', KEYS[1], 'state')
if state ~= 'RESERVED' then return {state or 'NONE', redis.call('HGET', KEYS[1], 'detail') or ''} end
if redis.call('HGET', KEYS[1], 'detail') ~= ARGV[1] then return {'CHANGED', ''} end
local field = ARGV[2] == 'RELEASED' and 'available' or 'sold'
for i = 2, #KEYS do
  local qty = tonumber(ARGV[i + 2])
  redis.call('HINCRBY', KEYS[i], 'reserved', -qty)
  redis.call('HINCRBY', KEYS[i], field, qty)
end
redis.call('HSET', KEYS[1], 'state', ARGV[2])
local ttl = tonumber(ARGV[3])
if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
return {'DONE', ARGV[1]}
`;

/** KEYS: products set, stock hashes…  ARGV: productId, available pairs. Sets available and keeps added in step. */
export const SEED = `
for i = 2, #KEYS do
  local pid = ARGV[2 * (i - 1) - 1]
  local want = tonumber(ARGV[2 * (i - 1)])
  local have = tonumber(redis.call('HGET', KEYS[i], 'available') or '0')
  if redis.call('EXISTS', KEYS[i]) == 0 then
    redis.call('HSET', KEYS[i], 'available', 0, 'reserved', 0, 'sold', 0, 'added', 0)
  end
  redis.call('HINCRBY', KEYS[i], 'available', want - have)
  redis.call('HINCRBY', KEYS[i], 'added', want - have)
  redis.call('SADD', KEYS[1], pid)
end
return #KEYS - 1
`;
