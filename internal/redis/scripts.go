package redis

// Lua scripts of the message cache. Each runs atomically in Redis, so
// writers on several instances cannot interleave inside one, and each read
// proves its answer exact in the same step that reads it.
//
// Per room: KEYS[1] is a ZSET of message JSON scored by seq (one member per
// seq: a write of a seq already present replaces it only if it carries a
// higher change number, so the newest form of an edited message wins
// whatever order concurrent writers land in), KEYS[2] ("lo") is the
// lowest seq from which the ZSET provably holds every message up to its
// newest. A trim to N drops the lowest members and raises lo past them.

// put writes one message (seq, change, json) unless a newer form is there.
const putLua = `
local function put(key, seq, change, json)
  local old = redis.call('ZRANGEBYSCORE', key, seq, seq)
  if #old > 0 then
    if (cjson.decode(old[1]).change or 0) >= change then
      return
    end
    redis.call('ZREM', key, old[1])
  end
  redis.call('ZADD', key, seq, json)
end
`

// addMessageLua: ARGV seq, json, n, ttl(ms), change.
const addMessageLua = putLua + `
local seq = tonumber(ARGV[1])
put(KEYS[1], seq, tonumber(ARGV[5]), ARGV[2])
local lo = redis.call('GET', KEYS[2])
local n = tonumber(ARGV[3])
local size = redis.call('ZCARD', KEYS[1])
if size > n then
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, size - n - 1)
  if lo then
    local low = tonumber(redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2])
    if low > tonumber(lo) then
      redis.call('SET', KEYS[2], string.format('%d', low), 'KEEPTTL')
    end
  end
end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
if lo then
  redis.call('PEXPIRE', KEYS[2], ARGV[4])
end
return 1
`

// fillMessagesLua: ARGV n, ttl(ms), fillLo, fillMax, then seq, change, json
// triples.
// A fill may lower a known lo only when its run reaches up to it: a stale
// fill (read before newer writes trimmed older messages away) must not
// claim the trimmed gap is complete.
const fillMessagesLua = putLua + `
for i = 5, #ARGV, 3 do
  put(KEYS[1], tonumber(ARGV[i]), tonumber(ARGV[i + 1]), ARGV[i + 2])
end
local flo, fmax = tonumber(ARGV[3]), tonumber(ARGV[4])
local newlo = flo
local lo = redis.call('GET', KEYS[2])
if lo then
  lo = tonumber(lo)
  if not (flo < lo and fmax >= lo - 1) then
    newlo = lo
  end
end
local n = tonumber(ARGV[1])
local size = redis.call('ZCARD', KEYS[1])
if size > n then
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, size - n - 1)
  local low = tonumber(redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2])
  if low > newlo then
    newlo = low
  end
end
redis.call('SET', KEYS[2], string.format('%d', newlo), 'PX', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`

// readMessagesLua: ARGV "latest", limit | "after", seq. Returns {0} when
// the answer cannot be proved exact, else {1, members}: newest first for
// "latest", oldest first for "after".
const readMessagesLua = `
local lo = redis.call('GET', KEYS[2])
if not lo then
  return {0}
end
lo = tonumber(lo)
local cnt = redis.call('ZCOUNT', KEYS[1], lo, '+inf')
if cnt > 0 then
  local top = tonumber(redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')[2])
  if top - lo + 1 ~= cnt then
    return {0}
  end
end
local arg = tonumber(ARGV[2])
if ARGV[1] == 'latest' then
  if cnt < arg and lo ~= 1 then
    return {0}
  end
  return {1, redis.call('ZREVRANGEBYSCORE', KEYS[1], '+inf', lo, 'LIMIT', 0, arg)}
end
if arg < lo - 1 then
  return {0}
end
return {1, redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[2], '+inf')}
`

// readRoomsLua returns {0} unless the room list is marked complete, else
// {1, room JSON values}.
const readRoomsLua = `
if redis.call('EXISTS', KEYS[2]) == 0 then
  return {0}
end
return {1, redis.call('HVALS', KEYS[1])}
`
