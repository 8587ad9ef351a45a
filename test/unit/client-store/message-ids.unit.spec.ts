import fc from 'fast-check'
import { UniqueMessageIdProvider } from 'mqtt'
import { describe, expect, it } from 'vitest'
import { RedisStoreError } from '../../../src/client-store/errors.js'
import { HeldIds, StoreMessageIdProvider } from '../../../src/client-store/message-ids.js'

function provider(held: readonly number[] = []): { ids: StoreMessageIdProvider; held: HeldIds } {
  const h = new HeldIds()
  h.load(held)
  return { ids: new StoreMessageIdProvider(h), held: h }
}

describe('StoreMessageIdProvider', () => {
  it('refuses to hand out an id before the store has loaded the ids it holds', () => {
    const ids = new StoreMessageIdProvider(new HeldIds())
    expect(() => ids.allocate()).toThrow(RedisStoreError)
  })

  it('after a restart with ids 1 and 2 stored, the first publish takes 3 where UniqueMessageIdProvider takes 1', () => {
    expect(new UniqueMessageIdProvider().allocate()).toBe(1)
    expect(provider([1, 2]).ids.allocate()).toBe(3)
  })

  it('clear() on CONNACK forgets the session ids but not the stored ones', () => {
    const { ids, held } = provider([1])
    expect(ids.allocate()).toBe(2)
    held.add(2) // the publish was put
    ids.clear()
    expect(ids.allocate()).toBe(3)
    // MQTT.js' replay registers the stored ids: allowed once each.
    expect(ids.register(1)).toBe(true)
    expect(ids.register(1)).toBe(false)
  })

  it('an id becomes free again once the store deleted it and MQTT.js deallocated it', () => {
    const { ids, held } = provider()
    const a = ids.allocate()
    expect(a).toBe(1)
    held.add(1)
    ids.deallocate(1)
    held.delete(1)
    const rest = Array.from({ length: 65534 }, () => ids.allocate())
    expect(rest[0]).toBe(2)
    expect(rest.at(-1)).toBe(65535)
    expect(ids.allocate()).toBe(1) // wrapped around to the freed id
    expect(ids.allocate()).toBeNull()
  })

  it('getLastAllocated follows allocate', () => {
    const { ids } = provider([5])
    expect(ids.getLastAllocated()).toBeNull()
    ids.allocate()
    ids.allocate()
    expect(ids.getLastAllocated()).toBe(2)
  })

  it('property: no allocated id is ever held by the store or already in use', () => {
    const step = fc.oneof(
      fc.constant({ kind: 'allocate' as const }),
      fc.record({ kind: fc.constant('store' as const), id: fc.integer({ min: 1, max: 20 }) }),
      fc.record({ kind: fc.constant('ack' as const), id: fc.integer({ min: 1, max: 20 }) }),
      fc.constant({ kind: 'connack' as const }),
    )
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 20 }), { maxLength: 10 }), fc.array(step, { maxLength: 60 }), (stored, steps) => {
        const { ids, held } = provider(stored)
        const inUse = new Set<number>()
        for (const s of steps) {
          if (s.kind === 'allocate') {
            const id = ids.allocate()
            if (id === null) continue
            expect(held.has(id)).toBe(false)
            expect(inUse.has(id)).toBe(false)
            inUse.add(id)
          } else if (s.kind === 'store' && inUse.has(s.id)) held.add(s.id)
          else if (s.kind === 'ack' && inUse.has(s.id)) {
            held.delete(s.id)
            ids.deallocate(s.id)
            inUse.delete(s.id)
          } else if (s.kind === 'connack') {
            ids.clear()
            inUse.clear()
          }
        }
      }),
    )
  })
})
