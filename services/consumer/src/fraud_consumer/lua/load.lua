-- Everything one batch needs, in one round trip: card states (GET), merchant counters
-- (HGETALL) and the markers of transactions already processed (GET).
-- KEYS: card keys, then merchant keys, then transaction keys; ARGV: #cards, #merchants.
local cards, merchants = tonumber(ARGV[1]), tonumber(ARGV[2])
local out_cards, out_merchants, out_markers = {}, {}, {}
for i = 1, #KEYS do
  if i <= cards then
    out_cards[i] = redis.call('GET', KEYS[i])
  elseif i <= cards + merchants then
    out_merchants[i - cards] = redis.call('HGETALL', KEYS[i])
  else
    out_markers[i - cards - merchants] = redis.call('GET', KEYS[i])
  end
end
return {out_cards, out_merchants, out_markers}
