-- Redis Cluster: one card slot's share of a batch, atomically: its payments' markers and their
-- cards' state (a card and its payments' markers share the card's hash tag).
-- Follows feature_state.lua (fraudcore). ARGV: what marks this write in its markers, the markers'
-- TTL, #markers, the markers, then the cards' section (set_cards). KEYS: markers, then cards.
-- Returns 1 when written (or written before by this very write: a resent call), 0 when another
-- consumer wrote some of these payments first: then nothing is written.
local mark = take()
local ttl = take()
local count = tonumber(take())
local markers, values, ours = {}, {}, 0
for i = 1, count do
  markers[i], values[i] = key(), take()
  local stored = redis.call('GET', markers[i])
  if stored then
    if not string.find(stored, mark, 1, true) then return 0 end
    ours = ours + 1
  end
end
if ours > 0 then return 1 end
for i = 1, count do redis.call('SET', markers[i], values[i], 'EX', ttl) end
set_cards(take())
return 1
