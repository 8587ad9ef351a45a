/**
 * The `mqtt_channel` Pub/Sub control channel of a pool, both ways:
 *
 * - out: once a subscription change is committed, its notice is PUBLISHed on
 *   the channel (at most once, as Pub/Sub is: a listener that is not
 *   subscribed at that moment never sees it); the same change reported twice
 *   in a row (by the broker and by its persistence) is published once;
 * - in: a command a business server PUBLISHes makes that client, if it is
 *   connected to this node's broker, subscribe or unsubscribe now. A
 *   malformed message is logged (once a minute at most) and ignored.
 *
 * On a Redis Cluster pool both directions use sharded Pub/Sub (SPUBLISH,
 * SSUBSCRIBE): the channel lives on the shard that owns its slot.
 */
import { Cluster } from 'ioredis'
import type { Logger } from 'pino'
import type { DomainEvent } from '../events/domain.js'
import type { BrokerHost } from '../hosts/host.js'
import { subscriber, type RedisPool } from '../redis/pools.js'
import { noticeOf, parseControlMessage } from './control.js'

export interface ControlChannel {
  /** Publish the notice of a committed event, if it has one. */
  notice(event: DomainEvent): void
  /** Resolves once the channel is subscribed (inbound commands flow from then on). */
  readonly ready: Promise<void>
  stats(): { readonly published: number; readonly commands: number; readonly ignored: number }
  close(): Promise<void>
}

/** How many recent (client, filter) notices are remembered to drop repeats. */
const REMEMBERED = 10_000

/**
 * @example
 * const channel = openControlChannel(pools.get('pool1'), 'mqtt_channel', { hosts: () => hosts, logger })
 * channel.notice(event) // after the event is committed
 */
export function openControlChannel(pool: RedisPool, name: string, deps: { readonly hosts: () => Iterable<BrokerHost>; readonly logger: Logger }): ControlChannel {
  const logger = deps.logger.child({ channel: name, pool: pool.name })
  const sharded = pool.type === 'cluster'
  const sub = subscriber(pool, { logger })
  const last = new Map<string, string>()
  let published = 0
  let commands = 0
  let ignored = 0
  let lastWarned = 0

  const onMessage = (channel: string, message: string): void => {
    if (channel !== name) return
    const parsed = parseControlMessage(message)
    if (parsed._tag === 'Left') {
      if (parsed.left.kind === 'notice') return
      ignored++
      const now = Date.now()
      if (now - lastWarned >= 60_000) {
        lastWarned = now
        logger.warn({ reason: parsed.left.message, message: message.slice(0, 200) }, 'ignored a malformed control message')
      }
      return
    }
    commands++
    const cmd = parsed.right
    for (const host of deps.hosts()) {
      const done = cmd.type === 'subscribe'
        ? host.subscribe?.(cmd.clientId, [{ filter: cmd.filter, qos: cmd.qos }])
        : host.unsubscribe?.(cmd.clientId, [cmd.filter])
      done?.catch((err: unknown) => logger.warn({ err: String(err), clientId: cmd.clientId }, 'a control command failed'))
    }
  }
  sub.on(sharded ? 'smessage' : 'message', onMessage)
  const ready = (sharded ? (sub as Cluster).ssubscribe(name) : sub.subscribe(name)).then(() => undefined)
  ready.catch((err: unknown) => logger.error({ err: String(err) }, 'subscribing to the control channel failed'))

  return {
    ready,
    notice(event) {
      const text = noticeOf(event)
      if (text === null) return
      const key = `${event.meta.clientId}\u0000${event.type === 'SubscriptionAdded' || event.type === 'SubscriptionRemoved' ? event.data.filter : ''}`
      const said = event.type === 'SubscriptionAdded' ? `+${event.data.qos}` : '-'
      if (last.get(key) === said) return
      last.delete(key)
      last.set(key, said)
      if (last.size > REMEMBERED) last.delete(last.keys().next().value as string)
      const conn = pool.client(event.meta.clientId)
      const sent = sharded ? (conn as Cluster).spublish(name, text) : conn.publish(name, text)
      published++
      sent.catch((err: unknown) => logger.warn({ err: String(err) }, 'publishing a control notice failed'))
    },
    stats: () => ({ published, commands, ignored }),
    async close() {
      sub.off(sharded ? 'smessage' : 'message', onMessage)
      await Promise.resolve(sub.quit()).catch(() => sub.disconnect())
    },
  }
}
