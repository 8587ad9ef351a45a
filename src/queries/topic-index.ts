/**
 * Wildcard lookups over a topic index kept by the projections: a sorted set
 * with every score 0, so ordered by bytes. The filter's literal prefix bounds
 * a ZRANGEBYLEX, paged, and candidates are matched against the filter here.
 * No KEYS, no SCAN.
 */
import type { EngineRedis } from '../redis/connect.js'
import { hasWildcard, literalPrefix, matches } from '../topics/topic.js'

const PAGE = 1000

/** Every topic in the index `indexKey` that the filter matches, in byte order. */
export async function matchingIndexedTopics(redis: EngineRedis, indexKey: string, filter: string): Promise<string[]> {
  if (!hasWildcard(filter)) {
    const score = await redis.zscore(indexKey, filter)
    return score === null ? [] : [filter]
  }
  const prefix = Buffer.from(literalPrefix(filter), 'utf8')
  const max = prefix.length === 0 ? Buffer.from('+') : Buffer.concat([Buffer.from('['), prefix, Buffer.from([0xff])])
  let min = prefix.length === 0 ? Buffer.from('-') : Buffer.concat([Buffer.from('['), prefix])
  const out: string[] = []
  for (;;) {
    const page = await redis.zrangebylexBuffer(indexKey, min, max, 'LIMIT', 0, PAGE)
    for (const t of page) {
      const topic = t.toString('utf8')
      if (matches(filter, topic)) out.push(topic)
    }
    if (page.length < PAGE) return out
    min = Buffer.concat([Buffer.from('('), page[page.length - 1] as Buffer])
  }
}
