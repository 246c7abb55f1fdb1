-- Redis Cluster: a batch's write is one script call per slot, and a call whose reply was lost is
-- sent again. Each writer numbers its writes and sends the next only once every call of the last
-- was acknowledged, so the last number applied per writer (a hash in the call's slot) tells a
-- resent call from a new one.
-- ARGV: the writer's id and the write's number. Returns whether the write is new here.
local function first_time(applied)
  local writer, seq = take(), tonumber(take())
  local last = tonumber(redis.call('HGET', applied, writer) or '0')
  if last >= seq then return false end
  redis.call('HSET', applied, writer, seq)
  redis.call('EXPIRE', applied, 86400)  -- a writer resends within its lifetime
  return true
end
