/**
 * Where things are in a JSON text: the line each value starts on, by path, and
 * the offset of a syntax error when `JSON.parse` does not say (V8 reports a
 * position for some errors only). A plain recursive-descent walk over the
 * JSON grammar; it builds no values.
 */

/** A path into a JSON value: object keys and array indexes. */
export type JsonPath = readonly (string | number)[]

/** What `scanJson` learnt about a text. */
export interface JsonLayout {
  /** The line (1-based) where the value at `path` starts; for a path not present, its nearest present ancestor's. */
  lineOf(path: JsonPath): number
  /** The first key repeated within one object (JSON.parse keeps the last one silently), or null. */
  readonly duplicate: { readonly path: JsonPath; readonly line: number } | null
}

/**
 * A syntax error found by the scanner, at `offset` in the text.
 *
 * @example
 * try { scanJson('[1,]') } catch (e) { if (e instanceof JsonSyntaxError) e.offset } // 3
 */
export class JsonSyntaxError extends Error {
  constructor(readonly offset: number, message: string) {
    super(message)
  }
}

/**
 * The 1-based line of a character offset.
 *
 * @example
 * lineAt('a\nb', 2) // 2
 */
export function lineAt(text: string, offset: number): number {
  let line = 1
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++
  return line
}

/**
 * Scans a JSON text. Throws `JsonSyntaxError` where the text stops being JSON.
 *
 * @example
 * scanJson('{\n  "a": [\n    1\n  ]\n}').lineOf(['a', 0]) // 3
 */
export function scanJson(text: string): JsonLayout {
  const lines = new Map<string, number>()
  let duplicate: JsonLayout['duplicate'] = null
  let pos = 0
  let line = 1
  const fail = (message: string): never => {
    throw new JsonSyntaxError(pos, message)
  }
  const ws = (): void => {
    for (;;) {
      const c = text[pos]
      if (c === '\n') line++
      else if (c !== ' ' && c !== '\t' && c !== '\r') return
      pos++
    }
  }
  const string = (): string => {
    const start = pos++
    for (;;) {
      const c = text.charCodeAt(pos)
      if (Number.isNaN(c)) fail('unterminated string')
      if (c < 0x20) fail('control character in string')
      pos++
      if (c === 0x22) break
      if (c === 0x5c) pos++ // the escaped character cannot end the string; JSON.parse checks the escape itself
    }
    try {
      const s: unknown = JSON.parse(text.slice(start, pos))
      return typeof s === 'string' ? s : fail('bad string')
    } catch {
      pos = start
      return fail('bad escape in string')
    }
  }
  const value = (path: JsonPath): void => {
    ws()
    lines.set(JSON.stringify(path), line)
    const c = text[pos]
    if (c === '{') return object(path)
    if (c === '[') return array(path)
    if (c === '"') return void string()
    for (const lit of ['true', 'false', 'null']) if (text.startsWith(lit, pos)) return void (pos += lit.length)
    const num = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y
    num.lastIndex = pos
    if (num.test(text)) return void (pos = num.lastIndex)
    fail(c === undefined ? 'unexpected end of text' : `unexpected ${JSON.stringify(c)}`)
  }
  const object = (path: JsonPath): void => {
    pos++
    ws()
    if (text[pos] === '}') return void pos++
    const keys = new Set<string>()
    for (;;) {
      ws()
      if (text[pos] !== '"') fail('expected a property name')
      const keyLine = line
      const key = string()
      if (keys.has(key) && duplicate === null) duplicate = { path: [...path, key], line: keyLine }
      keys.add(key)
      ws()
      if (text[pos] !== ':') fail("expected ':'")
      pos++
      value([...path, key])
      ws()
      if (text[pos] === '}') return void pos++
      if (text[pos] !== ',') fail("expected ',' or '}'")
      pos++
    }
  }
  const array = (path: JsonPath): void => {
    pos++
    ws()
    if (text[pos] === ']') return void pos++
    for (let i = 0; ; i++) {
      value([...path, i])
      ws()
      if (text[pos] === ']') return void pos++
      if (text[pos] !== ',') fail("expected ',' or ']'")
      pos++
    }
  }
  value([])
  ws()
  if (pos < text.length) fail('unexpected text after the JSON value')
  return {
    duplicate,
    lineOf(path) {
      for (let n = path.length; n >= 0; n--) {
        const l = lines.get(JSON.stringify(path.slice(0, n)))
        if (l !== undefined) return l
      }
      return 0
    },
  }
}
