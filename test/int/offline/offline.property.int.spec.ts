/**
 * Model-based property test of offline messages (queue, pubsub, keep-latest)
 * against a real redis-server: random sequences of connect, subscribe,
 * unsubscribe, publish, ack, disconnect and clock steps are run both on the
 * engine and on a reference model (plain TypeScript, no Redis) that states
 * what every subscribe fetch must deliver.
 *
 * Checked while a sequence runs (each check can fail on its own):
 *   1. every fetch delivers exactly what the model predicts (per topic, in order, with the capped QoS);
 *   2. within one fetch, each topic's messages come in publish order;
 *   3. a pubsub client never gets a message again once it acked it or a later message of that topic;
 *   4. a queue message is never held by two consumers at once, and never delivered again once acked.
 * Checked after it:
 *   5. the unexpired ids in `<prefix>msg:<topic>` (and the queue claims) equal the model's stored
 *      messages, `<prefix>latest_msg:<topic>` the model's newest, and `<prefix>acked:<client>:<topic>`
 *      the model's last acked id (pubsub, keep-latest) wherever the model has one.
 *
 * Semantics of the model: only QoS > 0 publishes on stored topics are kept, until
 * publish time + min(expiredTimeSec, own expiry if > 0); a subscribe fetches when its QoS
 * is > 0 and the filter is not yet subscribed with QoS > 0 on this connection (a QoS 0
 * subscription upgraded to QoS 1 fetches, as the session machine documents) and a mode's
 * rule filter covers it; pubsub: messages after max(cursor, start), the cursor moving
 * forward on every ack; queue: held by the fetching consumer until its ack (deleted) or its
 * disconnect (released); keep-latest: the newest message unless the client acked that id.
 *
 * No broker routes live messages here, so clients receive messages only through fetches.
 * Each run uses its own key prefix instead of flushing Redis. A failure prints
 * fast-check's seed and path, the commands, and the steps the model saw.
 *
 * The parts live in ./model: world.ts (rules, clients, topics, filters),
 * offline-model.ts (the model and predictFetch), commands.ts (the commands and
 * their arbitraries), check-delivery.ts (properties 1-4), check-redis.ts (property 5).
 */
import fc from 'fast-check'
import { describe, it } from 'vitest'
import { createEngine } from '../../../src/engine/engine.js'
import { createLogger } from '../../../src/util/logger.js'
import { RecordingHost } from '../../support/recording-host.js'
import { useRedis } from '../../support/redis.js'
import { checkRedis } from './model/check-redis.js'
import { Ack, Advance, commandArbs, Connect, Disconnect, Publish, Session, Subscribe, Unsubscribe, type Cmd } from './model/commands.js'
import { newModel } from './model/offline-model.js'
import { CLIENTS, RULES, type Real } from './model/world.js'

const redis = useRedis()

/**
 * Counterexamples found earlier, replayed before the random ones (from the
 * state every run starts in: c1, c2, c3 connected).
 */
const EXAMPLES: Array<[Iterable<Cmd>]> = [
  // pubsub: an ack of a message the sweeper already removed does not move the cursor,
  // so the older, unexpired m1 comes back although c1 acked the later m2.
  [[new Publish('pubsub/a', 1, undefined), new Publish('pubsub/a', 1, 5), new Subscribe('c1', 'pubsub/a', 1), new Advance(5), new Ack(1), new Connect('c1'), new Subscribe('c1', 'pubsub/a', 1)]],
  // pubsub: unsubscribe + subscribe brings back a message c1 acked (see UNSUBSCRIBE_FORGETS_ACKS in model/offline-model.ts).
  [[new Publish('pubsub/a', 1, undefined), new Subscribe('c1', 'pubsub/a', 1), new Ack(0), new Unsubscribe('c1', 0), new Subscribe('c1', 'pubsub/a', 1)]],
  // keep-latest: acking the newest m2 and then the superseded m1 brings m2 back.
  [[new Publish('latest/a', 1, undefined), new Subscribe('c1', 'latest/a', 1), new Publish('latest/a', 1, undefined), new Subscribe('c1', 'latest/+', 1), new Ack(1), new Ack(0), new Connect('c1'), new Subscribe('c1', 'latest/a', 1)]],
  // queue: released on disconnect, then fetched by another consumer; QoS 0 then QoS 1 on one filter.
  [[new Publish('queue/a', 2, 30), new Subscribe('c1', 'queue/+', 1), new Disconnect('c1'), new Subscribe('c2', 'queue/a', 0), new Subscribe('c2', 'queue/a', 1), new Ack(0), new Session('c1', 'queue/+', 1)]],
  // queue: a hold taken on a connection that was then taken over is released at the next disconnect.
  [[new Publish('queue/a', 2, undefined), new Session('c2', 'queue/a', 1), new Session('c2', 'queue/a', 0), new Disconnect('c2')]],
]

let run = 0

describe('offline messages vs a reference model (real Redis)', () => {
  it('fetches, acks, holds, cursors and stored state follow the model', async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commandArbs, { maxCommands: 25, size: 'max' }), async (cmds) => {
        run += 1
        // Far ahead of the wall clock, so Redis' own PEXPIREAT never removes a message the model still has.
        const start = Date.now() + 86_400_000
        const clock = { now: start }
        const engine = createEngine({
          redis: redis.url,
          prefix: `op${run}:`,
          node: 'n1',
          logger: createLogger({ level: 'silent' }),
          clock: () => clock.now,
          sweepIntervalMs: 0,
          offline: RULES,
        })
        const host = new RecordingHost()
        engine.attach(host)
        const model = newModel(start)
        const real: Real = { engine, host, prefix: `op${run}:`, clock }
        try {
          // Every run starts with all clients connected, so few generated commands are skipped.
          for (const c of CLIENTS) await new Connect(c).run(model, real)
          await fc.asyncModelRun(() => ({ model, real }), cmds)
          await engine.settled()
          await checkRedis(model, real, redis.client)
        } finally {
          await engine.close()
        }
      }),
      { numRuns: 500, examples: EXAMPLES },
    )
  }, 120_000)
})
