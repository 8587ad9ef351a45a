--[[
  Record where a client's pubsub subscription starts, the first time only.

  KEYS[1] the client's subscription starts (mqtt:idx:since:${clientid})
  KEYS[2] publish sequence counter         (mqtt:idx:seq)
  ARGV    filter, start ('latest' or 'oldest')

  Returns 1 if recorded, 0 if the filter already had a start. Atomic so the
  start is the sequence at the moment of subscribing, not a later one.
]]
local start = 0
if ARGV[2] == 'latest' then start = tonumber(redis.call('GET', KEYS[2]) or '0') end
return redis.call('HSETNX', KEYS[1], ARGV[1], start)
