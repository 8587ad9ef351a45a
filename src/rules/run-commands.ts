/**
 * Sends rendered rule commands to Redis, each argument as its own RESP bulk
 * string, and reports every command's reply or error on its own.
 *
 * Sent with ioredis' generic `call(name, ...args)`, all in the same tick: on
 * one connection ioredis writes them back to back and Redis runs them in that
 * order, so a rule's commands cost one round trip, like a pipeline. Not an
 * actual `pipeline()`, because a Cluster pipeline must keep all its keys in
 * one slot, while `call` lets ioredis route each command by its own key.
 * Not MULTI either: EMQX runs a rule's commands one by one, and one refused
 * command must not undo the others.
 */
import { commandNameProblem } from './denylist.js'
import type { RenderedCommand } from './template.js'

/**
 * What runCommands needs of a client. ioredis' `Redis` and `Cluster` fit as
 * they are; a test can pass a recorder.
 *
 * @example
 * const recorder: CommandCaller = { call: async (name, ...args) => { seen.push([name, ...args]); return 'OK' } }
 */
export interface CommandCaller {
  call(name: string, ...args: (string | Buffer)[]): Promise<unknown>
}

/** How one command went: Redis' reply, or why it failed (Redis' error, or refused before sending). */
export type CommandOutcome =
  | { readonly ok: true; readonly command: RenderedCommand; readonly reply: unknown }
  | { readonly ok: false; readonly command: RenderedCommand; readonly error: Error }

/**
 * Sends `rendered` in order and resolves with one outcome per command, in the
 * same order. Never rejects: a command Redis refuses (WRONGTYPE, a wrong
 * number of arguments) or that this module refuses is reported and the
 * others still run.
 *
 * Refused without sending: a name renderCommand could not have produced (not
 * letters only, or denied for rules), and an HSET/HMSET with two arguments or
 * an MSET/MSETNX with one whose argument is a Buffer: ioredis would take that
 * Buffer for a field map and send each of its bytes as an argument of its own.
 * Redis would refuse those arities anyway, so nothing valid is lost.
 *
 * @example
 * const cmd = compileCommand('HINCRBY disconnected_reason ${reason} 1')
 * const [outcome] = await runCommands(redis, [renderCommand(cmd, { reason: 'keepalive_timeout' })])
 * if (outcome?.ok) outcome.reply // 1
 */
export async function runCommands(client: CommandCaller, rendered: readonly RenderedCommand[]): Promise<CommandOutcome[]> {
  return Promise.all(rendered.map((command) => send(client, command)))
}

async function send(client: CommandCaller, command: RenderedCommand): Promise<CommandOutcome> {
  const refused = refusal(command)
  if (refused !== undefined) return { ok: false, command, error: new Error(refused) }
  try {
    const reply = await client.call(command.name, ...command.args)
    return { ok: true, command, reply }
  } catch (e) {
    return { ok: false, command, error: e instanceof Error ? e : new Error(String(e)) }
  }
}

function refusal(command: RenderedCommand): string | undefined {
  const problem = commandNameProblem(command.name)
  if (problem !== undefined) return problem
  const name = command.name.toLowerCase()
  const reshaped =
    ((name === 'hset' || name === 'hmset') && command.args.length === 2 && Buffer.isBuffer(command.args[1])) ||
    ((name === 'mset' || name === 'msetnx') && command.args.length === 1 && Buffer.isBuffer(command.args[0]))
  return reshaped ? `ERR wrong number of arguments for '${name}' command (refused before sending)` : undefined
}
