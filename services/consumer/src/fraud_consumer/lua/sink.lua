-- One batch's results, atomically (a script runs alone): card states, merchant counter
-- increments and expiries, per-transaction markers, the batch's full records (for re-emission
-- after a crash), map points, alerts, running statistics and the model version.
-- KEYS[1] recent stream, KEYS[2] alert stream, KEYS[3] stats hash, KEYS[4] model hash,
-- KEYS[5] batch key, then per section the keys that ARGV refers to by position.
-- ARGV: state ttl, record ttl, batch ttl, recent maxlen, alert maxlen, model version,
--       batch json, then sections, each "count" followed by its items (see sink.py).
local state_ttl, record_ttl, batch_ttl = ARGV[1], ARGV[2], ARGV[3]
local recent_max, alert_max = ARGV[4], ARGV[5]
local a, k = 8, 6  -- next ARGV and KEYS positions

local function take() a = a + 1; return ARGV[a - 1] end
local function key() k = k + 1; return KEYS[k - 1] end

redis.call('SET', KEYS[5], ARGV[7], 'EX', batch_ttl)
for _ = 1, tonumber(take()) do  -- card states
  redis.call('SET', key(), take(), 'EX', state_ttl)
end
for _ = 1, tonumber(take()) do  -- merchants: n increments (field, amount), m expired fields
  local merchant = key()
  for _ = 1, tonumber(take()) do
    local field = take()
    redis.call('HINCRBY', merchant, field, take())
  end
  local expired = tonumber(take())
  if expired > 0 then
    local fields = {}
    for i = 1, expired do fields[i] = take() end
    redis.call('HDEL', merchant, unpack(fields))
  end
  redis.call('EXPIRE', merchant, state_ttl)
end
for _ = 1, tonumber(take()) do  -- markers
  redis.call('SET', key(), take(), 'EX', record_ttl)
end
for _ = 1, tonumber(take()) do  -- map points
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', recent_max, '*', 'd', take())
end
for _ = 1, tonumber(take()) do  -- alerts
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', alert_max, '*', 'd', take())
end
for _ = 1, tonumber(take()) do  -- statistics: field, increment (integer or float)
  local field = take()
  redis.call('HINCRBYFLOAT', KEYS[3], field, take())
end
redis.call('HSET', KEYS[4], 'version', ARGV[6])
return 1
