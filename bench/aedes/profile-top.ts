/**
 * The top self-time functions of a V8 CPU profile (`node --cpu-prof`), and
 * the same time summed by package (node_modules/<name>, this project's
 * files, Node's internals, GC).
 *
 * Usage: node dist/bench/aedes/profile-top.js <file.cpuprofile> [--top 25]
 */
import { readFileSync } from 'node:fs'
import { fmtInt, numberArg, printTable } from './common.js'

interface ProfileNode {
  readonly id: number
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number }
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[]
  readonly samples: readonly number[]
  readonly timeDeltas: readonly number[]
}

function area(url: string, fn: string): string {
  if (url === '') return fn.startsWith('(') ? fn : '(native)'
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)
  if (m?.[1]) return m[1]
  if (url.startsWith('node:')) return 'node internals'
  const own = /\/dist\/((?:src|projections|machines|bench)\/[^/]+)/.exec(url)
  if (own?.[1]) return `project ${own[1].replace(/\.js$/, '')}`
  return url
}

function short(url: string): string {
  const i = url.lastIndexOf('node_modules/')
  if (i >= 0) return url.slice(i + 'node_modules/'.length)
  const d = url.indexOf('/dist/')
  if (d >= 0) return url.slice(d + '/dist/'.length)
  return url.replace(/^file:\/\//, '')
}

const file = process.argv[2]
if (!file) throw new Error('usage: profile-top.js <file.cpuprofile> [--top N]')
const top = numberArg('top', 25)
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile
const byId = new Map(profile.nodes.map((n) => [n.id, n]))
const selfUs = new Map<number, number>()
let totalUs = 0
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0
  totalUs += dt
  selfUs.set(id, (selfUs.get(id) ?? 0) + dt)
})

const byFunction = new Map<string, number>()
const byArea = new Map<string, number>()
for (const [id, us] of selfUs) {
  const n = byId.get(id)
  if (!n) continue
  const { functionName, url, lineNumber } = n.callFrame
  const name = `${functionName || '(anonymous)'} ${url ? `${short(url)}:${lineNumber + 1}` : ''}`.trim()
  byFunction.set(name, (byFunction.get(name) ?? 0) + us)
  const a = area(url, functionName)
  byArea.set(a, (byArea.get(a) ?? 0) + us)
}

const pct = (us: number): string => `${((us / totalUs) * 100).toFixed(1)}%`
const sorted = (m: Map<string, number>): Array<[string, number]> => [...m].sort((a, b) => b[1] - a[1])
console.log(`${file}: ${fmtInt(totalUs / 1000)} ms sampled\n`)
printTable(['self time by function', 'ms', 'share'], sorted(byFunction).slice(0, top).map(([k, us]) => [k, fmtInt(us / 1000), pct(us)]))
console.log('')
printTable(['self time by package', 'ms', 'share'], sorted(byArea).slice(0, top).map(([k, us]) => [k, fmtInt(us / 1000), pct(us)]))
