import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { createKeys, keyTable } from '../../../src/redis/keys.js'

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8')

describe('keys', () => {
  it('the README key table is the one keys.ts documents', () => {
    const block = readme.split('<!-- keys:start -->')[1]?.split('<!-- keys:end -->')[0] ?? ''
    const rows = block
      .split('\n')
      .filter((l) => l.startsWith('| `'))
      .map((l) => l.split('|').map((c) => c.trim()).filter(Boolean))
      .map(([pattern, type, holds]) => ({ pattern: pattern?.replace(/`/g, ''), type, holds }))
    expect(rows).toEqual(keyTable().map((k) => ({ ...k })))
  })

  it('every key carries the configured prefix, and index keys cannot collide with client or topic keys', () => {
    const k = createKeys('app:')
    for (const key of [k.client('c'), k.node('n'), k.sub('c'), k.retain('t'), k.retainIndex()]) expect(key.startsWith('app:')).toBe(true)
    // No clientid or topic can produce the index key: it lives under its own segment.
    expect(k.retainIndex()).toBe('app:idx:retain')
    expect(k.retainIndex().startsWith('app:retain:')).toBe(false)
    expect(k.retainIndex().startsWith('app:client:')).toBe(false)
  })
})
