import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DEFAULT_OFFLINE_RULES, expiresAt, filterCovers, filterFetches, modeOf, type OfflineRules } from '../../../src/offline/rules.js'
import { matches, topicFilterProblem, topicNameProblem } from '../../../src/topics/topic.js'

const custom: OfflineRules = {
  queue: ['jobs/+/in', 'q/#'],
  pubsub: ['news/#'],
  latest: ['state/+', 'q/latest'],
  expiredTimeSec: 60,
  pubsubStart: 'oldest',
}

describe('modeOf', () => {
  it.each<[string, 'queue' | 'pubsub' | 'latest' | null]>([
    ['queue/a', 'queue'],
    ['queue/a/b/c', 'queue'],
    ['queue', 'queue'], // 'queue/#' matches its parent level too [MQTT-4.7.1-2]
    ['pubsub/x', 'pubsub'],
    ['pubsub', 'pubsub'],
    ['other/topic', null],
    ['queues/a', null],
    ['a/queue/b', null],
    ['$SYS/queue/a', null],
  ])('default rules: %s -> %s', (topic, mode) => {
    expect(modeOf(DEFAULT_OFFLINE_RULES, topic)).toBe(mode)
  })

  it('default rules keep nothing as latest', () => {
    expect(DEFAULT_OFFLINE_RULES.latest).toEqual([])
  })

  it.each<[string, 'queue' | 'pubsub' | 'latest' | null]>([
    ['jobs/1/in', 'queue'],
    ['jobs/1/out', null],
    ['jobs/1/in/x', null],
    ['q/anything', 'queue'],
    ['news/today', 'pubsub'],
    ['state/lamp', 'latest'],
    ['state/lamp/x', null],
    ['queue/a', null], // the defaults do not apply once rules are given
    ['pubsub/x', null],
  ])('custom rules: %s -> %s', (topic, mode) => {
    expect(modeOf(custom, topic)).toBe(mode)
  })

  it('a topic covered by several modes takes the first of queue, pubsub, latest', () => {
    expect(modeOf(custom, 'q/latest')).toBe('queue')
    const overlap: OfflineRules = { ...custom, queue: [], pubsub: ['s/#'], latest: ['s/+'] }
    expect(modeOf(overlap, 's/x')).toBe('pubsub')
    expect(modeOf({ ...overlap, pubsub: [] }, 's/x')).toBe('latest')
  })
})

describe('filterCovers', () => {
  it.each<[string, string, boolean]>([
    ['queue/#', 'queue/+/x', true],
    ['queue/#', 'queue/#', true],
    ['queue/#', 'queue/a', true],
    ['queue/#', 'queue', true],
    ['queue/#', '#', false],
    ['queue/#', '+/x', false],
    ['queue/#', '+', false],
    ['queue/#', 'queues/a', false],
    ['a/+', 'a/b', true],
    ['a/+', 'a/+', true],
    ['a/+', 'a/#', false],
    ['a/+', 'a', false],
    ['a/+', 'a/b/c', false],
    ['a/+', 'a/+/#', false],
    ['a/b', 'a/b', true],
    ['a/b', 'a/c', false],
    ['a/b', 'a/+', false],
    ['a/b', 'a', false],
    ['a/b', 'a/b/c', false],
    ['#', '#', true],
    ['#', 'a/+/#', true],
    ['+/+', 'a/b', true],
    ['+/b', '+/c', false],
  ])('covers(%s, %s) is %s', (outer, inner, expected) => {
    expect(filterCovers(outer, inner)).toBe(expected)
  })

  // Topics starting with '$' are left out: no stored-message rule in use starts
  // with a wildcard, and filterCovers('#', '$SYS/#') says true although '#'
  // never matches '$SYS/x' [MQTT-4.7.2-1] (see the report on rules.ts).
  const level = fc.constantFrom('a', 'b', '')
  const topicArb = fc.array(level, { minLength: 1, maxLength: 4 }).map((ls) => ls.join('/')).filter((t) => t.length > 0)
  const freeFilterArb = fc
    .tuple(fc.array(fc.oneof(level, fc.constant('+')), { minLength: 1, maxLength: 4 }), fc.boolean())
    .map(([ls, hash]) => (hash ? [...ls, '#'] : ls).join('/'))
    .filter((f) => f.length > 0)
  /** An outer filter made from the inner one by widening it (levels to '+', a tail to '#'): often covers it. */
  const widened = (inner: string) => {
    const ls = inner.split('/')
    return fc
      .tuple(fc.array(fc.boolean(), { minLength: ls.length, maxLength: ls.length }), fc.option(fc.nat({ max: ls.length })))
      .map(([plus, cut]) => {
        const wl = ls.map((l, i) => (plus[i] ? '+' : l))
        return (cut === null ? wl : [...wl.slice(0, cut), '#']).join('/')
      })
      .filter((f) => f.length > 0 && topicFilterProblem(f) === null)
  }
  const pairArb = freeFilterArb.chain((inner) => fc.tuple(fc.oneof(freeFilterArb, fc.constant('#'), widened(inner)), fc.constant(inner)))

  it('generated filters and topics are valid', () => {
    fc.assert(fc.property(pairArb, topicArb, ([outer, inner], topic) => {
      expect(topicFilterProblem(outer)).toBeNull()
      expect(topicFilterProblem(inner)).toBeNull()
      expect(topicNameProblem(topic)).toBeNull()
    }), { numRuns: 300 })
  })

  it('if filterCovers(outer, inner), every topic inner matches is matched by outer', () => {
    let exercised = 0
    fc.assert(fc.property(pairArb, fc.array(topicArb, { minLength: 1, maxLength: 20 }), ([outer, inner], topics) => {
      if (!filterCovers(outer, inner)) return
      for (const t of topics) {
        if (matches(inner, t)) {
          exercised += 1
          expect(matches(outer, t), `${outer} covers ${inner} but misses ${t}`).toBe(true)
        }
      }
    }), { numRuns: 2000 })
    expect(exercised).toBeGreaterThan(200) // the property was not vacuous
  })

  it('every filter covers itself, and # covers every filter', () => {
    fc.assert(fc.property(freeFilterArb, (f) => {
      expect(filterCovers(f, f)).toBe(true)
      expect(filterCovers('#', f)).toBe(true)
    }))
  })
})

describe('filterFetches', () => {
  it.each<['queue' | 'pubsub' | 'latest', string, boolean]>([
    ['queue', 'queue/#', true],
    ['queue', 'queue/+/x', true],
    ['queue', 'queue/a', true],
    ['queue', '#', false], // a catch-all debug subscriber does not drain the queues
    ['queue', '+/a', false],
    ['queue', 'pubsub/#', false],
    ['pubsub', 'pubsub/#', true],
    ['pubsub', 'pubsub/+/t', true],
    ['pubsub', 'queue/#', false],
    ['pubsub', '#', false],
    ['latest', 'anything', false], // no latest rule by default
    ['latest', '#', false],
  ])('default rules, %s mode: %s -> %s', (mode, filter, expected) => {
    expect(filterFetches(DEFAULT_OFFLINE_RULES, mode, filter)).toBe(expected)
  })

  it.each<['queue' | 'pubsub' | 'latest', string, boolean]>([
    ['queue', 'jobs/+/in', true],
    ['queue', 'jobs/7/in', true],
    ['queue', 'jobs/#', false],
    ['queue', 'q/+', true],
    ['queue', 'queue/#', false],
    ['pubsub', 'news/sport', true],
    ['pubsub', 'pubsub/#', false],
    ['latest', 'state/+', true],
    ['latest', 'state/#', false],
    ['latest', 'q/latest', true],
  ])('custom rules, %s mode: %s -> %s', (mode, filter, expected) => {
    expect(filterFetches(custom, mode, filter)).toBe(expected)
  })
})

describe('expiresAt', () => {
  const at = 1_700_000_000_000
  it('without a message expiry: the rule\'s lifetime (default 7200 s)', () => {
    expect(expiresAt(DEFAULT_OFFLINE_RULES, at, null)).toBe(at + 7200 * 1000)
    expect(expiresAt(custom, at, null)).toBe(at + 60 * 1000)
  })

  it('an expiry interval of 0 counts as none: the rule\'s lifetime', () => {
    expect(expiresAt(DEFAULT_OFFLINE_RULES, at, 0)).toBe(at + 7200 * 1000)
    expect(expiresAt(custom, at, 0)).toBe(at + 60 * 1000)
  })

  it('a shorter MQTT 5 expiry wins', () => {
    expect(expiresAt(DEFAULT_OFFLINE_RULES, at, 30)).toBe(at + 30 * 1000)
    expect(expiresAt(DEFAULT_OFFLINE_RULES, at, 7199)).toBe(at + 7199 * 1000)
    expect(expiresAt(custom, at, 1)).toBe(at + 1000)
  })

  it('a longer MQTT 5 expiry is capped by the rule', () => {
    expect(expiresAt(DEFAULT_OFFLINE_RULES, at, 7201)).toBe(at + 7200 * 1000)
    expect(expiresAt(DEFAULT_OFFLINE_RULES, at, 0xffff_ffff)).toBe(at + 7200 * 1000)
    expect(expiresAt(custom, at, 61)).toBe(at + 60 * 1000)
  })

  it('is at + min(rule, expiry) seconds for any positive expiry', () => {
    fc.assert(fc.property(fc.nat({ max: 2 ** 41 }), fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 1, max: 0xffff_ffff }), (t, rule, exp) => {
      expect(expiresAt({ ...DEFAULT_OFFLINE_RULES, expiredTimeSec: rule }, t, exp)).toBe(t + Math.min(rule, exp) * 1000)
    }))
  })
})

describe('filterCovers and $ topics', () => {
  it('a filter starting with a wildcard covers no $ filter [MQTT-4.7.2-1]', () => {
    expect(filterCovers('#', '$SYS/#')).toBe(false)
    expect(filterCovers('+/x', '$a/x')).toBe(false)
    expect(filterCovers('$SYS/#', '$SYS/a')).toBe(true)
  })
})
