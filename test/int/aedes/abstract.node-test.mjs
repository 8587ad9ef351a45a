// aedes-persistence 11's own contract suite (abstract.js, unmodified), run by
// node:test against this project's Aedes persistence on a real redis-server
// (REDIS_URL, started by abstract-suite.int.spec.ts). Each instance gets a key
// prefix of its own, as each test of the suite expects an empty store.
import { createRequire } from 'node:module'
import { test } from 'node:test'
import { aedesPersistence } from '../../../dist/src/aedes.js'
import { createLogger } from '../../../dist/src/util/logger.js'

const abstract = createRequire(import.meta.url)('aedes-persistence/abstract.js')
const url = process.env.REDIS_URL
if (!url) throw new Error('REDIS_URL is not set')
let n = 0

abstract({
  test,
  testAsync: true,
  // seedBrokerCounter off: one test checks that Aedes' packet counter counts from 1.
  persistence: () => aedesPersistence({ redis: url, prefix: `abs${++n}:`, sweepIntervalMs: 0, seedBrokerCounter: false, logger: createLogger({ level: 'silent' }) }),
})

