import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { JsonSyntaxError, lineAt, scanJson, type JsonPath } from '../../../src/config/json-lines.js'

/** Every path in a JSON value, in document order. */
function paths(v: unknown, at: JsonPath = []): JsonPath[] {
  if (Array.isArray(v)) return [at, ...v.flatMap((x, i) => paths(x, [...at, i]))]
  if (typeof v === 'object' && v !== null) return [at, ...Object.entries(v).flatMap(([k, x]) => paths(x, [...at, k]))]
  return [at]
}

describe('scanJson', () => {
  it('accepts what JSON.stringify writes and places each member on the line of its key', () => {
    fc.assert(fc.property(fc.jsonValue(), fc.constantFrom(0, 2, '\t'), (value, indent) => {
      const text = JSON.stringify(value, null, indent)
      const layout = scanJson(text)
      expect(layout.duplicate).toBeNull()
      const lines = text.split('\n')
      for (const p of paths(value)) {
        const line = layout.lineOf(p)
        expect(line).toBeGreaterThanOrEqual(1)
        const last = p[p.length - 1]
        // With indentation each member starts its own line: `"key": value`.
        if (indent !== 0 && typeof last === 'string') expect(lines[line - 1]?.trimStart().startsWith(`${JSON.stringify(last)}:`)).toBe(true)
      }
    }), { numRuns: 300 })
  })

  it('rejects what JSON.parse rejects', () => {
    const texts = ['', '{', '{"a" 1}', '[1,]', '{"a":1,}', 'tru', '"\\x"', '"a\nb"', '1 2', '{"a":1}}', '01']
    for (const t of texts) {
      expect(() => JSON.parse(t)).toThrow()
      expect(() => scanJson(t)).toThrow(JsonSyntaxError)
    }
  })

  it('reports the first duplicate key with its line', () => {
    expect(scanJson('{"a": {\n"b": 1,\n"b": 2}}').duplicate).toEqual({ path: ['a', 'b'], line: 3 })
  })

  it('falls back to the nearest present ancestor', () => {
    expect(scanJson('{\n"a": {\n}}').lineOf(['a', 'missing'])).toBe(2)
  })

  it('lineAt counts newlines before the offset', () => {
    expect(lineAt('a\nb\nc', 0)).toBe(1)
    expect(lineAt('a\nb\nc', 2)).toBe(2)
    expect(lineAt('a\nb\nc', 99)).toBe(3)
  })
})
