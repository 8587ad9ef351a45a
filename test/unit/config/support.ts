/** Helpers shared by the config specs (not a spec itself). */
import { expect } from 'vitest'
import { ConfigError, type BackendConfig } from '../../../src/config/model.js'

/** Runs `fn`, expects a ConfigError and returns it. */
export function configError(fn: () => unknown): ConfigError {
  try {
    fn()
  } catch (e) {
    if (e instanceof ConfigError) return e
    throw e
  }
  throw new Error('expected a ConfigError, nothing was thrown')
}

/** Expects `fn` to throw a ConfigError at `file:line` whose problem contains every fragment. */
export function expectConfigError(fn: () => unknown, file: string, line: number, ...fragments: string[]): ConfigError {
  const e = configError(fn)
  expect({ file: e.file, line: e.line }).toEqual({ file, line })
  for (const f of fragments) expect(e.problem).toContain(f)
  return e
}

/** The config without `source` fields, to compare what was declared regardless of where. */
export function withoutSources(c: BackendConfig): unknown {
  return {
    ...c,
    pools: c.pools.map(({ source: _s, ...p }) => p),
    hooks: c.hooks.map(({ source: _s, ...h }) => h),
  }
}

/** Joins lines into a conf text; line N of the result is `lines[N - 1]`. */
export const conf = (...lines: string[]): string => lines.join('\n')
