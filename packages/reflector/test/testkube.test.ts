/**
 * The reflector against the in-memory apiserver (`TestKube`) through the real `KubeApi` client:
 * the store converges to the server's state through closed watches, 410s (compaction), 429/500
 * bursts and hung watches.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import * as TestClock from "effect/TestClock"
import { KubeApi } from "@effect-kube/client/KubeApi"
import * as Kinds from "@effect-kube/core/Kinds"
import type { KubeObject } from "@effect-kube/core/Meta"
import * as Patch from "@effect-kube/core/Patch"
import * as Resource from "@effect-kube/core/Resource"
import * as Store from "@effect-kube/store/Store"
import { ApiServer } from "@effect-kube/testing/ApiServer"
import * as TestKube from "@effect-kube/testing/TestKube"
import * as Reflector from "../src/Reflector.js"
import * as Watcher from "../src/Watcher.js"
import { settle } from "./fakeApi.js"

const configMap = (name: string, namespace = "default", value = "0"): Kinds.ConfigMap => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace },
  data: { v: value }
})

const seed = [
  configMap("a"),
  configMap("b"),
  configMap("c"),
  configMap("d"),
  configMap("e"),
  configMap("x", "other"),
  configMap("y", "other")
]

const summary = (objects: ReadonlyArray<KubeObject>): Record<string, string | undefined> =>
  Object.fromEntries(objects.map((o) => [`${o.metadata.namespace}/${o.metadata.name}`, o.metadata.resourceVersion]))

/** Starts a reflector on ConfigMaps in "default" and returns what the tests need. */
const setup = (options?: Watcher.WatcherOptions) =>
  Effect.gen(function* () {
    const kube = yield* KubeApi
    const server = yield* ApiServer
    const api = kube.resource(Resource.untyped(Kinds.ConfigMap), { namespace: "default" })
    const typed = kube.resource(Kinds.ConfigMap, { namespace: "default" })
    const writer = Store.makeWriter<KubeObject>()
    const handle = yield* Watcher.watcherWithStatus(api, options)
    yield* handle.events.pipe(Reflector.reflect(writer), Stream.runDrain, Effect.forkScoped)
    yield* settle
    yield* writer.store.synced

    let round = 0
    /** Creates two objects, updates one, deletes one — through the client, like a user would. */
    const churn = Effect.gen(function* () {
      round++
      yield* typed.create(configMap(`r${round}-a`))
      yield* typed.create(configMap(`r${round}-b`))
      yield* typed.patch(round === 1 ? "a" : `r${round - 1}-b`, Patch.merge({ data: { v: String(round) } }))
      yield* typed.delete(round === 1 ? "b" : `r${round - 1}-a`)
    })
    const expectConverged = Effect.gen(function* () {
      const truth = yield* server.list(Kinds.ConfigMap, "default")
      expect(summary(writer.store.list())).toEqual(summary(truth))
    })
    const count = (verb: "list" | "watch") => server.requestCount({ verb })
    const status = SubscriptionRef.get(handle.status)
    /** Advances the clock in small steps so every backoff and timeout fires in order. */
    const advance = (seconds: number, step = 1) =>
      Effect.gen(function* () {
        for (let t = 0; t < seconds; t += step) {
          yield* TestClock.adjust(`${step} seconds`)
          yield* settle
        }
      })
    /** Writes the watcher does not see (hung watch), then drops the history and closes the watch. */
    const fallBehindAndCompact = Effect.gen(function* () {
      yield* server.faults.hangWatches(true)
      yield* churn
      yield* server.faults.compact
      yield* server.faults.hangWatches(false)
      yield* server.faults.closeWatches
      yield* settle
    })
    return { server, writer, handle, churn, expectConverged, count, status, advance, fallBehindAndCompact }
  })

const provide = <A, E>(effect: Effect.Effect<A, E, KubeApi | ApiServer | Scope.Scope>) =>
  effect.pipe(
    Effect.scoped,
    Effect.provide(TestKube.layer({ objects: seed })),
    Effect.withRandom(Random.fixed([0.999999]))
  )

describe("reflector against TestKube", () => {
  it.effect("converges through closed watches (no relist), 410s, 500 and 429 bursts, and hung watches", () =>
    provide(
      Effect.gen(function* () {
        const t = yield* setup({ pageSize: 2, idleTimeout: "90 seconds" })
        yield* t.expectConverged
        expect(t.writer.store.size()).toBe(5)
        const initialLists = yield* t.count("list")
        expect(initialLists).toBe(3) // 5 objects, pages of 2

        // live events
        yield* t.churn
        yield* settle
        yield* t.expectConverged

        // watch closed by the server: resume from the last RV, no relist
        yield* t.advance(5)
        yield* t.server.faults.closeWatches
        yield* t.churn
        yield* settle
        yield* t.expectConverged
        expect(yield* t.count("list")).toBe(initialLists)

        // the watcher falls behind, history is compacted: the resumed watch gets 410 → relist
        yield* t.advance(5)
        yield* t.fallBehindAndCompact
        yield* t.expectConverged
        expect(yield* t.count("list")).toBeGreaterThan(initialLists)
        expect((yield* t.status).relists).toBe(1)

        // a burst of 500s on the watch: backoff (the 410 above was < 2 min ago, so 1.6 + 3.2 + 6.4 s), resume
        yield* t.advance(5)
        const failuresBefore = (yield* t.status).failures
        yield* t.server.faults.failNext(3, { code: 500, match: (r) => r.query?.watch === "true" })
        yield* t.server.faults.closeWatches
        yield* settle
        yield* t.churn
        yield* t.advance(8)
        expect(yield* t.status).toMatchObject({ phase: "BackingOff", healthy: false })
        yield* t.advance(4)
        yield* t.expectConverged
        expect((yield* t.status).failures - failuresBefore).toBe(3)

        // 429 with Retry-After, after 2 healthy minutes (backoff reset): no new watch before 5 s
        yield* t.advance(130, 10)
        yield* t.server.faults.failNext(1, { code: 429, retryAfterSeconds: 5, match: (r) => r.query?.watch === "true" })
        yield* t.server.faults.closeWatches
        yield* settle
        const watchesAfter429 = yield* t.count("watch")
        yield* t.churn
        yield* TestClock.adjust("4900 millis")
        yield* settle
        expect(yield* t.count("watch")).toBe(watchesAfter429)
        yield* TestClock.adjust("100 millis")
        yield* settle
        expect(yield* t.count("watch")).toBe(watchesAfter429 + 1)
        yield* t.expectConverged

        // a half-dead connection (the mock's hung watch delivers nothing): the client's inactivity
        // timeout (90 s here) breaks it and the watcher backs off; the re-watch from the last RV
        // replays what was missed. (The mock drops a hung watch's frames, so un-hang it before
        // the re-watch, as a recovered network would.)
        yield* t.advance(5)
        yield* t.server.faults.hangWatches(true)
        yield* t.server.faults.closeWatches
        yield* settle
        yield* t.churn
        yield* t.advance(90, 5)
        const s = yield* t.status
        expect(s.phase).toBe("BackingOff")
        expect(s.lastError._tag === "Some" && s.lastError.value._tag).toBe("TransportError")
        expect(Object.keys(summary(t.writer.store.list()))).not.toContain("default/r6-a")
        yield* t.server.faults.hangWatches(false)
        yield* t.advance(10)
        yield* t.expectConverged
        expect((yield* t.status).healthy).toBe(true)
      })
    )
  )

  it.effect("streaming list against the mock: no list request, converges, relists by streaming after a 410", () =>
    provide(
      Effect.gen(function* () {
        const t = yield* setup({ initialList: "StreamingList" })
        yield* t.expectConverged
        yield* t.churn
        yield* settle
        yield* t.expectConverged
        yield* t.fallBehindAndCompact
        yield* t.expectConverged
        expect(yield* t.count("list")).toBe(0)
        expect(yield* t.status).toMatchObject({ initialList: "StreamingList", relists: 1, synced: true })
      })
    )
  )

  it.effect("forced relist against the mock: the store ends identical, relist counted", () =>
    provide(
      Effect.gen(function* () {
        const t = yield* setup()
        yield* t.churn
        yield* settle
        const lists = yield* t.count("list")
        yield* t.handle.relist
        yield* settle
        yield* t.expectConverged
        expect(yield* t.count("list")).toBe(lists + 1)
        expect((yield* t.status).relists).toBe(1)
      })
    )
  )

  it.effect("watch server timeouts re-watch from the last RV over a long quiet period", () =>
    provide(
      Effect.gen(function* () {
        const t = yield* setup()
        const lists = yield* t.count("list")
        yield* t.advance(3600, 30)
        yield* t.churn
        yield* settle
        yield* t.expectConverged
        expect(yield* t.count("list")).toBe(lists)
        // one watch per server timeout (300 s with this Random), no failures
        expect(yield* t.count("watch")).toBeGreaterThanOrEqual(12)
        expect((yield* t.status).failures).toBe(0)
      })
    )
  )
})
