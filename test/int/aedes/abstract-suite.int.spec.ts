/**
 * aedes-persistence 11's contract suite (its abstract.js, 50 tests,
 * unmodified) against this project's Aedes persistence and a real
 * redis-server. The suite is written for node:test, so it runs in a node
 * child process (abstract.node-test.mjs, on the built code); this spec reads
 * the runner's TAP summary and fails with the names of the tests that failed.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { useRedis } from '../../support/redis.js'

const redis = useRedis()
const suite = fileURLToPath(new URL('./abstract.node-test.mjs', import.meta.url))

function runSuite(url: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--test', '--test-force-exit', '--test-timeout=30000', '--test-reporter=tap', suite], { env: { ...process.env, REDIS_URL: url }, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (out += d.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, out }))
  })
}

describe('aedes-persistence abstract suite', () => {
  it('passes all 50 tests against Redis', async () => {
    const { code, out } = await runSuite(redis.url)
    const count = (name: string): number => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(out)?.[1] ?? -1)
    const failed = [...out.matchAll(/^\s*not ok \d+ - (.+)$/gm)].map((m) => m[1])
    expect(failed).toEqual([])
    expect(count('fail')).toBe(0)
    expect(count('pass')).toBe(50)
    expect(code).toBe(0)
  }, 120_000)
})
