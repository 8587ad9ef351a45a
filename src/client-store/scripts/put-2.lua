--[[
put-2.lua: store one MQTT packet under its message id, keeping the id's
place in the order if it already has one.

KEYS[1]  hash  <ns>:<side>:packets   message id -> encoded packet
KEYS[2]  zset  <ns>:<side>:order     message id, scored by first-put sequence
ARGV[1]  message id (decimal)
ARGV[2]  encoded packet (bytes)

Returns the id's score: its place in createStream's order.

Why one script: the packet and its place must appear together, so that a
crash, or a createStream reading at the same moment, never sees a packet
without a place or a place without a packet; and the new place (the last
score plus one) must be read and written in one step. A PUBREL put under the
id of its PUBLISH finds the id already scored and keeps that place (ZADD NX
semantics), as MQTT.js' in-memory Store keeps a Map entry's position.
Scores restart at 1 once the set is empty; only their relative order matters.
]]
local place = redis.call('ZSCORE', KEYS[2], ARGV[1])
if not place then
  local last = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
  place = (tonumber(last[2]) or 0) + 1
  redis.call('ZADD', KEYS[2], 'NX', place, ARGV[1])
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return tonumber(place)
