/**
 * Replay without the publish-sequence scripts. Live, storing a message must
 * be one script: every node draws the topic order from one INCR, and the
 * INCR and the ZADD must not interleave with another node's. A replay has
 * Redis to itself (nobody else may write to a Redis being rebuilt), so it
 * can keep the sequence counter here and turn those scripts into plain
 * writes that a batch can fold (src/redis/command-plan.ts): the same keys,
 * values and scores, without a script call per message.
 *
 *   storeMessage  -> HSET + PEXPIREAT of the message, ZADD NX of its sequence
 *                    (a message already indexed keeps its first place, as the
 *                    script's check does), ZADDs of the topic and expiry indexes
 *   markSince     -> HSETNX of the start: 0, or the counter for "latest"
 *   storeLatest   -> stays a script (it reads the topic's pointer); the counter
 *                    is written just before it, as its INCR reads it
 *
 * Every other write passes through. The counter goes back to Redis with each
 * batch (`counterWrite`).
 */
import type { RedisWrite } from '../../projections/writes.js'
import type { Keys } from '../redis/keys.js'

export class SequenceLowering {
  private synced: number

  /** `seq`: the counter's value in Redis when the replay starts. */
  constructor(
    private readonly keys: Keys,
    private seq: number,
  ) {
    this.synced = seq
  }

  /** The current counter. */
  get counter(): number {
    return this.seq
  }

  /** Append `w`, or the plain writes that do what it does, to `out`. */
  lower(w: RedisWrite, out: RedisWrite[]): void {
    if (w.op !== 'script') {
      out.push(w)
      return
    }
    switch (w.name) {
      case 'storeMessage': {
        const [, msgKey, topicKey, topicsKey, expiryKey] = w.keys as [string, string, string, string, string]
        const [msgId, from, qos, topic, retain, payload, ts, expireAt, member] = w.args as [string, string, string, string, string, Buffer, string, string, string]
        const at = Number(expireAt)
        this.seq++
        out.push(
          { op: 'hset', key: msgKey, fields: [['id', msgId], ['from', from], ['qos', qos], ['topic', topic], ['retain', retain], ['payload', payload], ['ts', ts], ['expire_at', expireAt]] },
          { op: 'pexpireat', key: msgKey, at },
          { op: 'zadd', key: topicKey, score: this.seq, member: msgId, nx: true },
          { op: 'zadd', key: topicsKey, score: 0, member: topic },
          { op: 'zadd', key: expiryKey, score: at, member },
        )
        return
      }
      case 'markSince': {
        const [sinceKey] = w.keys as [string]
        const [filter, start] = w.args as [string, string]
        out.push({ op: 'hsetnx', key: sinceKey, field: filter, value: String(start === 'latest' ? this.seq : 0) })
        return
      }
      case 'storeLatest': {
        out.push({ op: 'set', key: this.keys.seq(), value: String(this.seq) }, w)
        // The script draws the next number unless the message already is the
        // latest (an event applied twice); either way the counter written at
        // the end of the batch is this one, so the numbers stay increasing.
        this.seq++
        this.synced = Number.NaN
        return
      }
      default:
        out.push(w)
    }
  }

  /** The write that brings Redis's counter up to date, if it is behind. */
  counterWrite(): RedisWrite | null {
    if (this.synced === this.seq) return null
    this.synced = this.seq
    return { op: 'set', key: this.keys.seq(), value: String(this.seq) }
  }
}
