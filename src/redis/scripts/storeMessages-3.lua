--[[
  Store several QoS 1/2 messages for clients that are away (queue and pubsub
  modes): what storeMessage does, for each message in turn, in one call.

  KEYS[1] publish sequence counter        (mqtt:idx:seq)
  KEYS[2] index of topics with messages   (mqtt:idx:msg_topics)
  KEYS[3] expiry index                    (mqtt:idx:expiry)
  ARGV    per message, 11 values: message hash key (mqtt:msg:${msgid}),
          the topic's message index key (mqtt:msg:${topic}), msgid, from,
          qos, topic, retain, payload, ts (s), expire_at (ms), expiry member

  The two per-message keys come in ARGV (their number varies); they share
  the engine's prefix, and so, on a cluster, the slot of KEYS[1].

  Returns how many messages were stored (a message already in its topic
  index is skipped, as storeMessage skips it). A message whose writes Redis
  refuses (a key of the wrong type) stops where storeMessage would stop, and
  the next message is stored all the same; the reply is then an error
  naming how many failed and the first error.

  Why: one script call per batch of publishes instead of one per publish. A
  call costs Redis more than the writes it makes; the planner
  (src/redis/command-plan.ts) turns adjacent storeMessage calls into one of
  these.
]]
local function store(i)
  local msgKey, topicKey, id = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  if redis.call('ZSCORE', topicKey, id) then return 0 end
  local seq = redis.call('INCR', KEYS[1])
  redis.call('HSET', msgKey, 'id', id, 'from', ARGV[i + 3], 'qos', ARGV[i + 4], 'topic', ARGV[i + 5],
    'retain', ARGV[i + 6], 'payload', ARGV[i + 7], 'ts', ARGV[i + 8], 'expire_at', ARGV[i + 9])
  redis.call('PEXPIREAT', msgKey, ARGV[i + 9])
  redis.call('ZADD', topicKey, seq, id)
  redis.call('ZADD', KEYS[2], 0, ARGV[i + 5])
  redis.call('ZADD', KEYS[3], ARGV[i + 9], ARGV[i + 10])
  return 1
end

local stored, failed, first = 0, 0, nil
for i = 1, #ARGV, 11 do
  local ok, r = pcall(store, i)
  if ok then
    stored = stored + r
  else
    failed = failed + 1
    first = first or r
  end
end
if failed > 0 then
  local msg = type(first) == 'table' and first.err or tostring(first)
  return redis.error_reply(failed .. ' of ' .. (#ARGV / 11) .. ' messages not stored: ' .. msg)
end
return stored
