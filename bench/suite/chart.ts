/**
 * The growth chart as hand-written SVG: ops/s (log scale) against work size
 * (log scale), one panel per dimension (clients, topics), one line per
 * contender and scenario (colour: contender; dash: scenario).
 */
import type { ContenderName } from './measure.js'

export interface Series {
  readonly contender: ContenderName
  readonly scenario: string
  readonly dimension: string
  /** [size, ops/s], sizes increasing. */
  readonly points: ReadonlyArray<readonly [number, number]>
}

const COLOR: Record<ContenderName, string> = { limit: '#1b7837', ioredis: '#5e3c99', peer: '#d95f02', engine: '#c51b7d' }
const DASHES = ['', '8 4', '2 3', '10 3 2 3']

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

function fmtSize(n: number): string {
  if (n >= 1_000_000) return `${n / 1_000_000}M`
  if (n >= 1000) return `${n / 1000}k`
  return String(n)
}

/** Decades covering [lo, hi]. */
function decades(lo: number, hi: number): number[] {
  const out: number[] = []
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) out.push(10 ** e)
  return out
}

export function growthSvg(title: string, subtitle: string, dimensions: readonly string[], series: readonly Series[]): string {
  const panelW = 420
  const panelH = 320
  const left = 70
  const top = 70
  const gap = 60
  const scenarios = [...new Set(series.map((s) => s.scenario))]
  const contenders = [...new Set(series.map((s) => s.contender))]
  const legendH = 24 + 18 * Math.max(scenarios.length, contenders.length)
  const width = left + dimensions.length * panelW + (dimensions.length - 1) * gap + 30
  const height = top + panelH + 50 + legendH
  const ys = series.flatMap((s) => s.points.map(([, y]) => y)).filter((y) => y > 0)
  const yTicks = decades(Math.min(...ys, 1000), Math.max(...ys, 10_000))
  const yLo = Math.log10(yTicks[0] ?? 1)
  const yHi = Math.log10(yTicks[yTicks.length - 1] ?? 10)
  const out: string[] = []
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`)
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`)
  out.push(`<text x="${left}" y="24" font-size="16" font-weight="bold">${esc(title)}</text>`)
  out.push(`<text x="${left}" y="44" fill="#555">${esc(subtitle)}</text>`)
  dimensions.forEach((dim, d) => {
    const x0 = left + d * (panelW + gap)
    const inDim = series.filter((s) => s.dimension === dim)
    const xs = inDim.flatMap((s) => s.points.map(([x]) => x))
    const xTicks = [...new Set(xs)].sort((a, b) => a - b)
    const xLo = Math.log10(xTicks[0] ?? 1)
    const xHi = Math.log10(xTicks[xTicks.length - 1] ?? 10)
    const px = (x: number): number => x0 + 20 + ((Math.log10(x) - xLo) / (xHi - xLo || 1)) * (panelW - 40)
    const py = (y: number): number => top + panelH - ((Math.log10(y) - yLo) / (yHi - yLo || 1)) * panelH
    out.push(`<rect x="${x0}" y="${top}" width="${panelW}" height="${panelH}" fill="none" stroke="#999"/>`)
    for (const t of yTicks) {
      out.push(`<line x1="${x0}" x2="${x0 + panelW}" y1="${py(t)}" y2="${py(t)}" stroke="#e5e5e5"/>`)
      out.push(`<text x="${x0 - 6}" y="${py(t) + 4}" text-anchor="end">${fmtSize(t)}</text>`)
    }
    for (const t of xTicks) {
      out.push(`<line x1="${px(t)}" x2="${px(t)}" y1="${top}" y2="${top + panelH}" stroke="#eeeeee"/>`)
      out.push(`<text x="${px(t)}" y="${top + panelH + 16}" text-anchor="middle">${fmtSize(t)}</text>`)
    }
    out.push(`<text x="${x0 + panelW / 2}" y="${top + panelH + 36}" text-anchor="middle" font-weight="bold">${esc(dim)} (log scale)</text>`)
    out.push(`<text transform="translate(${x0 - 48} ${top + panelH / 2}) rotate(-90)" text-anchor="middle">ops/s (log scale)</text>`)
    for (const s of inDim) {
      const color = COLOR[s.contender]
      const dash = DASHES[scenarios.indexOf(s.scenario) % DASHES.length] ?? ''
      const pts = s.points.filter(([, y]) => y > 0).map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`)
      out.push(`<polyline points="${pts.join(' ')}" fill="none" stroke="${color}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''}><title>${esc(`${s.contender} ${s.scenario}`)}</title></polyline>`)
      for (const [x, y] of s.points) {
        if (y > 0) out.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3" fill="${color}"><title>${esc(`${s.contender} ${s.scenario} ${dim}=${fmtSize(x)}: ${Math.round(y).toLocaleString('en-US')} ops/s`)}</title></circle>`)
      }
    }
  })
  const ly = top + panelH + 60
  out.push(`<text x="${left}" y="${ly}" font-weight="bold">contender (colour)</text>`)
  contenders.forEach((c, i) => {
    const y = ly + 18 * (i + 1)
    out.push(`<line x1="${left}" x2="${left + 30}" y1="${y - 4}" y2="${y - 4}" stroke="${COLOR[c]}" stroke-width="3"/>`)
    out.push(`<text x="${left + 38}" y="${y}">${esc(c)}</text>`)
  })
  const lx = left + 260
  out.push(`<text x="${lx}" y="${ly}" font-weight="bold">scenario (line style)</text>`)
  scenarios.forEach((s, i) => {
    const y = ly + 18 * (i + 1)
    const dash = DASHES[i % DASHES.length] ?? ''
    out.push(`<line x1="${lx}" x2="${lx + 40}" y1="${y - 4}" y2="${y - 4}" stroke="#333" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`)
    out.push(`<text x="${lx + 48}" y="${y}">${esc(s)}</text>`)
  })
  out.push('</svg>')
  return `${out.join('\n')}\n`
}
