--[[
del-2.lua: remove one MQTT packet and its place in the order, handing back
the packet.

KEYS[1]  hash  <ns>:<side>:packets   message id -> encoded packet
KEYS[2]  zset  <ns>:<side>:order     message id, scored by first-put sequence
ARGV[1]  message id (decimal)

Returns the encoded packet that was removed, or nil when the id held none
(MQTT.js' Store answers "missing packet" then, and so does the caller).

Why one script: the packet and its place go together (a createStream
reading meanwhile must not find a place without a packet, nor a crash leave
one), and the caller needs the packet it removed, read in the same step.
One EVALSHA is also a single cheap call where MULTI/HGET/HDEL/ZREM/EXEC
costs ioredis and Redis five.
]]
local packet = redis.call('HGET', KEYS[1], ARGV[1])
if not packet then
  return nil
end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return packet
