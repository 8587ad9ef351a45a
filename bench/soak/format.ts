/**
 * The soak's printed lines: one per sample, and the summary at the end.
 */
import type { Latency, SoakSample, SoakSummary } from './run.js'

const MiB = 1024 * 1024
export const mib = (b: number | null): string => (b === null ? '-' : `${(b / MiB).toFixed(0)} MiB`)
const ms = (x: number | null): string => (x === null ? '-' : x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0))
const int = (x: number): string => x.toLocaleString('en-US')
const lat = (l: Latency): string => `p50 ${ms(l.p50Ms)} ms, p99 ${ms(l.p99Ms)} ms, p99.9 ${ms(l.p999Ms)} ms, max ${ms(l.maxMs)} ms`

export function formatSample(s: SoakSample, connections: number): string {
  return (
    `[${s.t.toFixed(0).padStart(4)} s] ${s.phase.padEnd(10)} up ${int(s.up)}/${int(connections)}` +
    (s.failed || s.dropped ? ` (failed ${s.failed}, dropped ${s.dropped})` : '') +
    ` | sent ${int(s.sent)} acked ${int(s.acked)} recv ${int(s.received)} (${int(s.sentPerSec)}/s out, ${int(s.receivedPerSec)}/s in)` +
    ` shared ${s.sharedSent}/${int(s.sharedReceived)}` +
    ` | p50 ${ms(s.p50Ms)} ms p99 ${ms(s.p99Ms)} ms` +
    ` | RSS serve ${mib(s.serveRss)} soak ${mib(s.soakRss)} | redis ${s.redisKeys === null ? '-' : int(s.redisKeys)} keys ${mib(s.redisUsedMemory)}`
  )
}

export function formatSummary(r: SoakSummary): string[] {
  const d = r.direct
  const sh = r.shared
  const c = r.connections
  const out = [
    `soak summary (${r.totalSec.toFixed(0)} s in all${r.aborted ? `; STOPPED EARLY: ${r.aborted}` : ''})`,
    `  connections: ${int(c.up)} of ${int(c.attempted)} came up in ${c.connectSec.toFixed(1)} s (${c.failed} failed, ${c.dropped} dropped later, ${c.reconnects} reconnects)` +
      (c.attempted < c.requested ? `; ${int(c.requested)} requested, limited by ${r.limits.limitedBy}` : ''),
    `  direct messages: ${int(d.sent)} sent in ${r.publishSec.toFixed(1)} s (${int(Math.round(d.achievedRate))}/s of ${int(r.options.rate)}/s asked` +
      `${d.heldBack ? `; ${int(d.heldBack)} not sent, ${int(r.options.maxInflight)} already awaiting PUBACK` : ''}${d.overCapacity ? `; ${int(d.overCapacity)} over the run's bound` : ''}), ` +
      `${int(d.acked)} acked, ${d.failed} failed, ${int(d.received)} delivered`,
    `  shared messages: ${sh.sent} sent, ${sh.acked} acked, ${int(sh.received)} of ${int(sh.expected)} deliveries expected`,
    `  LOST (acked, never delivered): ${r.lost} (direct ${d.lost}, shared ${sh.lost}${d.lostToDropped + sh.lostToDropped ? `; ${d.lostToDropped + sh.lostToDropped} to connections that dropped` : ''})` +
      `; duplicates: ${r.duplicates} (direct ${d.duplicates}, shared ${sh.duplicates}); DUP-flagged deliveries ${r.dupFlag}; delivered without PUBACK ${d.deliveredUnacked}; misrouted ${r.misrouted}; foreign ${r.foreign}`,
    r.drained === null
      ? '  drain: not reached'
      : `  drain: ${r.drained ? 'everything acknowledged arrived' : 'NOT everything acknowledged arrived'} ${r.drainSec.toFixed(1)} s after publishing stopped`,
    `  latency, publish to delivery: direct ${lat(d.latency)}; shared (fan-out to every connection) ${lat(sh.latency)}`,
    `  RSS: serve peak ${mib(r.serveRss.peak)}, final ${mib(r.serveRss.final)}; soak (${r.options.workers} worker threads) peak ${mib(r.soakRss.peak)}, final ${mib(r.soakRss.final)}`,
    `  redis after serve stopped: ${r.redis.keys === null ? '-' : int(r.redis.keys)} keys (DBSIZE), used_memory ${mib(r.redis.usedMemory)} (peak ${mib(r.redis.usedMemoryPeak)})`,
    `  serve: exit code ${r.serveExitCode}, ${r.serveWarnings} warning lines${r.serveWarningMessages.length ? `: ${r.serveWarningMessages.map(([m, k]) => `"${m}" x${k}`).join(', ')}` : ''}`,
  ]
  if (r.errors.length) out.push(`  errors (first ${r.errors.length}):`, ...r.errors.map((e) => `    ${e.split('\n')[0]}`))
  return out
}
