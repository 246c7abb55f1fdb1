-- ARGV: #fields, then (field, increment) pairs, added to the statistics hash (counts and amounts).
local function add_stats(stats)
  for _ = 1, tonumber(take()) do
    local field = take()
    redis.call('HINCRBYFLOAT', stats, field, take())
  end
end
