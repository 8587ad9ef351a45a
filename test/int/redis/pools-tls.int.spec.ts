/**
 * A single pool over TLS against a real redis-server with `--tls-port`, with
 * a CA, server and client certificates made by openssl at test time.
 *
 * Skipped, with the reason printed, only when openssl is missing or when this
 * redis-server was built without TLS.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { PoolConfig, TlsOptions } from '../../../src/config/model.js'
import { startEmbeddedRedis, type EmbeddedRedis } from '../../../src/redis/embedded.js'
import { openPool, type RedisPool } from '../../../src/redis/pools.js'
import { makeTempDir, removeTempDir, testPort } from '../../support/redis-cluster.js'

function onPath(bin: string): boolean {
  return (process.env['PATH'] ?? '').split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, bin)))
}

/** Why TLS cannot be tested here, or null. A build without TLS does not know the `tls-port` directive. */
function tlsSkipReason(): string | null {
  if (!onPath('openssl')) return 'openssl is not on PATH, so no test certificates can be made'
  const probe = spawnSync('redis-server', ['--port', '0', '--tls-port', '0', '--no-such-directive', 'x'], {
    encoding: 'utf8',
    timeout: 5_000,
  })
  if (/'tls-port /.test(`${probe.stdout ?? ''}${probe.stderr ?? ''}`)) return 'this redis-server was built without TLS support'
  return null
}

const skipReason = tlsSkipReason()
if (skipReason !== null) console.warn(`pools-tls.int.spec.ts skipped: ${skipReason}`)

/** A CA, a server certificate for IP 127.0.0.1 and a client certificate, all signed by the CA; plus a second, unrelated CA. */
function makeCertificates(dir: string): void {
  const ssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' })
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  for (const ca of ['ca', 'other-ca']) {
    ssl('req', '-x509', ...ec, '-keyout', `${ca}.key`, '-out', `${ca}.pem`, '-days', '1', '-subj', `/CN=${ca}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign')
  }
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n')
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n')
  for (const who of ['server', 'client']) {
    ssl('req', ...ec, '-keyout', `${who}.key`, '-out', `${who}.csr`, '-subj', `/CN=${who}`)
    ssl('x509', '-req', '-in', `${who}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
      '-out', `${who}.pem`, '-days', '1', '-extfile', `${who}.ext`)
  }
}

describe.skipIf(skipReason !== null)('single pool over TLS', () => {
  let dir = ''
  let server: EmbeddedRedis | undefined
  let tlsPort = 0
  let plain: Redis | undefined
  const opened: RedisPool[] = []

  beforeAll(async () => {
    dir = makeTempDir('mqtt-redis-tls-')
    makeCertificates(dir)
    tlsPort = await testPort(new Set())
    // The plain port stays open too, for assertions; the pool uses only the TLS one.
    server = await startEmbeddedRedis({
      extraArgs: [
        '--tls-port', String(tlsPort),
        '--tls-cert-file', join(dir, 'server.pem'),
        '--tls-key-file', join(dir, 'server.key'),
        '--tls-ca-cert-file', join(dir, 'ca.pem'),
        '--tls-auth-clients', 'yes',
      ],
    })
    plain = new Redis(server.port, '127.0.0.1')
  })
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((p) => p.close({ timeoutMs: 1000 })))
  })
  afterAll(async () => {
    plain?.disconnect()
    await server?.stop()
    if (dir) removeTempDir(dir)
  })

  function open(name: string, tls: TlsOptions): RedisPool {
    const config: PoolConfig = {
      name,
      type: 'single',
      servers: [{ host: '127.0.0.1', port: tlsPort }],
      sentinel: null,
      poolSize: 2,
      database: 0,
      username: null,
      password: null,
      tls,
      channel: null,
      source: { file: 'pools-tls.int.spec.ts', line: 0 },
    }
    const pool = openPool(config)
    opened.push(pool)
    return pool
  }

  it('connects with the CA and a client certificate, verifying the server', async () => {
    const pool = open('tls', { ca: join(dir, 'ca.pem'), cert: join(dir, 'client.pem'), key: join(dir, 'client.key') })
    await pool.ready()
    await pool.client('c1').set('pools:tls', 'secure')
    expect(await plain?.get('pools:tls')).toBe('secure')
  })

  it('refuses a server its CA did not sign, naming pool, server and the certificate problem', async () => {
    const pool = open('tls-wrong-ca', { ca: join(dir, 'other-ca.pem'), cert: join(dir, 'client.pem'), key: join(dir, 'client.key') })
    await expect(pool.ready({ timeoutMs: 1_000 })).rejects.toThrow(
      new RegExp(`redis pool "tls-wrong-ca": not ready after 1000 ms \\(127\\.0\\.0\\.1:${tlsPort}.*\\); last error: .*certificate`),
    )
  })

  it('connects to that server anyway with verify = false', async () => {
    const pool = open('tls-noverify', {
      ca: join(dir, 'other-ca.pem'),
      cert: join(dir, 'client.pem'),
      key: join(dir, 'client.key'),
      verify: false,
    })
    await pool.ready()
    expect(await pool.client('x').ping()).toBe('PONG')
  })
})
