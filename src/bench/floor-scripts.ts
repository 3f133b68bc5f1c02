/**
 * The inventory service's RESERVE and SETTLE scripts (src/services/inventory/redis-scripts.ts, where
 * they are explained), copied for the floor: outside src/wiring nothing may import the services'
 * redis-*.ts files (test/unit/architecture). test/unit/bench/floor-scripts.test.ts fails when the two differ.
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
