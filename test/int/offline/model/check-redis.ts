/** The check made after a sequence (property 5 of offline.property.int.spec.ts): the keys in Redis against the model. */
import type { Redis } from 'ioredis'
import { expect } from 'vitest'
import { alive, context, type Model } from './offline-model.js'
import { CLIENTS, MODE_OF, TOPICS, type Real } from './world.js'

/** 5. Redis after the sequence, against the model. */
export async function checkRedis(m: Model, r: Real, rc: Redis): Promise<void> {
  const p = r.prefix
  const label = (id: string | null): string | null => (id === null ? null : (m.byId.get(id)?.label ?? `unknown:${id}`))
  const where = `Redis after the sequence${context(m)}`
  for (const t of TOPICS) {
    const mode = MODE_OF[t]
    if (mode === 'queue' || mode === 'pubsub') {
      const ids = await rc.zrange(`${p}msg:${t}`, 0, -1)
      const live: string[] = []
      for (const id of ids) {
        const exp = await rc.hget(`${p}msg:${id}`, 'expire_at')
        if (exp !== null && Number(exp) > m.now) live.push(id)
      }
      const want = (m.stored.get(t) ?? []).filter((x) => alive(m, x))
      expect(live.map(label), `${where}\n  unexpired ids in ${p}msg:${t}`).toEqual(want.map((x) => x.label))
      if (mode === 'queue') {
        const claims = await rc.hgetall(`${p}idx:claims:${t}`)
        const gotClaims = Object.fromEntries(Object.entries(claims).filter(([id]) => live.includes(id)).map(([id, c]) => [label(id), c]))
        const wantClaims = Object.fromEntries(want.filter((x) => m.holder.has(x.id)).map((x) => [x.label, m.holder.get(x.id)]))
        expect(gotClaims, `${where}\n  holders of ${t}`).toEqual(wantClaims)
      }
    }
    if (mode === 'latest') {
      const newest = m.latest.get(t)
      if (newest) expect(label(await rc.get(`${p}latest_msg:${t}`)), `${where}\n  ${p}latest_msg:${t}`).toBe(newest.label)
    }
  }
  for (const c of CLIENTS) {
    const cs = m.clients[c]
    for (const t of TOPICS) {
      const want = MODE_OF[t] === 'pubsub' ? cs.cursorId.get(t) : MODE_OF[t] === 'latest' ? cs.latestLast.get(t) : undefined
      if (want === undefined) continue
      expect(label(await rc.get(`${p}acked:${c}:${t}`)), `${where}\n  ${p}acked:${c}:${t}`).toBe(label(want))
    }
  }
}
