import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { hasWildcard, literalPrefix, matches, topicFilterProblem, topicNameProblem } from '../../../src/topics/topic.js'

/** Independent reference matcher, recursive over levels (MQTT 4.7). */
function refMatch(filter: string, topic: string): boolean {
  const f = filter.split('/')
  const t = topic.split('/')
  if (t[0]!.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false
  const go = (fi: number, ti: number): boolean => {
    if (fi === f.length) return ti === t.length
    if (f[fi] === '#') return true // matches the parent level and any number of child levels
    if (ti === t.length) return false
    return (f[fi] === '+' || f[fi] === t[ti]) && go(fi + 1, ti + 1)
  }
  return go(0, 0)
}

const level = fc.constantFrom('a', 'b', 'ab', '', '$SYS', '$x', 'é', '😀')
const topicArb = fc.array(level, { minLength: 1, maxLength: 5 }).map((ls) => ls.join('/')).filter((s) => s.length > 0)
const freeFilterArb = fc
  .tuple(fc.array(fc.oneof(level, fc.constant('+')), { minLength: 1, maxLength: 5 }), fc.boolean())
  .map(([ls, hash]) => (hash ? [...ls, '#'] : ls).join('/'))
  .filter((s) => s.length > 0)
/** A filter derived from a topic (so it often matches): some levels become '+', maybe cut and ended by '#'. */
const derivedFilterArb = topicArb.chain((t) => {
  const ls = t.split('/')
  return fc
    .tuple(fc.array(fc.boolean(), { minLength: ls.length, maxLength: ls.length }), fc.option(fc.nat({ max: ls.length })))
    .map(([plus, cut]) => {
      const fl = ls.map((l, i) => (plus[i] ? '+' : l))
      return cut === null ? fl.join('/') : [...fl.slice(0, cut), '#'].join('/')
    })
    .map((f) => ({ f, t }))
})
const filterArb = fc.oneof(freeFilterArb, fc.constant('#'), fc.constant('+'))
const pairArb = fc.oneof(fc.tuple(filterArb, topicArb).map(([f, t]) => ({ f, t })), derivedFilterArb)

describe('topic matching (properties)', () => {
  it('generated filters and topics are valid', () => {
    fc.assert(fc.property(pairArb, ({ f, t }) => {
      expect(topicFilterProblem(f)).toBeNull()
      expect(topicNameProblem(t)).toBeNull()
    }))
  })

  it('matches agrees with the reference matcher', () => {
    fc.assert(fc.property(pairArb, ({ f, t }) => {
      expect(matches(f, t)).toBe(refMatch(f, t))
    }), { numRuns: 2000 })
  })

  it('the derived generator exercises both outcomes', () => {
    const sample = fc.sample(derivedFilterArb, { numRuns: 300, seed: 42 })
    const hits = sample.filter(({ f, t }) => matches(f, t)).length
    expect(hits).toBeGreaterThan(0)
    expect(hits).toBeLessThan(sample.length)
  })

  it('a filter without wildcards matches exactly itself', () => {
    fc.assert(fc.property(topicArb, topicArb, (a, b) => {
      expect(hasWildcard(a)).toBe(false)
      expect(matches(a, b)).toBe(a === b)
    }))
  })

  // 'x/#' matches the parent 'x' too [MQTT-4.7.1-2], so its literal prefix must be 'x', not 'x/';
  // lookupRetained range-scans the retained index by this prefix.
  it('literalPrefix is a prefix of every topic the filter matches', () => {
    fc.assert(fc.property(pairArb, ({ f, t }) => {
      if (matches(f, t)) expect(t.startsWith(literalPrefix(f))).toBe(true)
    }), { numRuns: 2000 })
  })

  it('literalPrefix is a prefix of the filter itself', () => {
    fc.assert(fc.property(filterArb, (f) => {
      expect(f.startsWith(literalPrefix(f))).toBe(true)
    }))
  })
})

describe('literalPrefix (examples)', () => {
  it.each([
    ['a/b/+/c', 'a/b/'],
    ['a/b/c', 'a/b/c'],
    ['#', ''],
    ['+/x', ''],
    ['a/#', 'a'],
    ['a/b/#', 'a/b'],
    ['/#', ''],
  ])('%s -> %s', (f, p) => expect(literalPrefix(f)).toBe(p))
})

describe('matches (MQTT spec examples)', () => {
  it.each([
    ['sport/tennis/player1/#', 'sport/tennis/player1', true],
    ['sport/tennis/player1/#', 'sport/tennis/player1/ranking', true],
    ['sport/tennis/player1/#', 'sport/tennis/player1/score/wimbledon', true],
    ['sport/#', 'sport', true],
    ['sport/tennis/+', 'sport/tennis/player1', true],
    ['sport/tennis/+', 'sport/tennis/player1/ranking', false],
    ['sport/+', 'sport', false],
    ['sport/+', 'sport/', true],
    ['+/+', '/finance', true],
    ['/+', '/finance', true],
    ['+', '/finance', false],
    ['#', '$SYS/x', false],
    ['+/monitor/Clients', '$SYS/monitor/Clients', false],
    ['$SYS/#', '$SYS/monitor/Clients', true],
    ['$SYS/monitor/+', '$SYS/monitor/Clients', true],
    ['a/#', 'a', true],
    ['#', 'a/b/c', true],
    ['a/b', 'a/b/c', false],
    ['a/b/c', 'a/b', false],
  ] as const)('matches(%j, %j) === %s', (f, t, want) => {
    expect(matches(f, t)).toBe(want)
    expect(refMatch(f, t)).toBe(want)
  })
})

describe('validity', () => {
  it.each(['a/#/b', '#/a', 'a#', 'a/b#', '##', 'a+', '+a', 'a/++/b', 'a/+b'])('filter %j has a misplaced wildcard', (f) => {
    expect(topicFilterProblem(f)).toBe('misplaced_wildcard')
  })
  it.each(['a/+', '+/+/#', '#', '+', '/', 'a//b', '$SYS/#'])('filter %j is valid', (f) => {
    expect(topicFilterProblem(f)).toBeNull()
  })
  it.each(['a/+', 'a/#', '#', '+', 'a+b'])('topic name %j with a wildcard is rejected', (t) => {
    expect(topicNameProblem(t)).toBe('wildcard_in_topic')
  })
  it.each([
    ['', 'empty'],
    ['a\u0000b', 'contains_nul'],
    ['a/\uD800', 'invalid_utf8'],
    ['\uDC00x', 'invalid_utf8'],
    ['a'.repeat(65536), 'too_long'],
    ['€'.repeat(21846), 'too_long'],
    ['😀'.repeat(16384), 'too_long'],
  ] as const)('both kinds reject %#: %s', (s, problem) => {
    expect(topicNameProblem(s)).toBe(problem)
    expect(topicFilterProblem(s)).toBe(problem)
  })
  it('accepts exactly 65535 UTF-8 bytes', () => {
    expect(topicNameProblem('a'.repeat(65535))).toBeNull()
    expect(topicNameProblem('€'.repeat(21845))).toBeNull()
  })
  it('any string holding a lone surrogate or NUL is rejected (property)', () => {
    const bad = fc.tuple(fc.string(), fc.constantFrom('\uD800', '\uDBFF', '\uDC00', '\uDFFF', '\u0000'), fc.string())
      .map(([a, x, b]) => a + x + b)
      .filter((s) => s.includes('\u0000') || !s.isWellFormed())
    fc.assert(fc.property(bad, (s) => {
      expect(topicNameProblem(s)).toMatch(/^(contains_nul|invalid_utf8)$/)
      expect(topicFilterProblem(s)).toMatch(/^(contains_nul|invalid_utf8)$/)
    }))
  })
})
