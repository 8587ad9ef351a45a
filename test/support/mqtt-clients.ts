/**
 * MQTT.js clients a test file opens against one broker, all ended together.
 *
 * @example
 * const mq = mqttClients(() => served.port)
 * const dev = await mq.connect('dev-1', { clean: false })
 * afterAll(() => mq.endAll())
 */
import mqtt, { type MqttClient } from 'mqtt'

export interface MqttClients {
  /** Connect `clientId` (no reconnects; its errors are left to the test's assertions). */
  connect(clientId: string, opts?: mqtt.IClientOptions): Promise<MqttClient>
  /** End every client opened so far, at once. */
  endAll(): void
}

export function mqttClients(port: () => number): MqttClients {
  const clients: MqttClient[] = []
  return {
    async connect(clientId, opts = {}) {
      const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${port()}`, { clientId, reconnectPeriod: 0, ...opts })
      c.on('error', () => undefined)
      clients.push(c)
      return c
    },
    endAll() {
      for (const c of clients.splice(0)) c.end(true)
    },
  }
}
