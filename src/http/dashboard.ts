/**
 * The dashboard page: one self-contained HTML file (inline CSS and JS, no
 * external URL) beside this module in src/http, which the package ships;
 * from dist/src/http it is found in the package's src/http.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const CANDIDATES = ['./dashboard.html', '../../../src/http/dashboard.html']

let page: string | null = null

export function dashboardPage(): string {
  if (page !== null) return page
  for (const rel of CANDIDATES) {
    try {
      page = readFileSync(fileURLToPath(new URL(rel, import.meta.url)), 'utf8')
      return page
    } catch {
      // try the next place
    }
  }
  throw new Error('src/http/dashboard.html is missing from the package')
}
