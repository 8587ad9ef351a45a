/**
 * Looking at and moving one slot of a test cluster (test/support/redis-cluster.ts),
 * as `redis-cli --cluster reshard` would, one slot at a time: for tests that
 * check a client follows MOVED when the slot it writes to changes master.
 */
import type { ServerAddress } from '../../src/config/model.js'
import { ask } from './redis-cluster.js'

/** The port of the master that owns `slot`, asked of `via`. */
export async function slotOwnerPort(via: ServerAddress, slot: number): Promise<number> {
  const ranges: unknown = await ask(via.port, 'CLUSTER', 'SLOTS')
  if (Array.isArray(ranges)) {
    for (const r of ranges) {
      if (Array.isArray(r) && Number(r[0]) <= slot && slot <= Number(r[1]) && Array.isArray(r[2])) return Number(r[2][1])
    }
  }
  throw new Error(`no master owns slot ${slot}`)
}

/**
 * Move `slot` with its keys from the master on `from` to the one on `to`:
 * IMPORTING / MIGRATING, MIGRATE of every key, then SETSLOT NODE on every
 * master, after which the old owner answers MOVED.
 */
export async function moveSlot(nodes: readonly ServerAddress[], slot: number, from: number, to: number): Promise<number> {
  const s = String(slot)
  const fromId = String(await ask(from, 'CLUSTER', 'MYID'))
  const toId = String(await ask(to, 'CLUSTER', 'MYID'))
  await ask(to, 'CLUSTER', 'SETSLOT', s, 'IMPORTING', fromId)
  await ask(from, 'CLUSTER', 'SETSLOT', s, 'MIGRATING', toId)
  let moved = 0
  for (;;) {
    const keys: unknown = await ask(from, 'CLUSTER', 'GETKEYSINSLOT', s, '100')
    if (!Array.isArray(keys) || keys.length === 0) break
    await ask(from, 'MIGRATE', '127.0.0.1', String(to), '', '0', '5000', 'KEYS', ...keys.map(String))
    moved += keys.length
  }
  // The new owner first, then the old one, as redis-cli does, so no node ever points at nobody.
  const order = [to, from, ...nodes.map((n) => n.port).filter((p) => p !== to && p !== from)]
  for (const port of order) await ask(port, 'CLUSTER', 'SETSLOT', s, 'NODE', toId)
  return moved
}
