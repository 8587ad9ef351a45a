/**
 * MQTT topic names and topic filters: validation and matching.
 *
 * Rules enforced (MQTT 3.1.1 section 4.7 and 1.5.3, same in MQTT 5):
 * - [MQTT-4.7.3-1] topic names and filters are at least one character long;
 * - [MQTT-4.7.3-2] they contain no U+0000;
 * - [MQTT-1.5.3-1] they are well-formed UTF-8 (no lone surrogates), at most 65535 bytes;
 * - [MQTT-3.3.2-2] a topic name in PUBLISH contains no wildcard;
 * - [MQTT-4.7.1-2] `#` stands alone in the last level of a filter;
 * - [MQTT-4.7.1-3] `+` stands alone in its level;
 * - [MQTT-4.7.2-1] a filter starting with a wildcard does not match a topic starting with `$`.
 */

export type TopicProblem =
  | 'empty'
  | 'contains_nul'
  | 'invalid_utf8'
  | 'too_long'
  | 'wildcard_in_topic'
  | 'misplaced_wildcard'

const MAX_TOPIC_BYTES = 65535

function commonProblem(s: string): TopicProblem | null {
  if (s.length === 0) return 'empty'
  if (s.includes('\u0000')) return 'contains_nul'
  if (!s.isWellFormed()) return 'invalid_utf8'
  if (s.length > MAX_TOPIC_BYTES / 3 && Buffer.byteLength(s, 'utf8') > MAX_TOPIC_BYTES) return 'too_long'
  return null
}

/** Why `topic` is not a valid topic name for PUBLISH, or null when it is. */
export function topicNameProblem(topic: string): TopicProblem | null {
  const p = commonProblem(topic)
  if (p) return p
  if (topic.includes('+') || topic.includes('#')) return 'wildcard_in_topic'
  return null
}

/** Why `filter` is not a valid topic filter for SUBSCRIBE, or null when it is. */
export function topicFilterProblem(filter: string): TopicProblem | null {
  const p = commonProblem(filter)
  if (p) return p
  const levels = filter.split('/')
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i] as string
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) return 'misplaced_wildcard'
    if (level.includes('+') && level !== '+') return 'misplaced_wildcard'
  }
  return null
}

/** True when the filter holds `+` or `#`. */
export function hasWildcard(filter: string): boolean {
  return filter.includes('+') || filter.includes('#')
}

/**
 * Does the (valid) filter match the (valid) topic name?
 *
 * @example
 * matches('a/+/c', 'a/b/c') // true
 * matches('#', '$SYS/x')   // false [MQTT-4.7.2-1]
 */
export function matches(filter: string, topic: string): boolean {
  if (topic.charCodeAt(0) === 36 /* $ */) {
    const f0 = filter.charCodeAt(0)
    if (f0 === 43 /* + */ || f0 === 35 /* # */) return false
  }
  const f = filter.split('/')
  const t = topic.split('/')
  for (let i = 0; i < f.length; i++) {
    const level = f[i]
    if (level === '#') return true // 'a/#' matches 'a' too [MQTT-4.7.1-2]
    if (i >= t.length) return false
    if (level !== '+' && level !== t[i]) return false
  }
  return f.length === t.length
}

/**
 * The part of a filter before its first wildcard level, e.g. `a/b/` for `a/b/+/c`,
 * `a` for `a/#`, and the whole filter when it has none. Every topic the filter matches starts
 * with it, so a sorted index can be range-scanned by it.
 */
export function literalPrefix(filter: string): string {
  const plus = filter.indexOf('+')
  const hash = filter.indexOf('#')
  const cut = plus === -1 ? hash : hash === -1 ? plus : Math.min(plus, hash)
  if (cut === -1) return filter
  // 'a/#' also matches the parent 'a' [MQTT-4.7.1-2], so its prefix is 'a', not 'a/'.
  if (cut === hash && cut > 0) return filter.slice(0, cut - 1)
  return filter.slice(0, cut)
}
