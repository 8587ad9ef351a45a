/**
 * Aedes keeps retained messages in its persistence and sends them on
 * subscribe. With the engine hosted, Redis holds them and the engine sends
 * them, so Aedes' own copy must stay empty or every retained message would
 * arrive twice. `retainedByEngine` wraps any Aedes persistence so that it
 * stores no retained message and finds none.
 */
import { Readable } from 'node:stream'

export function retainedByEngine<P extends object>(base: P): P {
  return new Proxy(base, {
    get(target, prop) {
      if (prop === 'storeRetained') return async () => undefined
      if (prop === 'createRetainedStream' || prop === 'createRetainedStreamCombi') return () => Readable.from([])
      const v: unknown = Reflect.get(target, prop, target)
      return typeof v === 'function' ? v.bind(target) : v
    },
  })
}
