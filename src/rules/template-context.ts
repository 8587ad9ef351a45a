/**
 * The values a rule's placeholders read, and how EMQX turns them into text.
 *
 * Rendering follows EMQX's rule templates: a missing value and null render as
 * the text `undefined`; numbers in decimal (JavaScript's shortest form, so
 * 1e21 and up get an exponent); booleans as `true`/`false`; objects and
 * arrays as JSON; strings as they are.
 */

/**
 * One event's fields, as the rule engine names them. Every field is optional:
 * a client event has no topic, a message event no reason.
 *
 * @example
 * const ctx: TemplateContext = {
 *   clientid: 'dev-1', topic: 'sensors/dev-1', qos: 1, msgid: '0005F1A3',
 *   payload: Buffer.from('{"temp":21.5}'), node: 'emqx@127.0.0.1', timestamp: Date.now(),
 *   fields: { peerhost: '10.0.0.7' },
 * }
 */
export interface TemplateContext {
  readonly clientid?: string
  readonly username?: string | null
  readonly topic?: string
  readonly qos?: number
  readonly retain?: boolean
  readonly msgid?: string
  /** Raw bytes. `${payload}` alone is this Buffer; `${payload.a.b}` reads it as JSON. */
  readonly payload?: Buffer
  readonly reason?: string
  readonly node?: string
  /** Milliseconds since the epoch, as EMQX's `timestamp`. */
  readonly timestamp?: number
  /**
   * Any other field (authz_source, result, action, peerhost, or whatever a
   * rule's SELECT produced), looked up when the name is none of the above;
   * values may be objects, read with dotted paths. The named fields win, and
   * `message` is always the derived message.
   */
  readonly fields?: Readonly<Record<string, unknown>>
}

const notJson: unique symbol = Symbol('not JSON')

interface Derived {
  json?: unknown
  message?: unknown
}

// Per context, so a payload read by several placeholders (or several commands
// of one rule) is parsed once. A WeakMap keeps the context interface plain data.
const derived = new WeakMap<TemplateContext, Derived>()

function cacheOf(ctx: TemplateContext): Derived {
  let d = derived.get(ctx)
  if (d === undefined) {
    d = {}
    derived.set(ctx, d)
  }
  return d
}

/**
 * The value at `path` (`['payload', 'temp']` for `${payload.temp}`), or
 * undefined when anything along the way is missing.
 *
 * `payload` alone is the raw Buffer; with more segments it is the payload
 * parsed as JSON (not JSON: undefined). `message` is the JSON EMQX renders for
 * `${message}`: `{id, from, qos, topic, retain, payload, ts}` from msgid,
 * clientid, qos, topic, retain, payload as UTF-8 text and timestamp (missing
 * ones left out); undefined when there is no topic, i.e. no message.
 * Only own properties are read, so `${payload.__proto__}` or
 * `${payload.constructor}` are undefined, never something inherited.
 *
 * @example
 * lookup({ payload: Buffer.from('{"temp":21.5}') }, ['payload', 'temp']) // 21.5
 * lookup({ clientid: 'c' }, ['reason']) // undefined
 */
export function lookup(ctx: TemplateContext, path: readonly string[]): unknown {
  const [root, ...rest] = path
  switch (root) {
    case 'payload':
      return rest.length === 0 ? ctx.payload : walk(payloadJson(ctx), rest)
    case 'message':
      return walk(messageOf(ctx), rest)
    case 'clientid':
    case 'username':
    case 'topic':
    case 'qos':
    case 'retain':
    case 'msgid':
    case 'reason':
    case 'node':
    case 'timestamp':
      return walk(ctx[root], rest)
    case undefined:
      return undefined
    default:
      return walk(own(ctx.fields, root), rest)
  }
}

/**
 * A value as EMQX renders it into a command argument.
 *
 * @example
 * renderValue(undefined) // 'undefined'
 * renderValue(21.5) // '21.5'
 * renderValue({ a: [1, true] }) // '{"a":[1,true]}'
 */
export function renderValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value
    case 'number':
    case 'bigint':
      return String(value)
    case 'boolean':
      return value ? 'true' : 'false'
    case 'object':
      if (value === null) return 'undefined'
      if (Buffer.isBuffer(value)) return value.toString('utf8')
      return toJson(value)
    default:
      // undefined, and functions or symbols that have no text a rule could mean.
      return 'undefined'
  }
}

function toJson(value: object): string {
  try {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? 'undefined'
  } catch {
    // A cyclic value from a host: an event must still render; it has no JSON.
    return 'undefined'
  }
}

function payloadJson(ctx: TemplateContext): unknown {
  const d = cacheOf(ctx)
  if (!('json' in d)) {
    try {
      d.json = ctx.payload === undefined ? notJson : JSON.parse(ctx.payload.toString('utf8'))
    } catch {
      d.json = notJson
    }
  }
  return d.json === notJson ? undefined : d.json
}

function messageOf(ctx: TemplateContext): unknown {
  if (ctx.topic === undefined) return undefined
  const d = cacheOf(ctx)
  d.message ??= {
    id: ctx.msgid,
    from: ctx.clientid,
    qos: ctx.qos,
    topic: ctx.topic,
    retain: ctx.retain,
    payload: ctx.payload?.toString('utf8'),
    ts: ctx.timestamp,
  }
  return d.message
}

function walk(value: unknown, rest: readonly string[]): unknown {
  let v = value
  for (const key of rest) v = own(v, key)
  return v
}

/** An own data property of an object (arrays included), never a getter or an inherited member. */
function own(value: unknown, key: string): unknown {
  if (typeof value !== 'object' || value === null || Buffer.isBuffer(value)) return undefined
  const desc: PropertyDescriptor | undefined = Object.getOwnPropertyDescriptor(value, key)
  const v: unknown = desc?.value
  return v
}
