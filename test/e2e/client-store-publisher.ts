/**
 * The publisher of the client-store crash test, run as its own process (the
 * test kills it with SIGKILL). An MQTT.js client with a persistent session
 * (clean: false) and a fixed client id, its in-flight messages in the Redis
 * stores, its message ids from the stores' provider.
 *
 * argv[2]: JSON {broker, redis, clientId, serverUri, publish: [{qos, n}]}
 * The initial messages are published right after mqtt.connect, before CONNACK.
 * stdin lines: a JSON array of more [{qos, n}] to publish, or "end" to end the
 * client once nothing is in flight, then exit 0.
 * stdout lines: "stored q<qos> <n>" (Redis has it), "acked q<qos> <n>",
 * "failed q<qos> <n> <error>", "connected" (after the replay of the store),
 * "error <message>".
 */
import mqtt from 'mqtt'
import { createInterface } from 'node:readline'
import { createRedisStores } from '../../src/client-store/index.js'

interface Message {
  readonly qos: 1 | 2
  readonly n: number
}

interface Config {
  readonly broker: string
  readonly redis: string
  readonly clientId: string
  readonly serverUri: string
  readonly publish: readonly Message[]
}

function parseMessages(value: unknown): Message[] {
  if (!Array.isArray(value)) throw new Error('expected an array of {qos, n}')
  return value.map((m: unknown) => {
    const qos: unknown = Reflect.get(Object(m), 'qos')
    const n: unknown = Reflect.get(Object(m), 'n')
    if ((qos !== 1 && qos !== 2) || !Number.isInteger(n)) throw new Error(`not a message: ${JSON.stringify(m)}`)
    return { qos, n: Number(n) }
  })
}

function parseConfig(text: string | undefined): Config {
  const raw: unknown = JSON.parse(text ?? 'null')
  const field = (name: string): string => {
    const v: unknown = Reflect.get(Object(raw), name)
    if (typeof v !== 'string') throw new Error(`config.${name} must be a string`)
    return v
  }
  return { broker: field('broker'), redis: field('redis'), clientId: field('clientId'), serverUri: field('serverUri'), publish: parseMessages(Reflect.get(Object(raw), 'publish')) }
}

const say = (line: string): void => void process.stdout.write(`${line}\n`)

async function main(): Promise<void> {
  const config = parseConfig(process.argv[2])
  const stores = createRedisStores({ redis: config.redis, clientId: config.clientId, serverUri: config.serverUri })
  await stores.ready()
  const client = mqtt.connect(config.broker, { clientId: config.clientId, clean: false, reconnectPeriod: 100, ...stores.clientOptions })
  stores.attach(client)
  client.on('connect', () => say('connected'))
  client.on('error', (err) => say(`error ${err.message}`))

  const send = (m: Message): void => {
    client.publish(`crash/q${m.qos}`, String(m.n), { qos: m.qos, cbStorePut: () => say(`stored q${m.qos} ${m.n}`) }, (err) =>
      say(err ? `failed q${m.qos} ${m.n} ${err.message}` : `acked q${m.qos} ${m.n}`),
    )
  }
  for (const m of config.publish) send(m)

  createInterface({ input: process.stdin }).on('line', (line) => {
    if (line.trim() === 'end') client.end(false, () => process.exit(0))
    else for (const m of parseMessages(JSON.parse(line))) send(m)
  })
}

main().catch((err: unknown) => {
  say(`error ${err instanceof Error ? err.message : String(err)}`)
  process.exit(1)
})
