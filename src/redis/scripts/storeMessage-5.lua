--[[
  Store one QoS 1/2 message for clients that are away (queue and pubsub modes).

  KEYS[1] publish sequence counter        (mqtt:idx:seq)
  KEYS[2] message hash                    (mqtt:msg:${msgid})
  KEYS[3] the topic's message index       (mqtt:msg:${topic})
  KEYS[4] index of topics with messages   (mqtt:idx:msg_topics)
  KEYS[5] expiry index                    (mqtt:idx:expiry)
  ARGV    msgid, from, qos, topic, retain, payload, ts (s), expire_at (ms), expiry member

  Returns the message's sequence (0 if it was stored before).

  Atomic because the sequence must be allocated and used in one step: two
  nodes publishing to one topic must never interleave INCR and ZADD, or the
  topic's order would not be its publish order. Idempotent: a message already
  in the topic index is not stored again (an event delivered twice).
]]
if redis.call('ZSCORE', KEYS[3], ARGV[1]) then return 0 end
local seq = redis.call('INCR', KEYS[1])
redis.call('HSET', KEYS[2], 'id', ARGV[1], 'from', ARGV[2], 'qos', ARGV[3], 'topic', ARGV[4],
  'retain', ARGV[5], 'payload', ARGV[6], 'ts', ARGV[7], 'expire_at', ARGV[8])
redis.call('PEXPIREAT', KEYS[2], ARGV[8])
redis.call('ZADD', KEYS[3], seq, ARGV[1])
redis.call('ZADD', KEYS[4], 0, ARGV[4])
redis.call('ZADD', KEYS[5], ARGV[8], ARGV[9])
return seq
