--[[
  A queue consumer went away: give back every message it held unacknowledged.

  KEYS[1] the consumer's holdings  (mqtt:idx:holding:${clientid})
  ARGV    clientid, claims key prefix (mqtt:idx:claims:)

  Returns how many messages were released. Atomic so that a message is never
  both released and still counted as held.
]]
local members = redis.call('SMEMBERS', KEYS[1])
local n = 0
for _, m in ipairs(members) do
  local sep = string.find(m, '\0', 1, true)
  if sep then
    local topic = string.sub(m, 1, sep - 1)
    local id = string.sub(m, sep + 1)
    local claims = ARGV[2] .. topic
    if redis.call('HGET', claims, id) == ARGV[1] then
      redis.call('HDEL', claims, id)
      n = n + 1
    end
  end
end
redis.call('DEL', KEYS[1])
return n
