/**
 * Property: whatever the values hold (spaces, CR/LF, quotes, `${...}`, RESP
 * framing, any unicode, any bytes as payload), rendering a template gives
 * exactly the template's arguments, the same command name, and each argument
 * is the template's literal text with the values put in verbatim.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compileCommand, renderCommand, type TemplateContext } from '../../../src/rules/template.js'

type Segment = { readonly lit: string } | { readonly ph: string }
interface ArgSpec {
  readonly quoted: boolean
  readonly segments: readonly Segment[]
}

const hostile = fc.constantFrom('a b', '\r\n', '"', '\\', '${reason}', '${', '}', '*1\r\n$8\r\nFLUSHALL\r\n', '"; FLUSHALL; "', '\t', '', ' ')
const anyText = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme' }),
  fc.array(fc.oneof(hostile, fc.string()), { maxLength: 5 }).map((xs) => xs.join('')),
)

const names = ['clientid', 'username', 'topic', 'reason', 'node', 'msgid', 'qos', 'payload', 'payload.x', 'f1', 'meta.a', 'absent'] as const
const placeholder = fc.constantFrom(...names).map((ph): Segment => ({ ph }))

// Literal text: anything in a quoted argument; in a bare one no blanks or line breaks.
const quotedLit = anyText.map((lit): Segment => ({ lit }))
const bareLit = anyText.map((s) => s.replace(/[ \t\r\n]/g, '_')).filter((s) => s !== '').map((lit): Segment => ({ lit }))

const argSpec: fc.Arbitrary<ArgSpec> = fc.oneof(
  fc.array(fc.oneof(bareLit, placeholder), { minLength: 1, maxLength: 4 }).map((segments) => ({ quoted: false, segments: merge(segments) })),
  fc.array(fc.oneof(quotedLit, placeholder), { maxLength: 4 }).map((segments) => ({ quoted: true, segments: merge(segments) })),
)

const isValid = (a: ArgSpec): boolean =>
  a.segments.every((s) => !('lit' in s) || !s.lit.includes('${')) &&
  // A bare argument opening with a quote would be a quoted one.
  (a.quoted || !startsWithQuote(a.segments[0]))

const commandName = fc.constantFrom('SET', 'HSET', 'HINCRBY', 'RPUSH', 'lpush', 'Zadd', 'XADD', 'PUBLISH')

const payload = fc.oneof(
  fc.uint8Array({ maxLength: 40 }).map((b) => ({ bytes: Buffer.from(b), x: undefined })),
  anyText.map((x) => ({ bytes: Buffer.from(JSON.stringify({ x })), x })),
)

const context = fc.record({
  clientid: anyText,
  username: anyText,
  topic: anyText,
  reason: anyText,
  node: anyText,
  msgid: anyText,
  qos: fc.integer(),
  payload,
  f1: anyText,
  metaA: anyText,
})

function merge(segments: readonly Segment[]): Segment[] {
  const out: Segment[] = []
  for (const s of segments) {
    const last = out[out.length - 1]
    if ('lit' in s && s.lit === '') continue
    if ('lit' in s && last !== undefined && 'lit' in last) out[out.length - 1] = { lit: last.lit + s.lit }
    else out.push(s)
  }
  return out
}

function startsWithQuote(s: Segment | undefined): boolean {
  return s !== undefined && 'lit' in s && s.lit.startsWith('"')
}

function templateOf(name: string, args: readonly ArgSpec[]): string {
  const text = (a: ArgSpec) =>
    a.segments.map((s) => ('ph' in s ? `\${${s.ph}}` : a.quoted ? s.lit.replace(/[\\"]/g, (c) => `\\${c}`) : s.lit)).join('')
  return [name, ...args.map((a) => (a.quoted ? `"${text(a)}"` : text(a)))].join(' ')
}

describe('renderCommand (property)', () => {
  it('gives one argument per template argument, each the literal text with the values put in verbatim', () => {
    fc.assert(
      fc.property(commandName, fc.array(argSpec, { maxLength: 6 }), context, (name, args, v) => {
        fc.pre(args.every(isValid))
        const ctx: TemplateContext = {
          clientid: v.clientid,
          username: v.username,
          topic: v.topic,
          reason: v.reason,
          node: v.node,
          msgid: v.msgid,
          qos: v.qos,
          payload: v.payload.bytes,
          fields: { f1: v.f1, meta: { a: v.metaA } },
        }
        const expected: Record<(typeof names)[number], string> = {
          clientid: v.clientid,
          username: v.username,
          topic: v.topic,
          reason: v.reason,
          node: v.node,
          msgid: v.msgid,
          qos: String(v.qos),
          payload: v.payload.bytes.toString('utf8'),
          'payload.x': v.payload.x ?? 'undefined',
          f1: v.f1,
          'meta.a': v.metaA,
          absent: 'undefined',
        }
        const rendered = renderCommand(compileCommand(templateOf(name, args)), ctx)

        expect(rendered.name).toBe(name)
        expect(rendered.args).toHaveLength(args.length)
        args.forEach((a, i) => {
          const got = rendered.args[i]
          const [only] = a.segments
          if (a.segments.length === 1 && only !== undefined && 'ph' in only && only.ph === 'payload') {
            expect(Buffer.isBuffer(got)).toBe(true)
            expect(got).toEqual(v.payload.bytes)
          } else {
            const want = a.segments.map((s) => ('ph' in s ? expected[s.ph as (typeof names)[number]] : s.lit)).join('')
            expect(got).toBe(want)
          }
        })
      }),
      { numRuns: 1000 },
    )
  })
})
