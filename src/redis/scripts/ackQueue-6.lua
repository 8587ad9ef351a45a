--[[
  A consumer acknowledged a queue message: it is consumed, nobody fetches it again.

  KEYS[1] message hash                  (mqtt:msg:${msgid})
  KEYS[2] the topic's message index     (mqtt:msg:${topic})
  KEYS[3] the topic's claims            (mqtt:idx:claims:${topic})
  KEYS[4] the consumer's holdings       (mqtt:idx:holding:${clientid})
  KEYS[5] expiry index                  (mqtt:idx:expiry)
  KEYS[6] index of topics with messages (mqtt:idx:msg_topics)
  ARGV    msgid, topic, holding/expiry member (topic \0 msgid)

  Returns 1. Atomic so the topic leaves the topic index exactly when its
  last message goes.
]]
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('SREM', KEYS[4], ARGV[3])
redis.call('ZREM', KEYS[5], ARGV[3])
if redis.call('ZCARD', KEYS[2]) == 0 then redis.call('ZREM', KEYS[6], ARGV[2]) end
return 1
