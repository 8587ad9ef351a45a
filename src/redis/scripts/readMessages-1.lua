--[[
  Read stored messages for a fetch, in one round trip.

  KEYS[1] the messages' topic index (mqtt:msg:${topic}); not read: it routes
          the call to the slot every engine key shares
  ARGV[1] the message key prefix (mqtt:msg:)
  ARGV[2] now, Unix ms: a message whose expire_at is not after it is left out
  ARGV[3...] the message ids, in the order wanted

  Returns a flat array, 7 values per message found and not expired:
  id, from, qos, topic, payload, ts, expire_at.

  Not for atomicity: a backlog of 10,000 messages read as 10,000 HGETALL
  replies costs the client more than Redis; one reply of fixed fields is
  cheap to parse, and messages that expired or are gone never travel.
]]
local out = {}
local now = tonumber(ARGV[2])
for i = 3, #ARGV do
  local v = redis.call('HMGET', ARGV[1] .. ARGV[i], 'id', 'from', 'qos', 'topic', 'payload', 'ts', 'expire_at')
  if v[4] and v[5] and (tonumber(v[7] or '0') or 0) > now then
    for j = 1, 7 do out[#out + 1] = v[j] or '' end
  end
end
return out
