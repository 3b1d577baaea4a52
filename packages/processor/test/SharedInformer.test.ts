import { describe, expect, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import * as TestClock from "effect/TestClock"
import { Forbidden } from "@effect-kube/core/Errors"
import type { KubeObject } from "@effect-kube/core/Meta"
import * as Store from "@effect-kube/store/Store"
import * as fanout from "../src/internal/fanout.js"
import * as SharedInformer from "../src/SharedInformer.js"
import {
  clusterTarget,
  cm,
  eventually,
  eventuallyEffect,
  fakeSource,
  initialStatus,
  recorder,
  replicaHandler,
  target
} from "./helpers.js"

const drained = (registration: SharedInformer.Registration) =>
  eventuallyEffect(
    Effect.map(registration.stats, (s) => s.pending === 0),
    `${registration.name} drained`
  )

const counterValue = (metric: Metric.Metric.Counter<number>, kind: string, handler: string) =>
  Effect.map(Metric.value(Metric.taggedWithLabels(metric, SharedInformer.handlerLabels(kind, handler))), (s) => s.count)

const gaugeValue = (metric: Metric.Metric.Gauge<number>, kind: string, handler: string) =>
  Effect.map(Metric.value(Metric.taggedWithLabels(metric, SharedInformer.handlerLabels(kind, handler))), (s) => s.value)

describe("SharedInformer", () => {
  it.scoped("delivers the initial list, then changes, in order; per-handler hasSynced", () =>
    Effect.gen(function* () {
      const source = yield* fakeSource
      const informer = yield* SharedInformer.fromSource(target("InitialKind"), source.handle)
      const { log, handler } = recorder()
      const registration = yield* informer.addHandler(handler, { name: "rec" })
      expect(yield* registration.hasSynced).toBe(false)
      expect(yield* informer.hasSynced).toBe(false)

      yield* source.relistWith("2", cm("a", "1"), cm("b", "2"))
      yield* registration.awaitSynced
      expect(yield* registration.hasSynced).toBe(true)
      expect(yield* informer.hasSynced).toBe(true)
      expect(log).toEqual(["add a@1 initial", "add b@2 initial"])

      yield* source.send(
        { _tag: "Apply", object: cm("a", "3") },
        { _tag: "Apply", object: cm("c", "4") },
        { _tag: "Delete", object: cm("b", "5") }
      )
      yield* eventually(() => log.length === 5)
      expect(log.slice(2)).toEqual(["update a 1->3", "add c@4", "delete b@5"])
      expect(informer.store.keys()).toEqual(["default/a", "default/c"])
      expect(yield* counterValue(SharedInformer.metrics.handlerEvents, "InitialKind", "rec")).toBe(5)
    })
  )

  it.scoped("a late handler gets the cache as initial adds, then only later changes", () =>
    Effect.gen(function* () {
      const source = yield* fakeSource
      const informer = yield* SharedInformer.fromSource(target("LateKind"), source.handle)
      yield* source.relistWith("2", cm("a", "1"), cm("b", "2"))
      yield* source.send({ _tag: "Apply", object: cm("a", "3") })
      yield* eventually(() => informer.store.get("default/a")?.metadata.resourceVersion === "3")

      const { log, handler } = recorder()
      const registration = yield* informer.addHandler(handler, { name: "late" })
      yield* registration.awaitSynced
      expect([...log].sort()).toEqual(["add a@3 initial", "add b@2 initial"])

      yield* source.send({ _tag: "Delete", object: cm("a", "4") })
      yield* eventually(() => log.length === 3)
      expect(log[2]).toBe("delete a@4")
    })
  )

  it.effect("late registration racing a busy writer: no gap, no duplicate", () =>
    Effect.gen(function* () {
      const fan = fanout.make("RaceKind", Store.makeWriter<KubeObject>())
      const writer = fan.writer
      const scope = yield* Scope.make()
      const early = replicaHandler()
      yield* fan.addHandler(early.handler).pipe(Scope.extend(scope))
      writer.beginRelist()
      for (let i = 0; i < 20; i++) writer.relistApply(cm(`o${i}`, String(i + 1)))
      writer.commitRelist("20")

      // A writer fiber that keeps changing the cache, yielding between writes so that the
      // registrations below interleave with it.
      let rv = 100
      const churn = Effect.gen(function* () {
        for (let step = 0; step < 400; step++) {
          const name = `o${(step * 7) % 30}`
          const key = `default/${name}`
          rv++
          if (step % 5 === 4 && writer.store.get(key) !== undefined) writer.delete(cm(name, String(rv)))
          else writer.apply(cm(name, String(rv)))
          if (step % 40 === 39) {
            writer.beginRelist()
            for (const object of writer.store.list()) {
              if (object.metadata.name !== "o1") writer.relistApply(object)
            }
            writer.relistApply(cm("fresh", String(++rv)))
            writer.commitRelist(String(rv))
          }
          yield* Effect.yieldNow()
        }
      })
      const writerFiber = yield* Effect.fork(churn)
      const late = Array.from({ length: 5 }, () => replicaHandler())
      for (const handler of late) {
        yield* Effect.yieldNow()
        yield* Effect.yieldNow()
        yield* fan.addHandler(handler.handler, { resyncPeriod: "1 hour" }).pipe(Scope.extend(scope))
      }
      yield* Fiber.join(writerFiber)
      const expected = new Map(writer.store.list().map((o) => [`default/${o.metadata.name}`, o]))
      for (const h of [early, ...late]) {
        yield* eventually(() => h.replica.size === expected.size && h.violations.length === 0 && sameState(h.replica))
        expect(h.violations).toEqual([])
        expect(h.replica).toEqual(expected)
      }
      yield* Scope.close(scope, Exit.void)
      expect(fan.subscriberCount()).toBe(0)

      function sameState(replica: Map<string, KubeObject>) {
        for (const [key, object] of expected) if (replica.get(key) !== object) return false
        return true
      }
    })
  )

  it.scoped("a slow handler does not block a fast one; its buffer and high-water mark grow", () =>
    Effect.gen(function* () {
      const source = yield* fakeSource
      const informer = yield* SharedInformer.fromSource(target("SlowKind"), source.handle)
      const gate = yield* Deferred.make<void>()
      const slowSeen: Array<string> = []
      const slow = yield* informer.addHandler(
        {
          onAdd: (o) =>
            Effect.zipRight(
              Deferred.await(gate),
              Effect.sync(() => slowSeen.push(o.metadata.name ?? ""))
            )
        },
        { name: "slow" }
      )
      const fast = recorder()
      const fastRegistration = yield* informer.addHandler(fast.handler, { name: "fast" })
      yield* source.relistWith("1", cm("first", "1"))
      for (let i = 0; i < 50; i++) yield* source.send({ _tag: "Apply", object: cm(`o${i}`, String(i + 2)) })

      yield* eventually(() => fast.log.length === 51, "fast handler saw every event")
      yield* drained(fastRegistration)
      const slowStats = yield* slow.stats
      // The initial add is stuck in the handler; the synced marker and the 50 adds wait behind it.
      expect(slowStats.delivered).toBe(0)
      expect(slowStats.pending).toBe(52)
      expect(slowStats.highWater).toBe(52)
      expect(yield* gaugeValue(SharedInformer.metrics.bufferHighWater, "SlowKind", "slow")).toBe(52)
      expect(yield* slow.hasSynced).toBe(false)
      expect(yield* fastRegistration.hasSynced).toBe(true)

      yield* Deferred.succeed(gate, undefined)
      yield* drained(slow)
      expect(slowSeen).toEqual(["first", ...Array.from({ length: 50 }, (_, i) => `o${i}`)])
      expect(yield* slow.hasSynced).toBe(true)
      expect(yield* gaugeValue(SharedInformer.metrics.bufferDepth, "SlowKind", "slow")).toBe(0)
    })
  )

  it.scoped("a failing handler is logged and counted, and keeps receiving", () =>
    Effect.gen(function* () {
      const source = yield* fakeSource
      const informer = yield* SharedInformer.fromSource(target("FailKind"), source.handle)
      const seen: Array<string> = []
      const registration = yield* informer.addHandler(
        {
          onAdd: (o) => {
            const name = o.metadata.name ?? ""
            if (name === "throws") throw new Error("thrown before returning an Effect")
            return Effect.gen(function* () {
              seen.push(name)
              if (name === "fails") return yield* Effect.fail("typed failure")
              if (name === "dies") return yield* Effect.die(new Error("defect"))
            })
          }
        },
        { name: "flaky" }
      )
      yield* source.relistWith("1")
      yield* source.send(
        { _tag: "Apply", object: cm("fails", "2") },
        { _tag: "Apply", object: cm("dies", "3") },
        { _tag: "Apply", object: cm("throws", "4") },
        { _tag: "Apply", object: cm("fine", "5") }
      )
      yield* eventually(() => seen.includes("fine"))
      yield* drained(registration)
      expect(seen).toEqual(["fails", "dies", "fine"])
      const stats = yield* registration.stats
      expect(stats.errors).toBe(3)
      expect(stats.delivered).toBe(4)
      expect(yield* counterValue(SharedInformer.metrics.handlerErrors, "FailKind", "flaky")).toBe(3)
    })
  )

  it.scoped("resync replays the cache as sync updates on the handler's period (TestClock), min 1 s", () =>
    Effect.gen(function* () {
      const source = yield* fakeSource
      const informer = yield* SharedInformer.fromSource(target("ResyncKind"), source.handle)
      const every10s = recorder()
      const clamped = recorder()
      const none = recorder()
      const r1 = yield* informer.addHandler(every10s.handler, { resyncPeriod: "10 seconds" })
      const r2 = yield* informer.addHandler(clamped.handler, { resyncPeriod: "100 millis" })
      const r3 = yield* informer.addHandler(none.handler)
      yield* source.relistWith("2", cm("a", "1"), cm("b", "2"))
      for (const r of [r1, r2, r3]) yield* r.awaitSynced
      const base = 2

      yield* TestClock.adjust("999 millis")
      for (const r of [r1, r2, r3]) yield* drained(r)
      expect(clamped.log.length).toBe(base)

      yield* TestClock.adjust("1 millis")
      yield* eventually(() => clamped.log.length === base + 2)
      expect(clamped.log.slice(base)).toEqual(["update a 1->1 sync", "update b 2->2 sync"])
      expect(every10s.log.length).toBe(base)

      yield* TestClock.adjust("9 seconds")
      yield* eventually(() => every10s.log.length === base + 2)
      expect(every10s.log.slice(base)).toEqual(["update a 1->1 sync", "update b 2->2 sync"])

      yield* TestClock.adjust("10 seconds")
      yield* eventually(() => every10s.log.length === base + 4)
      for (const r of [r1, r2, r3]) yield* drained(r)
      expect(none.log).toEqual(["add a@1 initial", "add b@2 initial"])
    })
  )

  it.scoped("a handler stuck behind its buffer gets at most one pending resync", () =>
    Effect.gen(function* () {
      const source = yield* fakeSource
      const informer = yield* SharedInformer.fromSource(target("StuckResync"), source.handle)
      const gate = yield* Deferred.make<void>()
      let resyncCalls = 0
      const registration = yield* informer.addHandler(
        {
          onAdd: () => Deferred.await(gate),
          onUpdate: (_old, _obj, isSync) =>
            Effect.sync(() => {
              if (isSync) resyncCalls++
            })
        },
        { name: "stuck", resyncPeriod: "1 second" }
      )
      yield* source.relistWith("2", cm("a", "1"), cm("b", "2"))
      yield* eventually(() => informer.store.size() === 2)
      for (let i = 0; i < 10; i++) yield* TestClock.adjust("1 second")
      // Stuck in the first add: the second add, the synced marker and one resync wait.
      expect((yield* registration.stats).pending).toBe(4)
      yield* Deferred.succeed(gate, undefined)
      yield* drained(registration)
      expect(resyncCalls).toBe(2)
    })
  )

  it.scoped("handlers may require services: they come from the context of addHandler", () =>
    Effect.gen(function* () {
      class Sink extends Context.Tag("test/Sink")<Sink, Array<string>>() {}
      const source = yield* fakeSource
      const informer = yield* SharedInformer.fromSource(target("ContextKind"), source.handle)
      const sink: Array<string> = []
      const registration = yield* informer
        .addHandler({ onAdd: (o) => Effect.map(Sink, (lines) => lines.push(o.metadata.name ?? "")) })
        .pipe(Effect.provideService(Sink, sink))
      yield* source.relistWith("1", cm("a", "1"))
      yield* registration.awaitSynced
      expect(sink).toEqual(["a"])
    })
  )

  it.scoped("relist replays: unchanged objects are syncs (only for resyncing handlers), changed ones updates", () =>
    Effect.gen(function* () {
      const source = yield* fakeSource
      const informer = yield* SharedInformer.fromSource(target("RelistKind"), source.handle)
      const resyncing = recorder()
      const plain = recorder()
      const r1 = yield* informer.addHandler(resyncing.handler, { resyncPeriod: "1 hour" })
      const r2 = yield* informer.addHandler(plain.handler)
      yield* source.relistWith("3", cm("same", "1"), cm("changed", "2"), cm("gone", "3"))
      yield* source.relistWith("5", cm("same", "1"), cm("changed", "4"), cm("new", "5"))
      yield* eventually(() => informer.store.get("default/new") !== undefined)
      yield* drained(r1)
      yield* drained(r2)
      expect(resyncing.log.slice(3)).toEqual([
        "update same 1->1 sync",
        "update changed 2->4",
        "add new@5",
        "delete gone@3 unknown"
      ])
      expect(plain.log.slice(3)).toEqual(["update changed 2->4", "add new@5", "delete gone@3 unknown"])
    })
  )

  it.scoped("closing a registration's scope stops it; the informer keeps serving others", () =>
    Effect.gen(function* () {
      const source = yield* fakeSource
      const informer = yield* SharedInformer.fromSource(target("CloseKind"), source.handle)
      const scope = yield* Scope.make()
      const removed = recorder()
      const kept = recorder()
      yield* informer.addHandler(removed.handler, { resyncPeriod: "1 second" }).pipe(Scope.extend(scope))
      const keptRegistration = yield* informer.addHandler(kept.handler)
      yield* source.relistWith("1", cm("a", "1"))
      yield* eventually(() => removed.log.length === 1 && kept.log.length === 1)
      yield* Scope.close(scope, Exit.void)
      yield* source.send({ _tag: "Apply", object: cm("b", "2") })
      yield* TestClock.adjust("5 seconds")
      yield* eventually(() => kept.log.length === 2)
      yield* drained(keptRegistration)
      expect(removed.log).toEqual(["add a@1 initial"])
      expect(kept.log).toEqual(["add a@1 initial", "add b@2"])
    })
  )

  it.scoped("stream: the current cache as initial adds, then every change", () =>
    Effect.gen(function* () {
      const source = yield* fakeSource
      const informer = yield* SharedInformer.fromSource(target("StreamKind"), source.handle)
      yield* source.relistWith("1", cm("a", "1"))
      yield* informer.awaitSynced
      const pull = yield* Stream.toPull(informer.stream)
      // The first pull subscribes and returns the snapshot; only then does the cache change.
      const changes = Array.from(yield* pull)
      yield* source.send({ _tag: "Apply", object: cm("a", "2") }, { _tag: "Delete", object: cm("a", "3") })
      while (changes.length < 3) changes.push(...(yield* pull))
      expect(changes.map((c) => c._tag)).toEqual(["Added", "Updated", "Deleted"])
      expect(changes[0]).toEqual({ _tag: "Added", object: cm("a", "1"), isInitialList: true })
    })
  )

  it.scoped("status and lastError come from the watcher", () =>
    Effect.gen(function* () {
      const source = yield* fakeSource
      const informer = yield* SharedInformer.fromSource(target("StatusKind"), source.handle)
      expect(Option.isNone(yield* informer.lastError)).toBe(true)
      const error = forbidden()
      yield* SubscriptionRef.update(source.handle.status, (s) => ({ ...s, lastError: Option.some(error), failures: 1 }))
      expect(yield* informer.lastError).toEqual(Option.some(error))
      expect((yield* informer.status).failures).toBe(1)
      yield* informer.relist
      expect(source.relists()).toBe(1)
    })
  )
})

const forbidden = () =>
  new Forbidden({
    message: 'configmaps is forbidden: User "system:serviceaccount:default:op" cannot list resource "configmaps"',
    code: 403,
    reason: "Forbidden",
    status: {}
  })

describe("waitForCacheSync", () => {
  it.scoped("fails after the timeout naming the kind, the RBAC to check and the last error", () =>
    Effect.gen(function* () {
      const synced = yield* fakeSource
      const stuck = yield* fakeSource
      const good = yield* SharedInformer.fromSource(target("Secret"), synced.handle)
      const bad = yield* SharedInformer.fromSource(target("ConfigMap"), stuck.handle)
      yield* SubscriptionRef.set(stuck.handle.status, { ...initialStatus, lastError: Option.some(forbidden()) })
      yield* synced.relistWith("1")
      const waiting = yield* Effect.fork(SharedInformer.waitForCacheSync([good, bad]))
      yield* TestClock.adjust("119 seconds")
      expect(Option.isNone(yield* Fiber.poll(waiting))).toBe(true)
      yield* TestClock.adjust("1 second")
      const exit = yield* Fiber.await(waiting)
      expect(Exit.isFailure(exit)).toBe(true)
      const error = yield* Effect.flip(Fiber.join(waiting))
      expect(error._tag).toBe("CacheSyncTimeout")
      expect(error.kinds).toEqual(["ConfigMap"])
      expect(error.message).toContain("caches did not sync within 2m")
      expect(error.message).toContain("ConfigMap (namespace default)")
      expect(error.message).toContain("check RBAC: list/watch configmaps in namespace default")
      expect(error.message).toContain("last error: Forbidden: configmaps is forbidden")
      expect(error.message).not.toContain("Secret")
    })
  )

  it.scoped("succeeds once every informer synced", () =>
    Effect.gen(function* () {
      const a = yield* fakeSource
      const b = yield* fakeSource
      const ia = yield* SharedInformer.fromSource(target("A"), a.handle)
      const ib = yield* SharedInformer.fromSource(clusterTarget("Widget", "acme.io"), b.handle)
      const waiting = yield* Effect.fork(SharedInformer.waitForCacheSync([ia, ib], "10 seconds"))
      yield* a.relistWith("1")
      yield* b.relistWith("1")
      yield* eventually(() => ia.store.isSynced() && ib.store.isSynced())
      yield* Fiber.join(waiting)
      expect(ia.store.isSynced() && ib.store.isSynced()).toBe(true)
    })
  )

  it.scoped("cluster-wide hints name the API group", () =>
    Effect.gen(function* () {
      const b = yield* fakeSource
      const ib = yield* SharedInformer.fromSource(clusterTarget("Widget", "acme.io"), b.handle)
      const waiting = yield* Effect.fork(Effect.flip(SharedInformer.waitForCacheSync([ib], "10 seconds")))
      yield* TestClock.adjust("10 seconds")
      const error = yield* Fiber.join(waiting)
      expect(error.message).toContain("Widget (all namespaces)")
      expect(error.message).toContain("check RBAC: list/watch widgets.acme.io cluster-wide")
    })
  )
})
