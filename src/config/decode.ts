/**
 * Small decoding helpers shared by the conf and JSON readers. Both turn
 * untrusted text into the model of `model.ts`; a problem is reported through a
 * `Fail` callback so the helper need not know which file and line it is on.
 */

/** Reports a problem and never returns: the caller binds file and line. */
export type Fail = (problem: string) => never

/** Same as `Fail`, for checks that span several lines and pick the line themselves. */
export type FailAt = (line: number, problem: string) => never

/**
 * True for a plain JSON object (not null, not an array).
 *
 * @example
 * isRecord({ a: 1 }) // true
 * isRecord([1])      // false
 */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * The first key of `obj` that is not in `allowed`, or null. Readers are strict
 * on purpose: a misspelt `"topc"` silently ignored would widen a rule to every topic.
 *
 * @example
 * findUnknownKey({ topc: '#' }, ['topic']) // 'topc'
 */
export function findUnknownKey(obj: Record<string, unknown>, allowed: readonly string[]): string | null {
  return Object.keys(obj).find((key) => !allowed.includes(key)) ?? null
}

/**
 * Fails on the first key of `obj` that is not in `allowed` (see `findUnknownKey`).
 *
 * @example
 * rejectUnknownKeys({ topc: '#' }, ['topic'], 'rule', fail) // fail('unknown field "topc" in rule; expected one of: topic')
 */
export function rejectUnknownKeys(obj: Record<string, unknown>, allowed: readonly string[], what: string, fail: Fail): void {
  const key = findUnknownKey(obj, allowed)
  if (key !== null) fail(unknownFieldProblem(key, allowed, what))
}

/**
 * The message for an unknown field.
 *
 * @example
 * unknownFieldProblem('x', ['a'], 'pool') // 'unknown field "x" in pool; expected one of: a'
 */
export function unknownFieldProblem(key: string, allowed: readonly string[], what: string): string {
  return `unknown field ${clip(JSON.stringify(key))} in ${what}; expected one of: ${allowed.join(', ')}`
}

/**
 * A decimal integer written in full (no `1e3`, no `0x10`, no blanks), or null.
 *
 * @example
 * parseIntStrict('-5') // -5
 * parseIntStrict('8x') // null
 */
export function parseIntStrict(text: string): number | null {
  if (!/^-?\d+$/.test(text)) return null
  const n = Number(text)
  return Number.isSafeInteger(n) ? n : null
}

/**
 * A short description of a JSON value for error messages.
 *
 * @example
 * describeValue([]) // 'an array'
 * describeValue('x') // 'the string "x"'
 */
export function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'string') return `the string ${clip(JSON.stringify(value))}`
  if (typeof value === 'object') return 'an object'
  return `${typeof value} ${String(value)}`
}

/**
 * Shortens text quoted in a message so one bad line cannot flood a log.
 *
 * @example
 * clip('x'.repeat(100)).length // 61
 */
export function clip(text: string, max = 60): string {
  return text.length > max ? `${text.slice(0, max)}…` : text
}
