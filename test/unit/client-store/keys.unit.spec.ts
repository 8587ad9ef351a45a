import fc from 'fast-check'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { allClientStoreKeys, clientStoreKeys } from '../../../src/client-store/keys.js'

/** The part of a key Redis Cluster hashes: between the first '{' and the next '}', if that is non-empty. */
function hashTag(key: string): string {
  const open = key.indexOf('{')
  if (open < 0) return key
  const close = key.indexOf('}', open + 1)
  return close > open + 1 ? key.slice(open + 1, close) : key
}

const text = fc.string({ unit: 'grapheme', maxLength: 12 })
const awkward = fc.oneof(text, fc.array(fc.constantFrom(':', ',', '{', '}', '1', 'a', 'é'), { maxLength: 8 }).map((cs) => cs.join('')))

describe('client store keys', () => {
  it('name the namespace after the client id and server URI, as paho-mqtt-redis names its hash', () => {
    const k = clientStoreKeys({ clientId: 'sensor-7', serverUri: 'mqtt://broker:1883' })
    expect(k.namespace).toBe('mqttjs:{8:sensor-7,18:mqtt://broker:1883,}')
    expect(k.outgoing).toEqual({ packets: `${k.namespace}:out:packets`, order: `${k.namespace}:out:order` })
    expect(k.incoming).toEqual({ packets: `${k.namespace}:in:packets`, order: `${k.namespace}:in:order` })
  })

  it('count lengths in UTF-8 bytes', () => {
    expect(clientStoreKeys({ clientId: 'é', serverUri: '' }).namespace).toBe('mqttjs:{2:é,0:,}')
  })

  it('property: different (clientId, serverUri) pairs never share a key, whatever ":", ",", "{" or "}" they contain', () => {
    fc.assert(
      fc.property(awkward, awkward, awkward, awkward, (c1, u1, c2, u2) => {
        fc.pre(c1 !== c2 || u1 !== u2)
        const a = allClientStoreKeys(clientStoreKeys({ clientId: c1, serverUri: u1 }))
        const b = new Set(allClientStoreKeys(clientStoreKeys({ clientId: c2, serverUri: u2 })))
        expect(a.filter((k) => b.has(k))).toEqual([])
      }),
      { numRuns: 2000 },
    )
  })

  it('property: all keys of one namespace hash to the same cluster slot, so the put script may touch two of them', () => {
    fc.assert(
      fc.property(awkward, awkward, fc.constantFrom('', 'app:', 'x'), (clientId, serverUri, prefix) => {
        const tags = new Set(allClientStoreKeys(clientStoreKeys({ clientId, serverUri, prefix })).map(hashTag))
        expect(tags.size).toBe(1)
      }),
    )
  })

  it("the README's key table is the one keys.ts builds", () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8')
    const block = readme.split('<!-- client-store-keys:start -->')[1]?.split('<!-- client-store-keys:end -->')[0] ?? ''
    const pattern = /namespace: `([^`]+)`/.exec(block)?.[1] ?? ''
    const [clientId, serverUri, prefix] = ['dev:é}1', 'mqtt://h:1883', 'app:']
    const namespace = pattern
      .replace('${prefix}', prefix)
      .replace('${bytes(clientId)}', String(Buffer.byteLength(clientId)))
      .replace('${clientId}', clientId)
      .replace('${bytes(serverUri)}', String(Buffer.byteLength(serverUri)))
      .replace('${serverUri}', serverUri)
    const keys = clientStoreKeys({ clientId, serverUri, prefix })
    expect(namespace).toBe(keys.namespace)
    const rows = block
      .split('\n')
      .filter((l) => l.startsWith('| `'))
      .map((l) => (l.split('|')[1] ?? '').trim().replace(/`/g, '').replace('${namespace}', keys.namespace))
    expect(rows).toEqual([keys.outgoing.packets, keys.outgoing.order, keys.incoming.packets, keys.incoming.order])
  })

  it('refuse a prefix with a brace, which would move the hash tag', () => {
    expect(() => clientStoreKeys({ clientId: 'c', serverUri: 'u', prefix: 'a{b}' })).toThrow(TypeError)
  })
})
