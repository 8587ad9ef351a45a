--[[
  Keep only the newest message of a keep-latest topic.

  KEYS[1] message hash of the new message (mqtt:msg:${msgid})
  KEYS[2] the topic's latest pointer      (mqtt:latest_msg:${topic})
  KEYS[3] index of topics with messages   (mqtt:idx:msg_topics)
  KEYS[4] expiry index                    (mqtt:idx:expiry)
  KEYS[5] publish sequence counter        (mqtt:idx:seq)
  ARGV    msgid, from, qos, topic, retain, payload, ts (s), expire_at (ms), expiry member, message key prefix

  Returns 1 when the message became the latest, 0 when it already was.

  Atomic so that the old message is deleted exactly when the pointer moves.
]]
local old = redis.call('GET', KEYS[2])
if old == ARGV[1] then return 0 end
if old then redis.call('DEL', ARGV[10] .. old) end
redis.call('INCR', KEYS[5])
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'from', ARGV[2], 'qos', ARGV[3], 'topic', ARGV[4],
  'retain', ARGV[5], 'payload', ARGV[6], 'ts', ARGV[7], 'expire_at', ARGV[8])
redis.call('PEXPIREAT', KEYS[1], ARGV[8])
redis.call('SET', KEYS[2], ARGV[1], 'PXAT', ARGV[8])
redis.call('ZADD', KEYS[3], 0, ARGV[4])
redis.call('ZADD', KEYS[4], ARGV[8], ARGV[9])
return 1
