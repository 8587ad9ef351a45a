/**
 * Passivation of idle session actors: what may be dropped, what must be kept,
 * and when.
 *
 * What is kept. A session actor that is `offline`, holds no connection
 * (`connectionId` null), no active filters and `fetchedQueue` false has the
 * very context a new actor gets from its input, except `seq`: clientId is the
 * key, node, rules and observe are the same for every actor of one
 * SessionActors. So `seq` alone restores it exactly, through the machine's
 * own `input.seq` (no persisted snapshot: `getPersistedSnapshot` keeps the
 * whole snapshot, context, rules and observe included, hundreds of bytes per
 * session, and restoring one re-resolves its state nodes; starting from input
 * costs what creating any actor costs). A session that is offline but not
 * clean (a subscribe reported while offline left an active filter or the
 * queue flag) is not passivated: it stays live, as before.
 *
 * Cost. One entry of a Map<string, number> per passivated session: the
 * clientId string (kept anyway, as the key) and the seq, a small integer
 * stored inline (a heap number of 16 bytes only past 2^31 - 1 events). V8's
 * ordered hash table takes 3 words per entry plus a bucket word for every
 * two slots of capacity, which grows by doubling: 28 to 56 bytes per entry on
 * 64-bit Node. The clientId string adds 16 bytes plus its length rounded up
 * to 8. Measured (bench/sessions-memory.ts, bench/README.md): 61 bytes per
 * passivated session with 14-byte clientIds, a million of them in 61 MB,
 * against about 2.5 KB for a live offline actor.
 *
 * When. Each step stamps a clean offline actor with the clock's time and puts
 * it at the back of the idle order (a step that leaves it online or not clean
 * takes it out), so the front holds the actors idle the longest. This costs a
 * Map entry and a list node, about 100 bytes, per live offline actor only.
 * Steps passivate, from the front, actors idle for `idleMs` or more, and also, while live actors
 * outnumber `maxLive`, the oldest clean offline ones whatever their age; at
 * most `maxPerStep` per step, so that one step never pays for a whole burst
 * of sessions going idle at once (each step adds at most one live actor, so
 * the cap holds as long as `maxPerStep` is at least 1). `passivateIdle()`
 * does the same without the per-step bound, for a timer to call while no
 * input arrives. Online actors are never passivated. If the clock goes back,
 * the order is by stamp no longer, and some actors are passivated later than
 * `idleMs`, never earlier.
 */
import type { SnapshotFrom } from 'xstate'
import type { SessionMachine } from '../../machines/session.machine.js'

export interface PassivationOptions {
  /** Milliseconds a clean offline actor stays idle before it is passivated. Default 30000. */
  readonly idleMs?: number
  /** Live actors past which clean offline ones are passivated at once, oldest first. Default 100000. */
  readonly maxLive?: number
  /** Most actors one step passivates. Default 8. */
  readonly maxPerStep?: number
  /** Milliseconds since the epoch; tests pass a controlled clock. Default Date.now. */
  readonly clock?: () => number
}

export interface PassivationPolicy {
  readonly idleMs: number
  readonly maxLive: number
  readonly maxPerStep: number
  readonly clock: () => number
}

export const DEFAULT_PASSIVATION: PassivationPolicy = { idleMs: 30_000, maxLive: 100_000, maxPerStep: 8, clock: Date.now }

export function passivationPolicy(options: PassivationOptions = {}): PassivationPolicy {
  return {
    idleMs: Math.max(0, options.idleMs ?? DEFAULT_PASSIVATION.idleMs),
    maxLive: Math.max(0, options.maxLive ?? DEFAULT_PASSIVATION.maxLive),
    maxPerStep: Math.max(1, options.maxPerStep ?? DEFAULT_PASSIVATION.maxPerStep),
    clock: options.clock ?? DEFAULT_PASSIVATION.clock,
  }
}

/**
 * The seq that restores this session exactly, or null if it holds more than
 * a seq (online, a connection, active filters, the queue flag) or its actor
 * failed (an actor in error accepts nothing; a new one would).
 */
export function restorableSeq(snapshot: SnapshotFrom<SessionMachine>): number | null {
  if (snapshot.status !== 'active' || snapshot.value !== 'offline') return null
  const { context } = snapshot
  if (context.connectionId !== null || context.active.length > 0 || context.fetchedQueue) return null
  return context.seq
}

/** A clean offline live actor in the idle order: a doubly linked list, oldest at the head. */
interface IdleNode {
  readonly clientId: string
  since: number
  prev: IdleNode | null
  next: IdleNode | null
}

/**
 * Which live actors are candidates (clean and offline), in the order they
 * went idle, and the seq of every passivated session.
 *
 * The idle order is a linked list indexed by a Map, not an insertion-ordered
 * Map iterated from its front: V8 leaves a hole for each deleted Map entry
 * until the table is rebuilt, and iteration walks the holes, so taking the
 * oldest entry over and over would cost time in proportion to the number
 * taken before it.
 */
export class PassivationState {
  /** clientId -> its node in the idle order, for clean offline live actors only. */
  private readonly idle = new Map<string, IdleNode>()
  private head: IdleNode | null = null
  private tail: IdleNode | null = null
  /** clientId -> last seq, for passivated sessions. */
  private readonly sleeping = new Map<string, number>()

  constructor(readonly policy: PassivationPolicy) {}

  get passivated(): number {
    return this.sleeping.size
  }

  /** The seq of a passivated session, forgotten as it is returned (its actor is about to be recreated). */
  wake(clientId: string): number | undefined {
    const seq = this.sleeping.get(clientId)
    if (seq !== undefined) this.sleeping.delete(clientId)
    return seq
  }

  isAsleep(clientId: string): boolean {
    return this.sleeping.has(clientId)
  }

  /** After a step: a clean offline actor goes to the back of the idle order, any other leaves it. */
  touched(clientId: string, restorable: boolean, now: number): void {
    const node = this.idle.get(clientId)
    if (node) {
      this.unlink(node)
      if (!restorable) {
        this.idle.delete(clientId)
        return
      }
      node.since = now
      this.append(node)
    } else if (restorable) {
      const fresh: IdleNode = { clientId, since: now, prev: null, next: null }
      this.idle.set(clientId, fresh)
      this.append(fresh)
    }
  }

  /**
   * The clientId to passivate now, if any: the one idle the longest, if it has
   * been idle for `idleMs` or if `live` exceeds `maxLive`. It is taken out of
   * the idle order; the caller passivates it and calls `asleep`.
   */
  takeDue(now: number, live: number): string | undefined {
    const oldest = this.head
    if (oldest === null) return undefined
    if (live <= this.policy.maxLive && now - oldest.since < this.policy.idleMs) return undefined
    this.unlink(oldest)
    this.idle.delete(oldest.clientId)
    return oldest.clientId
  }

  asleep(clientId: string, seq: number): void {
    this.sleeping.set(clientId, seq)
  }

  clear(): void {
    this.idle.clear()
    this.head = null
    this.tail = null
    this.sleeping.clear()
  }

  private append(node: IdleNode): void {
    node.prev = this.tail
    node.next = null
    if (this.tail) this.tail.next = node
    else this.head = node
    this.tail = node
  }

  private unlink(node: IdleNode): void {
    if (node.prev) node.prev.next = node.next
    else this.head = node.next
    if (node.next) node.next.prev = node.prev
    else this.tail = node.prev
    node.prev = null
    node.next = null
  }
}
