/**
 * The README's MQTT.js client store example, extracted and run as a user
 * would paste it, against mosquitto and this file's redis-server.
 */
import { spawn } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import mqtt from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { clientStoreKeys } from '../../src/client-store/keys.js'
import { useRedis } from '../support/redis.js'
import { startMosquitto, type Mosquitto } from './client-store-mosquitto.js'

const redis = useRedis()
let broker: Mosquitto
// Inside the package, so `import ... from 'mqtt-redis-engine'` resolves to this package itself (its dist/).
const dir = new URL('./client-store-readme.tmp/', import.meta.url)

beforeAll(async () => {
  broker = await startMosquitto()
})
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true })
  await broker?.stop()
})

/**
 * The example as written, or, while package.json does not export the
 * `./client-store` subpath yet, pointed at the built module itself.
 */
function exampleSource(): string {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
  const code = /<!-- example:client-store -->\s*```js\n([\s\S]*?)```/.exec(readme)?.[1]
  if (code === undefined) throw new Error('README has no <!-- example:client-store --> block')
  const pkg: unknown = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'))
  const exported = Object.keys(Object(Reflect.get(Object(pkg), 'exports'))).includes('./client-store')
  return exported ? code : code.replace("from 'mqtt-redis-engine/client-store'", "from '../../../dist/src/client-store/index.js'")
}

describe('README: MQTT.js client store example', () => {
  it('publishes through the stores and leaves them empty', async () => {
    const watcher = await mqtt.connectAsync(broker.url, { clientId: 'readme-watcher', reconnectPeriod: 0, connectTimeout: 5000 })
    await watcher.subscribeAsync('sensors/7/temp', { qos: 1 })
    const arrived = new Promise<string>((resolve) => watcher.once('message', (_t, p) => resolve(p.toString())))

    mkdirSync(dir, { recursive: true })
    const file = fileURLToPath(new URL('example.mjs', dir))
    writeFileSync(file, exampleSource())
    const child = spawn(process.execPath, [file], { env: { ...process.env, REDIS_URL: redis.url, MQTT_URL: broker.url } })
    let out = ''
    child.stdout.on('data', (b: Buffer) => void (out += b.toString()))
    child.stderr.on('data', (b: Buffer) => void (out += b.toString()))
    // Bounded, so a hang fails with what the example printed rather than at the test timeout.
    const code = await new Promise<number | null | 'killed after 15 s'>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL')
        resolve('killed after 15 s')
      }, 15_000)
      child.once('exit', (c) => {
        clearTimeout(timer)
        resolve(c)
      })
    })

    expect({ code, out }).toEqual({ code: 0, out: 'published\n' })
    expect(await arrived).toBe('21.5')
    const keys = clientStoreKeys({ clientId: 'sensor-7', serverUri: broker.url })
    expect(await redis.client.keys(`${keys.namespace}*`)).toEqual([])
    await watcher.endAsync()
  })
})
