-- Labels applied, atomically: their merchants' label history, a marker per label (so that a
-- redelivered label is never applied twice) and the statistics; returns the requested totals.
-- Follows feature_state.lua (fraudcore) and stats.lua, sections in LabelStore.write's order.
local stats = key()
write_feature_state()
local marker_ttl = take()
for _ = 1, tonumber(take()) do redis.call('SET', key(), '1', 'EX', marker_ttl) end
add_stats(stats)
local fields = {}
for i = 1, tonumber(take()) do fields[i] = take() end
return redis.call('HMGET', stats, unpack(fields))
