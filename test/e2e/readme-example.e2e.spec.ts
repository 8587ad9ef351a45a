/**
 * The README's embedding example, extracted and run as a user would paste it.
 */
import { spawn } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import mqtt from 'mqtt'
import { afterAll, describe, expect, it } from 'vitest'
import { freePort } from '../../src/redis/embedded.js'
import { useRedis } from '../support/redis.js'
import { eventually } from '../support/serve.js'

const redis = useRedis()
// Inside the package, so `import ... from 'mqtt-redis-engine'` resolves to this package itself.
const dir = new URL('../../.tmp-readme/', import.meta.url)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('README example', () => {
  it('embeds the engine in an Aedes broker and writes the EMQX keys', async () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
    const code = /<!-- example:embed -->\s*```js\n([\s\S]*?)```/.exec(readme)?.[1]
    expect(code).toBeDefined()
    mkdirSync(dir, { recursive: true })
    const file = new URL('embed.mjs', dir)
    writeFileSync(file, code as string)
    const port = await freePort()
    const child = spawn(process.execPath, [file.pathname], { env: { ...process.env, REDIS_URL: redis.url, PORT: String(port), LOG_LEVEL: 'warn' } })
    let out = ''
    child.stderr.on('data', (b: Buffer) => void (out += b.toString()))
    const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)))

    const c = await eventually(() => mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: 'readme-1', reconnectPeriod: 0 }), 10_000)
    await c.subscribeAsync('readme/#', { qos: 1 })
    await c.publishAsync('readme/r', 'hi', { qos: 1, retain: true })
    expect(await redis.client.hgetall('mqtt:sub:readme-1')).toEqual({ 'readme/#': '1' })
    expect(await redis.client.hget('mqtt:retain:readme/r', 'payload')).toBe('hi')
    expect(await redis.client.hget('mqtt:client:readme-1', 'state')).toBe('1')
    await c.endAsync()
    child.kill('SIGINT')
    expect(await exited).toBe(0)
    expect(out).not.toMatch(/Error/)
    expect(await redis.client.hget('mqtt:client:readme-1', 'state')).toBe('0')
  })
})
