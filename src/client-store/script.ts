/**
 * The store's Lua scripts (scripts/<name>-<numKeys>.lua, each with a header
 * saying its KEYS, ARGV, result and why it is atomic), called by EVALSHA with
 * a fall-back to EVAL the first time a Redis has not seen one. Nothing is
 * registered on the caller's ioredis client.
 */
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Redis } from 'ioredis'
import type { SideKeys } from './keys.js'

type ScriptFile = 'put-2.lua' | 'del-2.lua'

interface Script {
  readonly lua: string
  readonly sha: string
}

/** The .lua file, whether running from src/ (tests) or dist/ (built, where tsc copies no .lua). */
function scriptPath(file: ScriptFile): string {
  const here = fileURLToPath(new URL(`./scripts/${file}`, import.meta.url))
  if (existsSync(here)) return here
  return fileURLToPath(new URL(`../../../src/client-store/scripts/${file}`, import.meta.url))
}

const loaded = new Map<ScriptFile, Script>()

function script(file: ScriptFile): Script {
  let s = loaded.get(file)
  if (!s) {
    const lua = readFileSync(scriptPath(file), 'utf8')
    s = { lua, sha: createHash('sha1').update(lua).digest('hex') }
    loaded.set(file, s)
  }
  return s
}

/** Both scripts take the side's two keys (packets, order) and the message id first. */
async function call(redis: Redis, file: ScriptFile, keys: SideKeys, args: ReadonlyArray<string | Buffer>): Promise<unknown> {
  const s = script(file)
  try {
    // callBuffer: a packet comes back as the bytes Redis holds, not decoded as UTF-8.
    return await redis.callBuffer('EVALSHA', s.sha, 2, keys.packets, keys.order, ...args)
  } catch (err) {
    if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err
    return redis.callBuffer('EVAL', s.lua, 2, keys.packets, keys.order, ...args)
  }
}

/**
 * Store `encoded` under `messageId` in one side's hash, keeping the id's place in its order.
 *
 * @example
 * await putPacket(redis, keys.outgoing, 17, encodePacket(packet))
 */
export async function putPacket(redis: Redis, keys: SideKeys, messageId: number, encoded: Buffer): Promise<void> {
  await call(redis, 'put-2.lua', keys, [String(messageId), encoded])
}

/**
 * Remove `messageId` from one side, returning the encoded packet it held, or null if none.
 *
 * @example
 * const bytes = await deletePacket(redis, keys.outgoing, 17)
 */
export async function deletePacket(redis: Redis, keys: SideKeys, messageId: number): Promise<Buffer | null> {
  const reply = await call(redis, 'del-2.lua', keys, [String(messageId)])
  return Buffer.isBuffer(reply) ? reply : null
}
