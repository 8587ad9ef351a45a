/**
 * The dashboard in a real browser: Debian's chromium, headless, driven by
 * playwright-core (which never downloads a browser). serve runs the
 * statistics rules of examples/statistics.conf; MQTT.js devices publish
 * `{"temp": ...}` to store-last-message/<id>; the page must show, live, the
 * clients online and each device's last temperature as Redis holds them.
 * The screenshot goes to .test-output/dashboard.png (ignored by git); with
 * UPDATE_SCREENSHOT=1 it replaces docs/dashboard.png, the one the README shows.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../../src/redis/embedded.js'
import { useRedis } from '../support/redis.js'
import { mqttClients } from '../support/mqtt-clients.js'
import { eventually, startServe, type Served } from '../support/serve.js'

const CHROMIUM = '/usr/bin/chromium'
const STATISTICS = fileURLToPath(new URL('../../examples/statistics.conf', import.meta.url))
const SCREENSHOT = fileURLToPath(new URL(process.env['UPDATE_SCREENSHOT'] === '1' ? '../../docs/dashboard.png' : '../../.test-output/dashboard.png', import.meta.url))
const NODE = 'edge-1'
const DEVICES = ['thermo-1', 'thermo-2', 'thermo-3', 'thermo-4', 'thermo-5', 'thermo-6', 'thermo-7', 'thermo-8']

const redis = useRedis()
let served: Served
let http = 0
let context: BrowserContext
let profile = ''
const mq = mqttClients(() => served.port)
const connect = mq.connect

/** A reading a little off the device's own base, so the tiles differ. */
function reading(i: number, round: number): number {
  return Math.round((12 + i * 3.4 + Math.sin(round / 2 + i) * 1.5) * 10) / 10
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run installs it)`)
  http = await freePort()
  served = await startServe(['--redis', redis.url, '--node', NODE, '--config', STATISTICS, '--http', String(http)])
  profile = mkdtempSync(join(tmpdir(), 'mqtt-redis-chromium-'))
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1440, height: 1000 },
  })
}, 60_000)

afterAll(async () => {
  mq.endAll()
  await context?.close()
  await served?.stop()
  if (profile) rmSync(profile, { recursive: true, force: true })
})

describe('the dashboard in chromium', () => {
  it('shows the live numbers Redis holds', { timeout: 90_000 }, async () => {
    // A monitor that takes every reading (QoS 1, so its acks count), and a
    // persistent alarm consumer that has gone away: its queue fills up.
    const monitor = await connect('monitor')
    await monitor.subscribeAsync('store-last-message/+', { qos: 1 })
    const alarms = await connect('alarm-handler', { clean: false })
    await alarms.subscribeAsync('queue/#', { qos: 1 })
    await alarms.endAsync()
    const devices = await Promise.all(DEVICES.map((id) => connect(id)))

    let round = 0
    const publishRound = async (): Promise<void> => {
      round++
      // A device that leaves mid-round fails its publishes; the others go on.
      await Promise.allSettled(
        devices.map(async (d, i) => {
          const id = DEVICES[i] ?? ''
          await d.publishAsync(`store-last-message/${id}`, JSON.stringify({ temp: reading(i, round), hum: 40 + i }), { qos: 1 })
          if (reading(i, round) > 30) await d.publishAsync(`queue/alarms/${id}`, JSON.stringify({ high: reading(i, round) }), { qos: 1 })
          if (round % 2 === 0) await d.publishAsync(`telemetry/${id}/debug`, 'nobody listens', { qos: 0 })
        }),
      )
    }
    let publishing = true
    const pump = (async () => {
      while (publishing) {
        await publishRound()
        await new Promise((r) => setTimeout(r, 250))
      }
    })()

    const page: Page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`))
    await page.goto(`http://127.0.0.1:${http}/`)

    // Two devices leave: one says goodbye, one drops off the network.
    await new Promise((r) => setTimeout(r, 1500))
    const [leaving, dropping] = devices.splice(6, 2)
    await leaving?.endAsync()
    dropping?.stream.destroy()
    await eventually(async () => expect(await redis.client.hlen(`mqtt:node:${NODE}`)).toBe(1 + 6))

    // The page shows the clients online that Redis has.
    await eventually(async () => {
      const shown = await page.getAttribute('#kpi-online', 'data-value')
      expect(shown).toBe(String(await redis.client.hlen(`mqtt:node:${NODE}`)))
    }, 10_000)
    expect(await page.textContent('#kpi-online')).toBe('7')

    // Stop publishing; the page shows each device's last temperature as stored in emqx_messages.
    publishing = false
    await pump
    await eventually(async () => {
      const stored = await redis.client.hget('emqx_messages', 'thermo-3')
      expect(stored).toBe(String(reading(2, round)))
      const shown = await page.textContent('[data-device="thermo-3"] .temp-value')
      expect(shown).toBe(stored)
    }, 10_000)
    const tiles = await page.$$eval('[data-device]', (els) => els.map((e) => e.getAttribute('data-device')))
    expect(tiles).toEqual(Object.keys(await redis.client.hgetall('emqx_messages')).sort((a, b) => a.localeCompare(b, 'en', { numeric: true })))
    // The other panels filled in from the statistics hashes and the backlog index.
    await eventually(async () => {
      expect(await page.$$('#disconnects .bar')).toHaveLength(await redis.client.hlen('disconnected_reason'))
      expect(await page.$$('#backlog .bar')).not.toHaveLength(0)
      expect(await page.$$('#dropped-topic .bar')).not.toHaveLength(0)
      expect(await page.$$('#authz-result .bar')).not.toHaveLength(0)
    }, 10_000)

    // A few more seconds of quiet traffic, so the charts have a shape, then the picture for the README.
    publishing = true
    const tail = (async () => {
      while (publishing) {
        await Promise.all(devices.slice(0, 3).map((d, i) => d.publishAsync(`queue/alarms/${DEVICES[i] ?? ''}`, 'check', { qos: 1 })))
        await new Promise((r) => setTimeout(r, 400))
      }
    })()
    await new Promise((r) => setTimeout(r, 4000))
    publishing = false
    await tail
    await page.waitForTimeout(1200)
    mkdirSync(dirname(SCREENSHOT), { recursive: true })
    await page.screenshot({ path: SCREENSHOT, fullPage: true })
    expect(existsSync(SCREENSHOT)).toBe(true)
    expect(errors).toEqual([])
  })
})
