-- One batch's results, atomically (a script runs alone): the batch's full records (for
-- re-emission after a crash), feature state, per-transaction markers, map points, alerts,
-- running statistics and the model version, in the order RedisSink.write adds their sections.
-- Follows feature_state.lua (fraudcore), stats.lua and live.lua.
local recent = key()
local alerts = key()
local stats = key()
local model = key()
local record_ttl = take()
local batch_ttl = take()
-- Another consumer (a zombie waking, or the partitions' new owner) may have written some of
-- these payments since they were loaded: then nothing is written and the batch is redone.
for _ = 1, tonumber(take()) do
  if redis.call('EXISTS', key()) == 1 then return 0 end
end
redis.call('SET', key(), take(), 'EX', batch_ttl)  -- the batch's records
write_feature_state()
for _ = 1, tonumber(take()) do  -- markers
  redis.call('SET', key(), take(), 'EX', record_ttl)
end
write_live(recent, alerts, stats, model)
return 1
