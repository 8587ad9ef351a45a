--[[
  Remove a subscription from a persistent session, if it holds it, and from
  the indexes; a session left with no subscription leaves the session index.

  KEYS[1] the session's subscriptions          (mqtt:session:sub:${clientid})
  KEYS[2] the filter's QoS 1/2 subscribers     (mqtt:idx:session_sub:${filter})
  KEYS[3] wildcard filters with subscribers    (mqtt:idx:session_wild)
  KEYS[4] every QoS 1/2 subscription           (mqtt:idx:session_subs)
  KEYS[5] sessions with any subscription       (mqtt:idx:session_clients)
  ARGV    clientid, filter, '1' if the filter has a wildcard, `clientid\0filter`

  Returns 1 when the session held the subscription, 0 otherwise (a client
  without a persistent session unsubscribing: nothing to do).

  Atomic because the index entries go exactly when their last member does.
]]
if redis.call('HDEL', KEYS[1], ARGV[2]) == 0 then return 0 end
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[4])
if ARGV[3] == '1' and redis.call('EXISTS', KEYS[2]) == 0 then redis.call('ZREM', KEYS[3], ARGV[2]) end
if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('SREM', KEYS[5], ARGV[1]) end
return 1
