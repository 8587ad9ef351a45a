/**
 * Which Redis commands a hook rule may never run, and why.
 *
 * A rule's command goes over the engine's own connection, between the
 * engine's own writes, with every client's values in it. So a command is
 * refused when it would (1) change the state of that shared connection,
 * (2) block it, (3) wipe or reconfigure the server, (4) walk the whole
 * keyspace in one call, or (5) run code that could do any of those.
 *
 * Kept to commands with a real way to hurt: anything else a rule asks for
 * (SET, HSET, HINCRBY, RPUSH, ZADD, XADD, PUBLISH, EXPIRE, ...) is the user's
 * business. Command names are letters only (see {@link commandNameProblem}),
 * so `EVAL_RO`, `FCALL_RO` and module commands such as `JSON.SET` cannot be
 * written at all; widening the name rule must add the `_RO` variants here.
 */

const groups: readonly (readonly [reason: string, names: readonly string[]])[] = [
  [
    // SELECT would move every later engine write to another database; CLIENT
    // REPLY OFF would make ioredis pair replies with the wrong commands; HELLO 3
    // switches the protocol under ioredis' parser; SUBSCRIBE and MONITOR turn the
    // connection into a push-only one; MULTI would pull the engine's next writes
    // into the rule's transaction.
    'changes the state of the connection the engine shares',
    ['SELECT', 'AUTH', 'HELLO', 'CLIENT', 'RESET', 'QUIT', 'MULTI', 'EXEC', 'DISCARD', 'WATCH', 'UNWATCH',
      'SUBSCRIBE', 'PSUBSCRIBE', 'SSUBSCRIBE', 'MONITOR'],
  ],
  [
    // A rule only writes; a blocking read with timeout 0 would stall every
    // engine write queued behind it, forever.
    'blocks the connection the engine shares',
    ['BLPOP', 'BRPOP', 'BLMOVE', 'BRPOPLPUSH', 'BLMPOP', 'BZPOPMIN', 'BZPOPMAX', 'BZMPOP', 'XREAD', 'XREADGROUP',
      'WAIT', 'WAITAOF'],
  ],
  [
    'wipes, stops or reconfigures the server',
    ['FLUSHALL', 'FLUSHDB', 'SWAPDB', 'SHUTDOWN', 'CONFIG', 'DEBUG', 'SAVE', 'BGSAVE', 'BGREWRITEAOF',
      'REPLICAOF', 'SLAVEOF', 'FAILOVER', 'CLUSTER', 'ACL', 'MODULE'],
  ],
  // O(N) over every key: one event would stall the whole server.
  ['scans the whole keyspace in one call', ['KEYS']],
  [
    // A script body can call FLUSHALL itself, so allowing EVAL would make this
    // list pointless. Scripts the engine needs are its own reviewed .lua files.
    'runs server-side code that could run any refused command',
    ['EVAL', 'EVALSHA', 'SCRIPT', 'FCALL', 'FUNCTION'],
  ],
]

const denied: ReadonlyMap<string, string> = new Map(groups.flatMap(([reason, names]) => names.map((n) => [n, reason] as const)))

/**
 * Why `name` may not run from a rule, or undefined when it may.
 * Case-insensitive, as Redis is.
 *
 * @example
 * commandNameProblem('HINCRBY') // undefined
 * commandNameProblem('flushall') // 'FLUSHALL is not allowed in a rule: it wipes, stops or reconfigures the server'
 * commandNameProblem('JSON.SET') // 'the command name must be letters only, got "JSON.SET"'
 */
export function commandNameProblem(name: string): string | undefined {
  if (!/^[A-Za-z]+$/.test(name)) return `the command name must be letters only, got ${JSON.stringify(name)}`
  const upper = name.toUpperCase()
  const reason = denied.get(upper)
  return reason === undefined ? undefined : `${upper} is not allowed in a rule: it ${reason}`
}

/**
 * Every refused command name, upper case, with the reason; for documentation
 * and tests.
 *
 * @example
 * deniedCommands().get('KEYS') // 'scans the whole keyspace in one call'
 */
export function deniedCommands(): ReadonlyMap<string, string> {
  return denied
}
