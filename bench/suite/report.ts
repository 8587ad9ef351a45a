/**
 * Printing: one table per scenario with the engine's ratios, the issue's
 * targets with met / not met, and the JSON file.
 */
import { writeFileSync } from 'node:fs'
import type { ContenderName, ContenderResult } from './measure.js'
import type { ScenarioResult } from './scenario.js'

const int = (n: number): string => Math.round(n).toLocaleString('en-US')
const ms = (n: number): string => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2))
const us = (n: number): string => (n >= 1000 ? int(n) : n.toFixed(1))
const ratio = (a: number, b: number | undefined): string => (b === undefined || b === 0 ? '-' : `${(a / b).toFixed(2)}x`)

export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n')
}

const LABEL: Record<ContenderName, string> = {
  limit: 'limit (raw RESP, pipelined)',
  ioredis: 'ioredis pipeline',
  peer: 'peer (aedes-persistence-redis)',
  engine: 'engine (submit to ack)',
}

export function scenarioTable(s: ScenarioResult): string {
  const rows: string[][] = []
  const order: ContenderName[] = ['limit', 'ioredis', 'peer', 'engine']
  for (const c of order) {
    const r: ContenderResult | undefined = s.results[c]
    if (!r) continue
    rows.push([
      LABEL[c], r.opsPerSec < 100 ? r.opsPerSec.toFixed(1) : int(r.opsPerSec), ms(r.p50Ms), ms(r.p99Ms), r.rssMb.toFixed(0), (r.rssMb - r.rssStartMb).toFixed(0), us(r.cpuUsPerOp), r.cpuPct.toFixed(0), us(r.redisCpuUsPerOp),
      String(r.errors), int(r.keys), c === 'engine' ? '1.00x' : ratio(s.results.engine.opsPerSec, r.opsPerSec),
    ])
  }
  const e = s.results.engine.opsPerSec
  const ratios = `ratios (ops/s): engine/limit ${ratio(e, s.results.limit.opsPerSec)}, engine/ioredis ${ratio(e, s.results.ioredis.opsPerSec)}, engine/peer ${s.results.peer ? ratio(e, s.results.peer.opsPerSec) : '- (no peer)'}`
  return [
    `### ${s.name}`,
    '',
    ...s.notes.map((n) => `- ${n}`),
    '',
    table(['contender', 'ops/s', 'p50 ms', 'p99 ms', 'peak RSS MiB', 'RSS growth MiB', 'CPU us/op', 'CPU %', 'Redis CPU us/op', 'errors', 'keys', 'engine / this'], rows),
    '',
    ratios,
  ].join('\n')
}

export interface TargetCheck {
  readonly target: string
  readonly measured: string
  readonly met: boolean
}

/** The targets, against what was measured (only for scenarios that ran). */
export function checkTargets(scenarios: readonly ScenarioResult[]): TargetCheck[] {
  const by = new Map(scenarios.map((s) => [s.name, s]))
  const out: TargetCheck[] = []
  const pub = by.get('publish-qos1')
  if (pub) {
    const r = pub.results.engine.opsPerSec / pub.results.limit.opsPerSec
    out.push({ target: 'publish-qos1: engine >= 0.5x limit', measured: `${r.toFixed(2)}x`, met: r >= 0.5 })
    if (pub.results.peer) {
      const p = pub.results.engine.opsPerSec / pub.results.peer.opsPerSec
      out.push({ target: 'publish-qos1: engine >= 3x peer', measured: `${p.toFixed(2)}x`, met: p >= 3 })
    }
  }
  for (const name of ['connect-churn', 'subscribe-churn']) {
    const s = by.get(name)
    if (s) out.push({ target: `${name}: engine >= 100,000 events/s`, measured: `${int(s.results.engine.opsPerSec)} events/s`, met: s.results.engine.opsPerSec >= 100_000 })
  }
  const fetch = by.get('pubsub-fetch')
  if (fetch) {
    const t = fetch.results.limit.opsPerSec / fetch.results.engine.opsPerSec
    out.push({ target: 'pubsub-fetch: engine fetch time <= 2x raw RESP read time', measured: `${t.toFixed(2)}x (${ms(1000 / fetch.results.engine.opsPerSec)} ms vs ${ms(1000 / fetch.results.limit.opsPerSec)} ms)`, met: t <= 2 })
  }
  const rep = by.get('replay')
  if (rep) out.push({ target: 'replay: engine >= 200,000 events/s', measured: `${int(rep.results.engine.opsPerSec)} events/s`, met: rep.results.engine.opsPerSec >= 200_000 })
  return out
}

export function targetsTable(checks: readonly TargetCheck[]): string {
  return table(['target', 'measured', ''], checks.map((c) => [c.target, c.measured, c.met ? 'met' : 'not met']))
}

/** Round to keep the JSON readable. */
function tidy(r: ContenderResult): ContenderResult {
  const round = (n: number, d: number): number => Number(n.toFixed(d))
  const extra = r.extra ? Object.fromEntries(Object.entries(r.extra).map(([k, v]) => [k, round(v, 3)])) : undefined
  return {
    ...r,
    opsPerSec: round(r.opsPerSec, 1),
    p50Ms: round(r.p50Ms, 3),
    p99Ms: round(r.p99Ms, 3),
    rssMb: round(r.rssMb, 1),
    rssStartMb: round(r.rssStartMb, 1),
    wallMs: round(r.wallMs, 1),
    cpuUsPerOp: round(r.cpuUsPerOp, 2),
    cpuPct: round(r.cpuPct, 1),
    redisCpuUsPerOp: round(r.redisCpuUsPerOp, 2),
    ...(extra ? { extra } : {}),
  }
}

export function tidyScenario(s: ScenarioResult): ScenarioResult {
  const { limit, ioredis, peer, engine } = s.results
  return { ...s, results: { limit: tidy(limit), ioredis: tidy(ioredis), ...(peer ? { peer: tidy(peer) } : {}), engine: tidy(engine) } }
}

export function writeJson(file: string, body: object): void {
  writeFileSync(file, `${JSON.stringify(body, null, 2)}\n`)
}
