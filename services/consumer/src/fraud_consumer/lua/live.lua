-- The running figures one batch adds, in the slot of the {live} keys: map points, alerts,
-- statistics and the model version. Follows feature_state.lua (fraudcore) and stats.lua.
-- ARGV: recent max, alert max, the entries' field; #points, points; #alerts, alerts; the
-- statistics' (field, increment) pairs; the model hash's version field and value.
local function write_live(recent, alerts, stats, model)
  local recent_max, alert_max, field = take(), take(), take()
  for _ = 1, tonumber(take()) do
    redis.call('XADD', recent, 'MAXLEN', '~', recent_max, '*', field, take())
  end
  for _ = 1, tonumber(take()) do
    redis.call('XADD', alerts, 'MAXLEN', '~', alert_max, '*', field, take())
  end
  add_stats(stats)
  local version_field = take()
  redis.call('HSET', model, version_field, take())
end
