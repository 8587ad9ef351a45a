--[[
  Store a persistent session's subscription (Aedes addSubscriptions), and keep
  the indexes that answer subscriptionsByTopic and countOffline from Redis.

  KEYS[1] the session's subscriptions          (mqtt:session:sub:${clientid})
  KEYS[2] the filter's QoS 1/2 subscribers     (mqtt:idx:session_sub:${filter})
  KEYS[3] wildcard filters with subscribers    (mqtt:idx:session_wild)
  KEYS[4] every QoS 1/2 subscription           (mqtt:idx:session_subs)
  KEYS[5] sessions with any subscription       (mqtt:idx:session_clients)
  ARGV    clientid, filter, qos, the subscription (JSON), '1' if the filter has a wildcard,
          `clientid\0filter`

  Returns 1.

  Atomic because a QoS 0 subscription replacing a QoS 1 one must drop the
  wildcard filter from KEYS[3] exactly when its last subscriber left.
  Idempotent: applying it twice leaves what applying it once left.
]]
redis.call('HSET', KEYS[1], ARGV[2], ARGV[4])
redis.call('SADD', KEYS[5], ARGV[1])
if tonumber(ARGV[3]) > 0 then
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[4])
  redis.call('ZADD', KEYS[4], 0, ARGV[6])
  if ARGV[5] == '1' then redis.call('ZADD', KEYS[3], 0, ARGV[2]) end
else
  redis.call('HDEL', KEYS[2], ARGV[1])
  redis.call('ZREM', KEYS[4], ARGV[6])
  if ARGV[5] == '1' and redis.call('EXISTS', KEYS[2]) == 0 then redis.call('ZREM', KEYS[3], ARGV[2]) end
end
return 1
