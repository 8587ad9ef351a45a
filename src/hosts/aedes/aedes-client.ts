/**
 * The few parts of Aedes' client and broker objects the adapter needs that
 * Aedes' type declarations leave out, read through checked accessors instead
 * of casts scattered over the adapter.
 */
import type { Aedes, Client } from 'aedes'

/** Connected clients by id (Aedes keeps them in `broker.clients`). */
export function clientById(aedes: Aedes, clientId: string): Client | undefined {
  const clients: unknown = Reflect.get(aedes, 'clients')
  if (typeof clients !== 'object' || clients === null) return undefined
  const c: unknown = Reflect.get(clients, clientId)
  return typeof c === 'object' && c !== null ? (c as Client) : undefined
}

export function allClients(aedes: Aedes): Client[] {
  const clients: unknown = Reflect.get(aedes, 'clients')
  return typeof clients === 'object' && clients !== null ? (Object.values(clients) as Client[]) : []
}

/** Did the client end with a DISCONNECT packet (a normal disconnect)? */
export function sentDisconnect(client: Client): boolean {
  return Reflect.get(client, '_disconnected') === true
}

/** The topic filters the client's live session holds. */
export function sessionFilters(client: Client): Set<string> {
  const subs: unknown = Reflect.get(client, 'subscriptions')
  return new Set(typeof subs === 'object' && subs !== null ? Object.keys(subs) : [])
}

/** The QoS at which the client's live session holds `filter`, or null when it does not. */
export function sessionQos(client: Client, filter: string): number | null {
  const subs: unknown = Reflect.get(client, 'subscriptions')
  if (typeof subs !== 'object' || subs === null || !Object.hasOwn(subs, filter)) return null
  const sub: unknown = Reflect.get(subs, filter)
  const qos: unknown = typeof sub === 'object' && sub !== null ? Reflect.get(sub, 'qos') : undefined
  return typeof qos === 'number' ? qos : null
}

/** Stop / restart reading packets from a client (Aedes' Client#pause/resume). */
export function setPaused(client: Client, paused: boolean): void {
  const fn: unknown = Reflect.get(client, paused ? 'pause' : 'resume')
  if (typeof fn === 'function') fn.call(client)
}
