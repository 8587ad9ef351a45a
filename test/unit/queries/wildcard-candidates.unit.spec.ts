import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { wildcardCandidates } from '../../../src/queries/session-store.query.js'
import { hasWildcard, matches } from '../../../src/topics/topic.js'

const level = fc.constantFrom('a', 'b', '$x', '', 'c d')
const topicArb = fc.array(level, { minLength: 1, maxLength: 5 }).map((ls) => ls.join('/'))
const filterArb = fc.array(fc.oneof(level, fc.constant('+')), { minLength: 1, maxLength: 6 }).chain((ls) =>
  fc.boolean().map((hash) => (hash ? [...ls.slice(0, -1), '#'] : ls).join('/')),
)

describe('wildcardCandidates', () => {
  it('lists the wildcard filters that could match a short topic', () => {
    expect(new Set(wildcardCandidates('a/b'))).toEqual(new Set(['#', 'a/#', '+/#', 'a/b/#', 'a/+/#', '+/b/#', '+/+/#', 'a/+', '+/b', '+/+']))
    // [MQTT-4.7.2-1] a filter starting with a wildcard matches no $ topic.
    expect(new Set(wildcardCandidates('$SYS/x'))).toEqual(new Set(['$SYS/#', '$SYS/x/#', '$SYS/+/#', '$SYS/+']))
    expect(wildcardCandidates('a/b/c/d/e/f/g')).toBeNull()
    expect(wildcardCandidates('a/b/c/d/e/f')).toHaveLength(190)
  })

  it('a wildcard filter matches a topic exactly when it is one of the candidates', () => {
    fc.assert(
      fc.property(topicArb, filterArb, (topic, filter) => {
        fc.pre(hasWildcard(filter))
        const candidates = wildcardCandidates(topic)
        if (candidates === null) return
        expect(candidates.includes(filter)).toBe(matches(filter, topic))
      }),
      { numRuns: 2000 },
    )
  })
})
