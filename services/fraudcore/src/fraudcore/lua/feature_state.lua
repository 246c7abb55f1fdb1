-- Feature state in Redis, the one implementation of its layout (fraudcore.feature_store):
-- a card is one string, its encoded CardState, replaced whole by its single writer; a merchant
-- is a hash of bucket counters, incremented (increments commute, so every consumer may write)
-- and pruned of the buckets no feature window reads any more.
-- Every script built on this reads KEYS and ARGV front to back through key() and take(), one
-- section after another, in the order fraudcore.redis_scripts.ScriptArgs wrote them.
local key_at, arg_at = 1, 1
local function key() key_at = key_at + 1; return KEYS[key_at - 1] end
local function take() arg_at = arg_at + 1; return ARGV[arg_at - 1] end

-- ARGV: #cards, #merchants; KEYS: the card keys, then the merchant keys.
-- Returns the card states (false where none) and the merchants' flat HGETALL replies.
local function read_feature_state()
  local cards, merchants = {}, {}
  local card_count = tonumber(take())
  local merchant_count = tonumber(take())
  for i = 1, card_count do cards[i] = redis.call('GET', key()) end
  for i = 1, merchant_count do merchants[i] = redis.call('HGETALL', key()) end
  return cards, merchants
end

-- #cards, then each card's state (ARGV) under its key (KEYS): a card is replaced whole.
local function set_cards(ttl)
  for _ = 1, tonumber(take()) do
    redis.call('SET', key(), take(), 'EX', ttl)
  end
end

-- A count, then that many (field, value) pairs (ARGV), each given to `command` on `merchant`.
local function merchant_fields(merchant, command)
  local count = tonumber(take())
  for _ = 1, count do
    local field = take()
    redis.call(command, merchant, field, take())
  end
  return count
end

-- ARGV: ttl; #cards, then each card's state; #merchants, then per merchant: #increments,
-- (field, amount) pairs, #expired, expired fields. KEYS: the card keys, then the merchant keys.
local function write_feature_state()
  local ttl = take()
  set_cards(ttl)
  for _ = 1, tonumber(take()) do
    local merchant = key()
    merchant_fields(merchant, 'HINCRBY')
    local expired = tonumber(take())
    if expired > 0 then
      local fields = {}
      for i = 1, expired do fields[i] = take() end
      redis.call('HDEL', merchant, unpack(fields))
    end
    redis.call('EXPIRE', merchant, ttl)
  end
end

-- A warm start: whole histories written over whatever is stored, so that repeating it after a
-- crash half-way gives the same state (increments would count twice).
-- ARGV: ttl; #cards, then each card's state; #merchants, then per merchant its (field, count)
-- pairs. KEYS: the card keys, then the merchant keys.
local function replace_feature_state()
  local ttl = take()
  set_cards(ttl)
  for _ = 1, tonumber(take()) do
    local merchant = key()
    redis.call('DEL', merchant)
    if merchant_fields(merchant, 'HSET') > 0 then redis.call('EXPIRE', merchant, ttl) end
  end
end
