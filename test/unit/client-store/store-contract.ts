/**
 * The contract of MQTT.js' Store interface as MQTT.js relies on it, as one
 * suite run against MQTT.js' own in-memory Store (unit tier) and against the
 * Redis store (int tier). Whatever one does, the other must do too.
 */
import fc from 'fast-check'
import type { IStore } from 'mqtt'
import { describe, expect, it } from 'vitest'

type Packet = Parameters<IStore['put']>[0]

export interface ContractSubject {
  /** A new, empty store. */
  make(): Promise<IStore>
  /** Runs of the order property (Redis round trips cost more than Map calls). */
  readonly propertyRuns: number
}

export const put = (s: IStore, p: Packet): Promise<void> => new Promise((res, rej) => void s.put(p, (err) => (err ? rej(err) : res())))
export const get = (s: IStore, messageId: number): Promise<Packet> =>
  new Promise((res, rej) => void s.get({ messageId }, (err, p) => (err ? rej(err) : p ? res(p) : rej(new Error('no packet and no error')))))
export const del = (s: IStore, messageId: number): Promise<Packet> =>
  new Promise((res, rej) => void s.del({ messageId }, (err, p) => (err ? rej(err) : p ? res(p) : rej(new Error('no packet and no error')))))
export const close = (s: IStore): Promise<void> => new Promise((res, rej) => s.close((err) => (err ? rej(err) : res())))

/** Read a store's stream the way MQTT.js' client does after CONNACK: read(1), wait for 'readable', stop at 'end'. */
export function drain(s: IStore): Promise<Packet[]> {
  const stream = s.createStream()
  const out: Packet[] = []
  return new Promise((resolve, reject) => {
    stream.on('error', reject)
    stream.on('end', () => resolve(out))
    const next = (): void => {
      for (;;) {
        const p: unknown = stream.read(1)
        if (p === null) {
          stream.once('readable', next)
          return
        }
        out.push(p as Packet) // the stream's element type is untyped in readable-stream's typings
      }
    }
    next()
  })
}

export const publish = (messageId: number, payload: string | Buffer = `m${messageId}`, qos: 1 | 2 = 1): Packet => ({ cmd: 'publish', topic: `t/${messageId}`, payload, qos, retain: false, dup: false, messageId })
export const pubrel = (messageId: number): Packet => ({ cmd: 'pubrel', messageId })
const ids = (ps: readonly Packet[]): Array<number | undefined> => ps.map((p) => p.messageId)

/** A model of the order: a Map keeps an entry's place when it is set again, and sends it to the end after a delete. */
type Op = { readonly kind: 'put'; readonly id: number; readonly release: boolean } | { readonly kind: 'del'; readonly id: number }
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('put' as const), id: fc.integer({ min: 1, max: 8 }), release: fc.boolean() }),
  fc.record({ kind: fc.constant('del' as const), id: fc.integer({ min: 1, max: 8 }) }),
)

export function storeContract(name: string, subject: ContractSubject): void {
  describe(`MQTT.js Store contract: ${name}`, () => {
    it('gives back what was put: Buffer payloads byte for byte, string payloads as strings', async () => {
      const s = await subject.make()
      const bytes = Buffer.from([0, 1, 2, 253, 254, 255])
      await put(s, publish(1, bytes, 2))
      await put(s, publish(2, 'héllo'))
      const one = await get(s, 1)
      expect(one).toEqual(publish(1, bytes, 2))
      expect(Buffer.isBuffer(Reflect.get(one, 'payload'))).toBe(true)
      expect(await get(s, 2)).toEqual(publish(2, 'héllo'))
      await close(s)
    })

    it('get and del of an id it does not hold fail with "missing packet"', async () => {
      const s = await subject.make()
      await expect(get(s, 42)).rejects.toThrow('missing packet')
      await expect(del(s, 42)).rejects.toThrow('missing packet')
      await close(s)
    })

    it('del hands back the packet it removed, and it is gone', async () => {
      const s = await subject.make()
      await put(s, publish(5))
      expect(await del(s, 5)).toEqual(publish(5))
      await expect(get(s, 5)).rejects.toThrow('missing packet')
      expect(await drain(s)).toEqual([])
      await close(s)
    })

    it('createStream yields packets in the order they were first put', async () => {
      const s = await subject.make()
      for (const id of [9, 3, 65535, 1, 200]) await put(s, publish(id))
      expect(ids(await drain(s))).toEqual([9, 3, 65535, 1, 200])
      await close(s)
    })

    it('a PUBREL put under the id of its PUBLISH replaces it and keeps its place', async () => {
      const s = await subject.make()
      for (const id of [1, 2, 3]) await put(s, publish(id, `m${id}`, 2))
      await put(s, pubrel(1))
      const got = await drain(s)
      expect(got.map((p) => [p.cmd, p.messageId])).toEqual([['pubrel', 1], ['publish', 2], ['publish', 3]])
      expect(await get(s, 1)).toEqual(pubrel(1))
      await close(s)
    })

    it('an id deleted and put again goes to the end', async () => {
      const s = await subject.make()
      for (const id of [1, 2, 3]) await put(s, publish(id))
      await del(s, 1)
      await put(s, publish(1, 'again'))
      expect(ids(await drain(s))).toEqual([2, 3, 1])
      await close(s)
    })

    it('an empty store streams nothing and ends', async () => {
      const s = await subject.make()
      expect(await drain(s)).toEqual([])
      await close(s)
    })

    it('streams more packets than fit in one read', async () => {
      const s = await subject.make()
      const all = Array.from({ length: 300 }, (_, i) => 300 - i)
      await Promise.all(all.map((id) => put(s, publish(id))))
      expect(ids(await drain(s))).toEqual(all)
      await close(s)
    })

    it('property: after any sequence of puts (PUBLISH or PUBREL) and dels, the stream is the model Map in order', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(opArb, { maxLength: 30 }), async (ops) => {
          const s = await subject.make()
          const model = new Map<number, Packet>()
          for (const op of ops) {
            if (op.kind === 'put') {
              const p = op.release ? pubrel(op.id) : publish(op.id)
              await put(s, p)
              model.set(op.id, p)
            } else if (model.has(op.id)) {
              expect(await del(s, op.id)).toEqual(model.get(op.id))
              model.delete(op.id)
            } else {
              await expect(del(s, op.id)).rejects.toThrow('missing packet')
            }
          }
          expect(await drain(s)).toEqual([...model.values()])
          await close(s)
        }),
        { numRuns: subject.propertyRuns },
      )
    })
  })
}
