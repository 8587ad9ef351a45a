--[[
  A client acknowledged a keep-latest message.

  KEYS[1] the topic's latest pointer (mqtt:latest_msg:${topic})
  KEYS[2] EMQX's acked key           (mqtt:acked:${clientid}:${topic})
  ARGV    msgid

  Returns 1 if recorded, 0 if the message is no longer the latest.

  Atomic because it compares before it writes: an ack for an older message
  arriving after the ack of the newest must not make the newest look unacked.
]]
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[1])
return 1
