import type { Cluster, Redis } from 'ioredis'
import { describe, expect, it } from 'vitest'
import { deniedCommands } from '../../../src/rules/denylist.js'
import { runCommands, type CommandCaller } from '../../../src/rules/run-commands.js'
import { compileCommand, renderCommand } from '../../../src/rules/template.js'

// ioredis' clients fit CommandCaller as they are: this fails to type-check otherwise.
const ioredisClientsFit = (r: Redis, c: Cluster): readonly CommandCaller[] => [r, c]

function recorder(fail: (name: string) => Error | undefined = () => undefined) {
  const seen: (readonly (string | Buffer)[])[] = []
  const client: CommandCaller = {
    call: async (name, ...args) => {
      seen.push([name, ...args])
      const e = fail(name)
      if (e) throw e
      return 'OK'
    },
  }
  return { client, seen }
}

describe('runCommands', () => {
  it('takes ioredis Redis and Cluster as clients', () => {
    expect(ioredisClientsFit).toBeTypeOf('function')
  })

  it('calls the client with the name and each argument separately, in order', async () => {
    const { client, seen } = recorder()
    const payload = Buffer.from([0, 1, 0xff])
    const cmds = ['SET conn:${clientid} ${clientid}', 'SET raw ${payload}'].map((t) => renderCommand(compileCommand(t), { clientid: 'a b\r\nFLUSHALL', payload }))
    const out = await runCommands(client, cmds)
    expect(seen).toEqual([
      ['SET', 'conn:a b\r\nFLUSHALL', 'a b\r\nFLUSHALL'],
      ['SET', 'raw', payload],
    ])
    expect(out.map((o) => o.ok)).toEqual([true, true])
  })

  it('reports a failed command and still runs the others', async () => {
    const { client, seen } = recorder((name) => (name === 'HINCRBY' ? new Error('WRONGTYPE') : undefined))
    const out = await runCommands(client, [
      { name: 'SET', args: ['a', '1'] },
      { name: 'HINCRBY', args: ['a', 'f', '1'] },
      { name: 'SET', args: ['b', '2'] },
    ])
    expect(seen).toHaveLength(3)
    expect(out.map((o) => (o.ok ? o.reply : o.error.message))).toEqual(['OK', 'WRONGTYPE', 'OK'])
  })

  it('turns a non-Error rejection into an Error', async () => {
    const client: CommandCaller = { call: () => Promise.reject('nope') }
    const [o] = await runCommands(client, [{ name: 'SET', args: ['a', '1'] }])
    expect(o?.ok === false && o.error.message).toBe('nope')
  })

  it('refuses, without sending, hand-built commands a template could not have produced', async () => {
    const { client, seen } = recorder()
    const names = [...deniedCommands().keys()].map((n) => ({ name: n.toLowerCase(), args: [] }))
    const out = await runCommands(client, [...names, { name: 'SET k v\r\nFLUSHALL', args: [] }, { name: '', args: [] }])
    expect(seen).toEqual([])
    expect(out.every((o) => !o.ok)).toBe(true)
  })

  it('refuses the arities where ioredis would spread a Buffer into one argument per byte', async () => {
    const { client, seen } = recorder()
    const buf = Buffer.from('ab')
    const out = await runCommands(client, [
      { name: 'hset', args: ['h', buf] },
      { name: 'HMSET', args: ['h', buf] },
      { name: 'mset', args: [buf] },
      { name: 'msetnx', args: [buf] },
      { name: 'hset', args: ['h', 'f', buf] },
    ])
    expect(out.map((o) => o.ok)).toEqual([false, false, false, false, true])
    expect(seen).toEqual([['hset', 'h', 'f', buf]])
  })
})
