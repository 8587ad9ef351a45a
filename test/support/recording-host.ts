/**
 * A BrokerHost that records what the engine hands back, for integration tests
 * of the engine alone (Redis is real; only the broker is left out).
 */
import type { BrokerHost, HostMessage } from '../../src/hosts/host.js'
import type { StoredSubscription } from '../../src/queries/subscriptions.query.js'

export class RecordingHost implements BrokerHost {
  readonly delivered = new Map<string, HostMessage[]>()
  readonly restored = new Map<string, StoredSubscription[]>()

  async restoreSubscriptions(clientId: string, _connectionId: string, subscriptions: readonly StoredSubscription[]): Promise<void> {
    this.restored.set(clientId, [...subscriptions])
  }

  async deliver(clientId: string, messages: readonly HostMessage[]): Promise<void> {
    const list = this.delivered.get(clientId) ?? []
    list.push(...messages)
    this.delivered.set(clientId, list)
  }

  /** What the client got since the last call, as "topic payload" strings. */
  take(clientId: string): HostMessage[] {
    const list = this.delivered.get(clientId) ?? []
    this.delivered.set(clientId, [])
    return list
  }
}
