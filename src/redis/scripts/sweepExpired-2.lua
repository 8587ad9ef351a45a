--[[
  Remove the index entries of expired messages, so Redis does not grow
  without bound (message hashes expire by themselves with PEXPIREAT).

  KEYS[1] expiry index                  (mqtt:idx:expiry)
  KEYS[2] index of topics with messages (mqtt:idx:msg_topics)
  ARGV    now (ms), limit, key prefix (mqtt:)

  Returns how many entries were swept. Atomic so a topic leaves the topic
  index exactly when its last message does.
]]
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, m in ipairs(due) do
  local sep = string.find(m, '\0', 1, true)
  if sep then
    local topic = string.sub(m, 1, sep - 1)
    local id = string.sub(m, sep + 1)
    local idx = ARGV[3] .. 'msg:' .. topic
    redis.call('ZREM', idx, id)
    redis.call('HDEL', ARGV[3] .. 'idx:claims:' .. topic, id)
    redis.call('DEL', ARGV[3] .. 'msg:' .. id)
    if redis.call('ZCARD', idx) == 0 and redis.call('EXISTS', ARGV[3] .. 'latest_msg:' .. topic) == 0 then
      redis.call('ZREM', KEYS[2], topic)
    end
  end
  redis.call('ZREM', KEYS[1], m)
end
return #due
