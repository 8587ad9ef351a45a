/**
 * Turning what Redis holds into what a person reads: Unix seconds and
 * milliseconds as ISO times, payloads as text when they are UTF-8.
 */

/** Unix seconds as stored (`online_at`, `ts`) to ISO; null for "undefined", empty or not a number. */
export function isoFromSeconds(v: string | null | undefined): string | null {
  if (v === null || v === undefined || v === '' || v === 'undefined') return null
  const n = Number(v)
  return Number.isFinite(n) ? new Date(n * 1000).toISOString() : null
}

/** Milliseconds as stored (`expire_at`) to ISO; null when absent. */
export function isoFromMillis(v: string | null | undefined): string | null {
  if (v === null || v === undefined || v === '') return null
  const n = Number(v)
  return Number.isFinite(n) ? new Date(n).toISOString() : null
}

export type ShownPayload = string | { readonly base64: string }

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** A payload as text when it is UTF-8, else as base64 (as `mqtt-redis log` shows them). */
export function showPayload(b: Buffer): ShownPayload {
  try {
    return utf8.decode(b)
  } catch {
    return { base64: b.toString('base64') }
  }
}

/** Escape the glob characters of SCAN's MATCH in a literal. */
export function globLiteral(s: string): string {
  return s.replace(/[*?[\]\\]/g, (c) => `\\${c}`)
}
