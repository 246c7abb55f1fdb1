-- Labels applied once each: a label whose marker is new adds to its merchant's label history
-- (and, given the statistics hash, to the statistics); a redelivered label's marker is there
-- and it adds nothing. A label's marker shares its merchant's hash tag, so on a Redis Cluster
-- this runs per merchant slot. Follows feature_state.lua (fraudcore) and stats.lua.
-- ARGV: marker TTL, state TTL, #labels, then per label its merchant's (field, count) pairs and
-- its statistics' pairs. KEYS: per label its marker, then its merchant. Returns 1/0 per label.
local function skip_pairs()
  for _ = 1, tonumber(take()) do take(); take() end
end

local function apply_labels(stats)
  local marker_ttl, state_ttl = take(), take()
  local applied = {}
  for i = 1, tonumber(take()) do
    local marker, merchant = key(), key()
    local new = redis.call('SET', marker, '1', 'NX', 'EX', marker_ttl)
    applied[i] = new and 1 or 0
    if new then
      merchant_fields(merchant, 'HINCRBY')
      redis.call('EXPIRE', merchant, state_ttl)
    else
      skip_pairs()
    end
    if new and stats then add_stats(stats) else skip_pairs() end
  end
  return applied
end
