--[[
  A client acknowledged a pubsub message: move its cursor for the topic forward.

  KEYS[1] the topic's message index  (mqtt:msg:${topic})
  KEYS[2] the client's cursors       (mqtt:idx:cursor:${clientid})
  KEYS[3] EMQX's acked key           (mqtt:acked:${clientid}:${topic})
  ARGV    topic, msgid

  Returns 1 if the cursor moved, 0 if the message is unknown or not newer.

  Atomic because "forward only" is a compare-and-set: an ack for an older
  message arriving after a newer one must not move the cursor back.
]]
local seq = redis.call('ZSCORE', KEYS[1], ARGV[2])
if not seq then return 0 end
local cur = redis.call('HGET', KEYS[2], ARGV[1])
if cur and tonumber(cur) >= tonumber(seq) then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], seq)
redis.call('SET', KEYS[3], ARGV[2])
return 1
