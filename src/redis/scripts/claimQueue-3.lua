--[[
  Fetch a topic's stored queue messages for one consumer, holding each one.

  KEYS[1] the topic's message index  (mqtt:msg:${topic})
  KEYS[2] the topic's claims         (mqtt:idx:claims:${topic})
  KEYS[3] the consumer's holdings    (mqtt:idx:holding:${clientid})
  ARGV    clientid, topic, now (ms), message key prefix, limit

  Returns the ids now held by this consumer, in publish order: unheld ones it
  just claimed, and ones it held already. Expired or deleted messages are
  dropped from the index on the way.

  Atomic because claiming is the point: two consumers fetching the same
  backlog at once must never both get one message.
]]
local ids = redis.call('ZRANGE', KEYS[1], 0, -1)
local out = {}
local limit = tonumber(ARGV[5])
local now = tonumber(ARGV[3])
for _, id in ipairs(ids) do
  local holder = redis.call('HGET', KEYS[2], id)
  if (not holder) or holder == ARGV[1] then
    local exp = redis.call('HGET', ARGV[4] .. id, 'expire_at')
    if not exp then
      redis.call('ZREM', KEYS[1], id)
      redis.call('HDEL', KEYS[2], id)
    elseif tonumber(exp) > now then
      if not holder then
        redis.call('HSET', KEYS[2], id, ARGV[1])
        redis.call('SADD', KEYS[3], ARGV[2] .. '\0' .. id)
      end
      out[#out + 1] = id
      if #out >= limit then break end
    end
  end
end
return out
