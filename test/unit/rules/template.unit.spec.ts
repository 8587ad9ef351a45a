import { describe, expect, it } from 'vitest'
import { compileCommand, renderCommand, TemplateError, type TemplateContext } from '../../../src/rules/template.js'

const render = (template: string, ctx: TemplateContext) => renderCommand(compileCommand(template), ctx)

function problemOf(template: string): string {
  try {
    compileCommand(template)
  } catch (e) {
    if (e instanceof TemplateError) return e.problem
    throw e
  }
  throw new Error(`compiled: ${template}`)
}

const message: TemplateContext = {
  clientid: 'dev-1',
  username: 'u1',
  topic: 'sensors/dev-1',
  qos: 1,
  retain: false,
  msgid: '0005F1A3',
  payload: Buffer.from('{"temp":21.5,"hum":40,"ok":true,"tags":["a","b"],"loc":{"x":1},"n":null}'),
  node: 'emqx@127.0.0.1',
  timestamp: 1_700_000_000_123,
}

describe('compileCommand', () => {
  it('splits the EMQX examples at load time into a literal name and argument templates', () => {
    const cmd = compileCommand('HINCRBY authz_result ${result}:${action} 1')
    expect(cmd.name).toBe('HINCRBY')
    expect(cmd.args).toEqual([
      [{ kind: 'text', text: 'authz_result' }],
      [{ kind: 'var', path: ['result'] }, { kind: 'text', text: ':' }, { kind: 'var', path: ['action'] }],
      [{ kind: 'text', text: '1' }],
    ])
    expect(compileCommand('HSET emqx_messages ${clientid} ${payload.temp}').args[2]).toEqual([{ kind: 'var', path: ['payload', 'temp'] }])
  })

  it('takes runs of spaces and tabs as one separator, and ignores them at both ends', () => {
    expect(render('  SET \t a   b\t', {}).args).toEqual(['a', 'b'])
  })

  it('keeps spaces, tabs and line breaks inside a quoted argument, with \\" and \\\\ escapes', () => {
    expect(render('SET "a key" "say \\"hi\\"\r\n\\\\" ""', {}).args).toEqual(['a key', 'say "hi"\r\n\\', ''])
    expect(render('SET "k ${clientid}" x', { clientid: 'c' }).args).toEqual(['k c', 'x'])
  })

  it('takes a quote inside an unquoted argument as text, so JSON can be written unquoted', () => {
    expect(render('SET k {"t":${payload.temp}}', message).args).toEqual(['k', '{"t":21.5}'])
  })

  it('refuses broken templates, saying what is wrong', () => {
    expect(problemOf('')).toBe('empty command')
    expect(problemOf(' \t ')).toBe('empty command')
    expect(problemOf('SET conn:${clientid x}')).toMatch(/^bad placeholder name/)
    expect(problemOf('SET conn:${clientid')).toBe('unterminated ${ (no closing })')
    expect(problemOf('SET k ${}')).toBe('empty placeholder ${}')
    expect(problemOf('SET "k v')).toBe('unterminated quote')
    expect(problemOf('SET "k v\\')).toBe('unterminated quote')
    expect(problemOf('SET "k"v x')).toBe('text right after a closing quote')
    expect(problemOf('SET "a\\n" x')).toMatch(/^unknown escape \\n/)
    expect(problemOf('SET k ${a-b}')).toMatch(/^bad placeholder name "a-b"/)
    expect(problemOf('SET k ${a..b}')).toMatch(/^bad placeholder name/)
    expect(problemOf('SET k ${ a }')).toMatch(/^bad placeholder name/)
    expect(problemOf('SET k v\r\nFLUSHALL')).toBe('line break outside quotes (a template is one command)')
  })

  it('wants a literal command name of letters, and refuses commands no rule may run', () => {
    expect(problemOf('${cmd} k v')).toBe('the command name must be literal text, not a placeholder')
    expect(problemOf('S${x}ET k v')).toBe('the command name must be literal text, not a placeholder')
    expect(problemOf('"" k')).toBe('empty command name')
    expect(problemOf('JSON.SET k $ 1')).toMatch(/^the command name must be letters only/)
    expect(problemOf('flushall')).toBe('FLUSHALL is not allowed in a rule: it wipes, stops or reconfigures the server')
    for (const name of ['FLUSHDB', 'SHUTDOWN', 'CONFIG', 'DEBUG', 'MONITOR', 'SUBSCRIBE', 'PSUBSCRIBE', 'SSUBSCRIBE', 'MULTI', 'EXEC', 'SCRIPT', 'EVAL', 'EVALSHA', 'KEYS', 'SELECT', 'CLIENT', 'BLPOP']) {
      expect(problemOf(`${name} x`)).toMatch(new RegExp(`^${name} is not allowed in a rule`))
    }
  })

  it('reports where the problem is', () => {
    try {
      compileCommand('SET k ${clientid')
      expect.unreachable()
    } catch (e) {
      if (!(e instanceof TemplateError)) throw e
      expect(e.at).toBe(6)
      expect(e.template).toBe('SET k ${clientid')
      expect(e.message).toContain('SET k ${clientid')
    }
  })
})

describe('renderCommand', () => {
  it('fills every EMQX field', () => {
    const ctx: TemplateContext = { ...message, reason: 'normal', fields: { authz_source: 'file', result: 'deny', action: 'publish', peerhost: '10.0.0.7' } }
    const t = 'X ${clientid} ${username} ${topic} ${qos} ${retain} ${msgid} ${reason} ${node} ${timestamp} ${authz_source} ${result}:${action} ${peerhost}'
    expect(render(t, ctx)).toEqual({
      name: 'X',
      args: ['dev-1', 'u1', 'sensors/dev-1', '1', 'false', '0005F1A3', 'normal', 'emqx@127.0.0.1', '1700000000123', 'file', 'deny:publish', '10.0.0.7'],
    })
  })

  it('renders missing and null values as "undefined", as EMQX does', () => {
    expect(render('HINCRBY r ${reason} 1', {}).args).toEqual(['r', 'undefined', '1'])
    expect(render('SET ${username} ${nothing}', { username: null }).args).toEqual(['undefined', 'undefined'])
    expect(render('SET k ${payload.n} ${payload.missing} ${payload.temp.deeper}', message).args).toEqual(['k', 'undefined', 'undefined', 'undefined'])
  })

  it('reads dotted paths into a JSON payload: numbers in decimal, booleans, objects and arrays as JSON', () => {
    const t = 'HSET h ${payload.temp} ${payload.hum} ${payload.ok} ${payload.tags} ${payload.loc} ${payload.loc.x} ${payload.tags.1}'
    expect(render(t, message).args).toEqual(['h', '21.5', '40', 'true', '["a","b"]', '{"x":1}', '1', 'b'])
  })

  it('renders "undefined" for a path into a payload that is not JSON', () => {
    expect(render('SET k ${payload.temp}', { payload: Buffer.from('21.5 C') }).args).toEqual(['k', 'undefined'])
    expect(render('SET k ${payload.temp}', { payload: Buffer.from([0xff, 0x00]) }).args).toEqual(['k', 'undefined'])
  })

  it('never reads inherited or accessor properties through a path', () => {
    expect(render('SET ${payload.constructor} ${payload.__proto__} ${toString}', message).args).toEqual(['undefined', 'undefined', 'undefined'])
    const fields = Object.defineProperty({}, 'g', { get: () => 'from a getter', enumerable: true })
    expect(render('SET k ${g}', { fields }).args).toEqual(['k', 'undefined'])
  })

  it('keeps ${payload} alone as the raw bytes, and reads it as UTF-8 inside a longer argument', () => {
    const bytes = Buffer.from([0x00, 0xff, 0x0d, 0x0a, 0x24, 0x7b])
    const { args } = render('SET raw:${clientid} ${payload} "p=${payload}"', { clientid: 'c', payload: bytes })
    expect(args[0]).toBe('raw:c')
    expect(Buffer.isBuffer(args[1])).toBe(true)
    expect(args[1]).toEqual(bytes)
    expect(args[2]).toBe(`p=${bytes.toString('utf8')}`)
  })

  it('renders ${message} as the JSON of the whole message, and reads paths into it', () => {
    const { args } = render('RPUSH log ${message} ${message.topic} ${message.payload}', message)
    expect(JSON.parse(String(args[1]))).toEqual({
      id: '0005F1A3', from: 'dev-1', qos: 1, topic: 'sensors/dev-1', retain: false, payload: message.payload?.toString('utf8'), ts: 1_700_000_000_123,
    })
    expect(args.slice(2)).toEqual(['sensors/dev-1', message.payload?.toString('utf8')])
    expect(render('SET k ${message}', { clientid: 'c' }).args).toEqual(['k', 'undefined'])
  })

  it('reads dotted paths into extra fields that hold objects, and the named fields win', () => {
    const ctx: TemplateContext = { clientid: 'real', fields: { clientid: 'shadow', meta: { site: { id: 7 } } } }
    expect(render('SET ${clientid} ${meta.site.id} ${meta.site}', ctx).args).toEqual(['real', '7', '{"id":7}'])
  })

  it('puts values in verbatim: a value cannot add arguments or expand placeholders', () => {
    const hostile = 'a b\r\n*1\r\n$8\r\nFLUSHALL\r\n"${reason}"'
    expect(render('SET conn:${clientid} ${reason}', { clientid: hostile, reason: 'r' })).toEqual({ name: 'SET', args: [`conn:${hostile}`, 'r'] })
  })

  it('parses the payload once per context', () => {
    const ctx: TemplateContext = { payload: Buffer.from('{"a":1}') }
    const parse = JSON.parse
    let calls = 0
    JSON.parse = (...a: Parameters<typeof JSON.parse>): unknown => {
      calls++
      return parse(...a)
    }
    try {
      render('SET ${payload.a} ${payload.a}', ctx)
      render('SET ${payload.a} x', ctx)
    } finally {
      JSON.parse = parse
    }
    expect(calls).toBe(1)
  })
})
