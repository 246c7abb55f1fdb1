-- Everything one batch needs, in one round trip: its cards' and merchants' feature state, then
-- the markers of transactions already processed. Follows feature_state.lua (fraudcore).
-- ARGV/KEYS: the feature-state read section, then #transactions and their marker keys.
local cards, merchants = read_feature_state()
local markers = {}
for i = 1, tonumber(take()) do markers[i] = redis.call('GET', key()) end
return {cards, merchants, markers}
