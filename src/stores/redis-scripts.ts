/**
 * Lua scripts for the operations that must be atomic on the server.
 * Each touches one key, so they also run unchanged on Redis Cluster.
 */

/** INCRBY, and give the counter a TTL only if it has none (works on Redis 6 and 7). */
export const INCR_WITH_TTL = `
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if tonumber(ARGV[2]) > 0 and redis.call('PTTL', KEYS[1]) == -1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return value`

/** SADD members (ARGV[2..]), and extend the set's TTL to ARGV[1] ms if that is longer. */
export const ADD_TO_SET = `
redis.call('SADD', KEYS[1], unpack(ARGV, 2))
local ttl = redis.call('PTTL', KEYS[1])
if ttl >= 0 and ttl < tonumber(ARGV[1]) or ttl == -1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return 1`

/** DEL the lock only if this caller's token still holds it (a lock that expired and was taken since stays). */
export const RELEASE_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`

/** SMEMBERS then DEL, as one step, so a member added meanwhile is never lost. */
export const TAKE_SET = `
local members = redis.call('SMEMBERS', KEYS[1])
redis.call('DEL', KEYS[1])
return members`

/**
 * SET (ARGV: value, then options such as PX), unless the key holds another type: with the
 * json codec the keys are shared with other programs, and a miss must not replace their hash.
 */
export const SET_IF_STRING = `
local kind = redis.call('TYPE', KEYS[1])['ok']
if kind ~= 'string' and kind ~= 'none' then
  return redis.error_reply('WRONGTYPE the key holds a ' .. kind .. ' another program wrote; mcp-cache leaves it as it is')
end
return redis.call('SET', KEYS[1], unpack(ARGV))`
