/**
 * The controller builder and runner against the in-memory apiserver: sources (for / owns /
 * watches), predicates, priorities, the sync gate, the Action → queue mapping, the error policy
 * (typed, terminal, defect, timeout), metrics, log annotations and spans, graceful shutdown.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberRef from "effect/FiberRef"
import * as HashMap from "effect/HashMap"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import * as TestClock from "effect/TestClock"
import { KubeApi } from "@effect-kube/client/KubeApi"
import * as Kinds from "@effect-kube/core/Kinds"
import type { KubeObject } from "@effect-kube/core/Meta"
import * as Patch from "@effect-kube/core/Patch"
import * as Resource from "@effect-kube/core/Resource"
import { InformerFactory } from "@effect-kube/processor/InformerFactory"
import { ApiServer } from "@effect-kube/testing/ApiServer"
import * as TestKube from "@effect-kube/testing/TestKube"
import * as Action from "../src/Action.js"
import * as Controller from "../src/Controller.js"
import * as Predicates from "../src/Predicates.js"

const Widget = Resource.custom({
  group: "example.com",
  version: "v1",
  kind: "Widget",
  plural: "widgets",
  scope: "Namespaced",
  spec: Schema.Struct({ size: Schema.Number.pipe(Schema.between(0, 100)) }),
  status: Schema.Struct({ phase: Schema.optional(Schema.String) })
})

const widget = (name: string, size: unknown, metadata?: Partial<KubeObject["metadata"]>): KubeObject => ({
  apiVersion: "example.com/v1",
  kind: "Widget",
  metadata: { name, namespace: "default", ...metadata },
  spec: { size }
})

const configMap = (name: string, metadata?: Partial<KubeObject["metadata"]>, data?: Record<string, string>) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: "default", ...metadata },
  data: data ?? { k: "v" }
})

const TestLayer = InformerFactory.layer.pipe(Layer.provideMerge(TestKube.layer({ kinds: [Widget] })))

const provide = <A, E>(effect: Effect.Effect<A, E, KubeApi | ApiServer | InformerFactory | Scope.Scope>) =>
  effect.pipe(Effect.scoped, Effect.provide(TestLayer))

const eventually = (check: () => boolean, what = "condition"): Effect.Effect<void> =>
  Effect.gen(function* () {
    for (let i = 0; i < 20_000; i++) {
      if (check()) return
      yield* Effect.yieldNow()
    }
    return yield* Effect.dieMessage(`eventually: ${what} never held`)
  })

/** Lets every fiber run until nothing is left to do without the clock moving. */
const settle = Effect.gen(function* () {
  for (let i = 0; i < 200; i++) yield* Effect.yieldNow()
})

const widgets = Effect.map(KubeApi, (kube) => kube.resource(Resource.untyped(Widget), { namespace: "default" }))
const configMaps = Effect.map(KubeApi, (kube) =>
  kube.resource(Resource.untyped(Kinds.ConfigMap), { namespace: "default" })
)

const counter = (name: string) =>
  Metric.value(Controller.metricsFor(name).reconcileErrors).pipe(Effect.map((s) => s.count))

describe("Controller: sources", () => {
  it.effect("reconciles the cached object decoded with its Schema; a deleted object goes to onGone", () =>
    provide(
      Effect.gen(function* () {
        const api = yield* widgets
        yield* api.create(widget("a", 1))
        const log: Array<string> = []
        yield* Controller.start(
          Controller.make({
            name: "sources-for",
            for: Widget,
            reconcile: (w, ctx) =>
              Effect.sync(() => log.push(`${ctx.key}:${w.spec.size * 10}`)).pipe(Effect.as(Action.done)),
            onGone: (ctx) =>
              Effect.sync(() => log.push(`gone ${ctx.namespace}/${ctx.name}`)).pipe(Effect.as(Action.done))
          })
        )
        yield* eventually(() => log.length === 1, "initial reconcile")
        expect(log).toEqual(["default/a:10"])

        yield* api.patch("a", Patch.merge({ spec: { size: 2 } }))
        yield* eventually(() => log.length === 2, "reconcile after the change")
        yield* api.delete("a")
        yield* eventually(() => log.length === 3, "reconcile after the delete")
        yield* settle
        expect(log).toEqual(["default/a:10", "default/a:20", "gone default/a"])
      })
    )
  )

  it.effect("initial-list keys are Low priority: a live change is reconciled before the remaining backlog", () =>
    provide(
      Effect.gen(function* () {
        const api = yield* widgets
        for (const name of ["a", "b", "c"]) yield* api.create(widget(name, 1))
        const gate = yield* Deferred.make<void>()
        const order: Array<string> = []
        const running = yield* Controller.start(
          Controller.make({
            name: "sources-priority",
            for: Widget,
            reconcile: (_w, ctx) =>
              Effect.sync(() => order.push(ctx.name)).pipe(
                Effect.zipRight(ctx.name === "a" ? Deferred.await(gate) : Effect.void),
                Effect.as(Action.done)
              )
          })
        )
        yield* eventually(() => order.length === 1, "first reconcile")
        yield* api.create(widget("z", 1))
        for (let i = 0; i < 20_000 && (yield* running.queue.len) !== 3; i++) yield* Effect.yieldNow()
        expect(yield* running.queue.len).toBe(3) // b, c (Low) and z (Normal)
        yield* Deferred.succeed(gate, undefined)
        yield* eventually(() => order.length === 4, "all reconciled")
        expect(order).toEqual(["a", "z", "b", "c"])
      })
    )
  )

  it.effect("owns: a change of an owned object reconciles its controller owner (group and kind, any version)", () =>
    provide(
      Effect.gen(function* () {
        const api = yield* widgets
        const cms = yield* configMaps
        const owner = yield* api.create(widget("owner", 1))
        const uid = owner.metadata.uid ?? ""
        const ref = { apiVersion: "example.com/v1", kind: "Widget", name: "owner", uid }
        yield* cms.create(
          configMap("controlled", { ownerReferences: [{ ...ref, apiVersion: "example.com/v2", controller: true }] })
        )
        yield* cms.create(configMap("not-controller", { ownerReferences: [{ ...ref, controller: false }] }))
        yield* cms.create(configMap("other-kind", { ownerReferences: [{ ...ref, kind: "Gadget", controller: true }] }))
        const log: Array<string> = []
        const running = yield* Controller.start(
          Controller.make({
            name: "sources-owns",
            for: Widget,
            owns: [Kinds.ConfigMap],
            reconcile: (_w, ctx) => Effect.sync(() => log.push(ctx.key)).pipe(Effect.as(Action.done))
          })
        )
        yield* eventually(() => log.length >= 1, "initial reconcile")
        yield* settle
        log.length = 0

        const cmCache = running.cache(Kinds.ConfigMap)
        expect(cmCache?.size()).toBe(3)
        yield* cms.patch("not-controller", Patch.merge({ data: { k: "2" } }))
        yield* cms.patch("other-kind", Patch.merge({ data: { k: "2" } }))
        yield* eventually(
          () => cmCache?.get("default/other-kind")?.metadata.resourceVersion !== undefined && settledPatches(cmCache),
          "patches cached"
        )
        yield* settle
        expect(log).toEqual([])

        yield* cms.patch("controlled", Patch.merge({ data: { k: "2" } }))
        yield* eventually(() => log.length === 1, "owner reconciled")
        expect(log).toEqual(["default/owner"])
      })
    )
  )

  it.effect("watches: a map function through an index of the primary cache re-reconciles the referencing objects", () =>
    provide(
      Effect.gen(function* () {
        const api = yield* widgets
        const secrets = (yield* KubeApi).resource(Resource.untyped(Kinds.Secret), { namespace: "default" })
        yield* secrets.create({ apiVersion: "v1", kind: "Secret", metadata: { name: "s1", namespace: "default" } })
        yield* api.create(widget("uses-s1", 1, { labels: { secret: "s1" } }))
        yield* api.create(widget("also-s1", 1, { labels: { secret: "s1" } }))
        yield* api.create(widget("uses-s2", 1, { labels: { secret: "s2" } }))
        const log: Array<string> = []
        const running = yield* Controller.start(
          Controller.make({
            name: "sources-watches",
            for: Widget,
            indexers: {
              bySecret: (o) =>
                o.metadata.labels?.secret ? [`${o.metadata.namespace}/${o.metadata.labels.secret}`] : []
            },
            watches: [
              Controller.watches(
                Kinds.Secret,
                (secret, { primary }) =>
                  primary.keysByIndex("bySecret", `${secret.metadata.namespace}/${secret.metadata.name}`),
                { metadataOnly: true }
              )
            ],
            reconcile: (_w, ctx) => Effect.sync(() => log.push(ctx.name)).pipe(Effect.as(Action.done))
          })
        )
        yield* eventually(() => log.length === 3, "initial reconciles")
        yield* settle
        log.length = 0
        // metadata-only: the Secret's data never reaches the cache
        expect(running.cache(Kinds.Secret)?.get("default/s1")?.data).toBeUndefined()

        yield* secrets.patch("s1", Patch.merge({ metadata: { labels: { rotated: "yes" } } }))
        yield* eventually(() => log.length === 2, "both referencing widgets reconciled")
        yield* settle
        expect([...log].sort()).toEqual(["also-s1", "uses-s1"])
      })
    )
  )

  it.effect("predicates filter the for source: a status-only write does not reconcile, a spec change does", () =>
    provide(
      Effect.gen(function* () {
        const api = yield* widgets
        yield* api.create(widget("p", 1))
        const log: Array<number> = []
        const running = yield* Controller.start(
          Controller.make({
            name: "sources-predicates",
            for: Widget,
            predicates: [Predicates.generationChanged],
            reconcile: (w) => Effect.sync(() => log.push(w.spec.size)).pipe(Effect.as(Action.done))
          })
        )
        yield* eventually(() => log.length === 1, "initial reconcile")
        const updated = yield* api.status.patch("p", Patch.merge({ status: { phase: "Ready" } }))
        yield* eventually(
          () => running.primary.get("default/p")?.metadata.resourceVersion === updated.metadata.resourceVersion,
          "status write cached"
        )
        yield* settle
        expect(log).toEqual([1])
        yield* api.patch("p", Patch.merge({ spec: { size: 3 } }))
        yield* eventually(() => log.length === 2, "spec change reconciled")
        expect(log).toEqual([1, 3])
      })
    )
  )
})

// Cache of ConfigMaps caught up with both patches: resourceVersions moved past creation.
const settledPatches = (cache: { readonly get: (k: string) => KubeObject | undefined }) =>
  cache.get("default/not-controller")?.data !== undefined &&
  JSON.stringify(cache.get("default/not-controller")?.data) === JSON.stringify({ k: "2" }) &&
  JSON.stringify(cache.get("default/other-kind")?.data) === JSON.stringify({ k: "2" })

describe("Controller: the sync gate", () => {
  it.effect("nothing is reconciled before every informer of the controller has synced", () =>
    provide(
      Effect.gen(function* () {
        const api = yield* widgets
        const server = yield* ApiServer
        yield* api.create(widget("gated", 1))
        yield* server.faults.failNext(3, {
          code: 503,
          match: (request) => request.method === "GET" && request.path.includes("/configmaps")
        })
        const log: Array<string> = []
        const starting = yield* Effect.fork(
          Controller.start(
            Controller.make({
              name: "sync-gate",
              for: Widget,
              owns: [Kinds.ConfigMap],
              reconcile: (_w, ctx) => Effect.sync(() => log.push(ctx.key)).pipe(Effect.as(Action.done))
            })
          )
        )
        yield* settle
        expect(log).toEqual([])
        expect(Option.isNone(yield* Fiber.poll(starting))).toBe(true)
        for (let i = 0; i < 20 && log.length === 0; i++) {
          yield* TestClock.adjust("1 second")
          yield* settle
        }
        yield* Fiber.join(starting)
        yield* eventually(() => log.length === 1, "reconciled after sync")
        expect(log).toEqual(["default/gated"])
      })
    )
  )

  it.effect("fails with CacheSyncTimeout naming the kind when a cache never syncs", () =>
    provide(
      Effect.gen(function* () {
        const server = yield* ApiServer
        yield* server.faults.failNext(100_000, {
          code: 503,
          match: (request) => request.method === "GET" && request.path.includes("/widgets")
        })
        const starting = yield* Effect.fork(
          Effect.flip(
            Controller.start(
              Controller.make({
                name: "sync-timeout",
                for: Widget,
                cacheSyncTimeout: "10 seconds",
                reconcile: () => Effect.succeed(Action.done)
              })
            )
          )
        )
        for (let i = 0; i < 12; i++) {
          yield* TestClock.adjust("1 second")
          yield* settle
        }
        const error = yield* Fiber.join(starting)
        expect(error._tag).toBe("CacheSyncTimeout")
        expect(error.message).toContain("Widget")
      })
    )
  )
})

describe("Controller: actions and the error policy", () => {
  it.effect("requeueAfter reconciles again after the delay; done waits for the next change", () =>
    provide(
      Effect.gen(function* () {
        const api = yield* widgets
        yield* api.create(widget("later", 1))
        const log: Array<number> = []
        yield* Controller.start(
          Controller.make({
            name: "actions-requeue-after",
            for: Widget,
            reconcile: () =>
              Effect.sync(() => log.push(log.length)).pipe(
                Effect.as(log.length === 0 ? Action.requeueAfter("1 minute") : Action.done)
              )
          })
        )
        yield* eventually(() => log.length === 1, "first reconcile")
        yield* TestClock.adjust("59 seconds")
        yield* settle
        expect(log.length).toBe(1)
        yield* TestClock.adjust("1 second")
        yield* eventually(() => log.length === 2, "requeued reconcile")
        yield* TestClock.adjust("2 minutes")
        yield* settle
        expect(log.length).toBe(2)
        const ok = yield* Metric.value(Controller.metricsFor("actions-requeue-after").reconcileTotal("requeue_after"))
        expect(ok.count).toBe(1)
      })
    )
  )

  it.effect("requeue and typed errors are retried with the per-key backoff; a success resets it", () =>
    provide(
      Effect.gen(function* () {
        const api = yield* widgets
        yield* api.create(widget("flaky", 1))
        const retries: Array<number> = []
        yield* Controller.start(
          Controller.make({
            name: "actions-backoff",
            for: Widget,
            reconcile: (_w, ctx) =>
              Effect.suspend(() => {
                retries.push(ctx.retries)
                if (retries.length === 1) return Effect.succeed(Action.requeue)
                if (retries.length <= 3) return Effect.fail(new Error(`boom ${retries.length}`))
                return Effect.succeed(Action.done)
              })
          })
        )
        yield* eventually(() => retries.length === 1, "first reconcile")
        yield* TestClock.adjust("4 millis")
        yield* settle
        expect(retries.length).toBe(1) // the first backoff is 5 ms
        yield* TestClock.adjust("1 millis")
        yield* eventually(() => retries.length === 2, "after 5 ms")
        yield* TestClock.adjust("10 millis")
        yield* eventually(() => retries.length === 3, "after 10 ms more")
        yield* TestClock.adjust("20 millis")
        yield* eventually(() => retries.length === 4, "after 20 ms more")
        expect(retries).toEqual([0, 1, 2, 3])
        const m = Controller.metricsFor("actions-backoff")
        expect((yield* Metric.value(m.reconcileErrors)).count).toBe(2)
        expect((yield* Metric.value(m.reconcileTotal("requeue"))).count).toBe(1)
        expect((yield* Metric.value(m.reconcileTotal("error"))).count).toBe(2)
        expect((yield* Metric.value(m.reconcileTotal("success"))).count).toBe(1)
      })
    )
  )

  it.effect("a TerminalError is counted and not requeued; the next change reconciles again", () =>
    provide(
      Effect.gen(function* () {
        const api = yield* widgets
        yield* api.create(widget("terminal", 1))
        let calls = 0
        yield* Controller.start(
          Controller.make({
            name: "actions-terminal",
            for: Widget,
            reconcile: (w) =>
              Effect.suspend(() => {
                calls++
                return w.spec.size === 1
                  ? Effect.fail(new Action.TerminalError({ message: "size 1 is not supported" }))
                  : Effect.succeed(Action.done)
              })
          })
        )
        yield* eventually(() => calls === 1, "first reconcile")
        yield* TestClock.adjust("1 minute")
        yield* settle
        expect(calls).toBe(1)
        const m = Controller.metricsFor("actions-terminal")
        expect((yield* Metric.value(m.terminalReconcileErrors)).count).toBe(1)
        expect((yield* Metric.value(m.reconcileErrors)).count).toBe(1)
        yield* api.patch("terminal", Patch.merge({ spec: { size: 2 } }))
        yield* eventually(() => calls === 2, "reconciled after the change")
      })
    )
  )

  it.effect("a defect is recovered, counted as a panic and retried; the worker keeps going", () =>
    provide(
      Effect.gen(function* () {
        const api = yield* widgets
        yield* api.create(widget("panics", 1))
        let calls = 0
        yield* Controller.start(
          Controller.make({
            name: "actions-panic",
            for: Widget,
            reconcile: () =>
              Effect.suspend(() => {
                calls++
                if (calls === 1) throw new Error("a bug")
                return calls === 2 ? Effect.dieMessage("another bug") : Effect.succeed(Action.done)
              })
          })
        )
        yield* eventually(() => calls === 1, "first reconcile")
        yield* TestClock.adjust("5 millis")
        yield* eventually(() => calls === 2, "retried after the first panic")
        yield* TestClock.adjust("10 millis")
        yield* eventually(() => calls === 3, "retried after the second panic")
        const m = Controller.metricsFor("actions-panic")
        expect((yield* Metric.value(m.reconcilePanics)).count).toBe(2)
        expect((yield* Metric.value(m.reconcileErrors)).count).toBe(2)
        expect((yield* Metric.value(m.reconcileTotal("success"))).count).toBe(1)
      })
    )
  )

  it.effect("a reconcile running past the timeout is interrupted, counted and retried", () =>
    provide(
      Effect.gen(function* () {
        const api = yield* widgets
        yield* api.create(widget("slow", 1))
        const log: Array<string> = []
        yield* Controller.start(
          Controller.make({
            name: "actions-timeout",
            for: Widget,
            reconcileTimeout: "1 second",
            reconcile: () =>
              Effect.suspend(() => {
                log.push("start")
                return log.length === 1
                  ? Effect.sleep("1 hour").pipe(
                      Effect.onInterrupt(() => Effect.sync(() => log.push("interrupted"))),
                      Effect.as(Action.done)
                    )
                  : Effect.succeed(Action.done)
              })
          })
        )
        yield* eventually(() => log.length === 1, "first reconcile")
        yield* TestClock.adjust("1 second")
        yield* eventually(() => log.includes("interrupted"), "interrupted by the timeout")
        yield* TestClock.adjust("5 millis")
        yield* eventually(() => log.length === 3, "retried")
        expect(log).toEqual(["start", "interrupted", "start"])
        const m = Controller.metricsFor("actions-timeout")
        expect((yield* Metric.value(m.reconcileTimeouts)).count).toBe(1)
        expect(yield* counter("actions-timeout")).toBe(1)
      })
    )
  )
})

describe("Controller: observability", () => {
  it.effect("metrics exist at 0 for a controller that has not reconciled yet", () =>
    provide(
      Effect.gen(function* () {
        yield* Controller.start(
          Controller.make({
            name: "observability-zero",
            for: Widget,
            concurrency: 3,
            reconcile: () => Effect.succeed(Action.done)
          })
        )
        const snapshot = yield* Metric.snapshot
        const series = snapshot
          .filter((pair) => pair.metricKey.tags.some((t) => t.key === "controller" && t.value === "observability-zero"))
          .map((pair) => {
            const result = pair.metricKey.tags.find((t) => t.key === "result")
            return result ? `${pair.metricKey.name}{${result.value}}` : pair.metricKey.name
          })
        for (const expected of [
          "controller_runtime_reconcile_total{success}",
          "controller_runtime_reconcile_total{error}",
          "controller_runtime_reconcile_total{requeue}",
          "controller_runtime_reconcile_total{requeue_after}",
          "controller_runtime_reconcile_errors_total",
          "controller_runtime_terminal_reconcile_errors_total",
          "controller_runtime_reconcile_panics_total",
          "controller_runtime_reconcile_timeouts_total",
          "controller_runtime_reconcile_time_seconds",
          "controller_runtime_max_concurrent_reconciles",
          "controller_runtime_active_workers"
        ]) {
          expect(series).toContain(expected)
        }
        const m = Controller.metricsFor("observability-zero")
        expect((yield* Metric.value(m.reconcileTotal("success"))).count).toBe(0)
        expect((yield* Metric.value(m.maxConcurrentReconciles)).value).toBe(3)
        expect((yield* Metric.value(m.activeWorkers)).value).toBe(0)
      })
    )
  )

  it.effect("each reconcile has log annotations (controller, namespace, name, reconcileID) and a span", () =>
    provide(
      Effect.gen(function* () {
        const api = yield* widgets
        yield* api.create(widget("traced", 1))
        yield* api.create(widget("traced-2", 1))
        const seen: Array<{ annotations: Record<string, unknown>; span: Record<string, unknown>; id: string }> = []
        yield* Controller.start(
          Controller.make({
            name: "observability-logs",
            for: Widget,
            reconcile: (_w, ctx) =>
              Effect.gen(function* () {
                const annotations = yield* FiberRef.get(FiberRef.currentLogAnnotations)
                const span = yield* Effect.orDie(Effect.currentSpan)
                seen.push({
                  annotations: Object.fromEntries(HashMap.toEntries(annotations)),
                  span: Object.fromEntries(span.attributes),
                  id: ctx.reconcileID
                })
                return Action.done
              })
          })
        )
        yield* eventually(() => seen.length === 2, "reconciles")
        const first = seen.find((s) => s.annotations.name === "traced")
        expect(first?.annotations).toMatchObject({
          controller: "observability-logs",
          namespace: "default",
          name: "traced",
          reconcileID: first?.id
        })
        expect(first?.span).toMatchObject({ controller: "observability-logs", key: "default/traced" })
        expect(seen[0].id).not.toBe(seen[1].id)
        expect(seen[0].id).toMatch(/^[0-9a-f-]{36}$/)
      })
    )
  )
})

describe("Controller: lifecycle", () => {
  it.effect("closing the scope lets an in-flight reconcile finish, then stops", () =>
    provide(
      Effect.gen(function* () {
        const api = yield* widgets
        yield* api.create(widget("inflight", 1))
        const log: Array<string> = []
        const scope = yield* Scope.make()
        yield* Controller.start(
          Controller.make({
            name: "lifecycle-graceful",
            for: Widget,
            reconcile: () =>
              Effect.sync(() => log.push("start")).pipe(
                Effect.zipRight(Effect.sleep("2 seconds")),
                Effect.zipRight(Effect.sync(() => log.push("finished"))),
                Effect.as(Action.done)
              )
          })
        ).pipe(Scope.extend(scope))
        yield* eventually(() => log.length === 1, "in flight")
        const closing = yield* Effect.fork(Scope.close(scope, Exit.void))
        yield* settle
        // intake stopped: a change now is not reconciled
        yield* api.patch("inflight", Patch.merge({ spec: { size: 2 } }))
        expect(Option.isNone(yield* Fiber.poll(closing))).toBe(true)
        yield* TestClock.adjust("2 seconds")
        yield* Fiber.join(closing)
        yield* settle
        expect(log).toEqual(["start", "finished"])
      })
    )
  )

  it.effect("past the graceful shutdown timeout, in-flight reconciles are interrupted", () =>
    provide(
      Effect.gen(function* () {
        const api = yield* widgets
        yield* api.create(widget("stuck", 1))
        const log: Array<string> = []
        const scope = yield* Scope.make()
        yield* Controller.start(
          Controller.make({
            name: "lifecycle-timeout",
            for: Widget,
            gracefulShutdownTimeout: "5 seconds",
            reconcile: () =>
              Effect.sync(() => log.push("start")).pipe(
                Effect.zipRight(Effect.never),
                Effect.onInterrupt(() => Effect.sync(() => log.push("interrupted")))
              )
          })
        ).pipe(Scope.extend(scope))
        yield* eventually(() => log.length === 1, "in flight")
        const closing = yield* Effect.fork(Scope.close(scope, Exit.void))
        yield* settle
        yield* TestClock.adjust("5 seconds")
        yield* Fiber.join(closing)
        expect(log).toEqual(["start", "interrupted"])
      })
    )
  )

  it.effect("names are unique among running controllers; the concurrency must be a positive integer", () =>
    provide(
      Effect.gen(function* () {
        const make = (name: string, concurrency = 1) =>
          Controller.make({ name, for: Widget, concurrency, reconcile: () => Effect.succeed(Action.done) })
        const scope = yield* Scope.make()
        yield* Controller.start(make("lifecycle-unique")).pipe(Scope.extend(scope))
        const duplicate = yield* Effect.flip(Controller.start(make("lifecycle-unique")))
        expect(duplicate).toMatchObject({ _tag: "InvalidController", reason: "DuplicateName" })
        yield* Scope.close(scope, Exit.void)
        // released with its scope
        yield* Controller.start(make("lifecycle-unique"))
        const zero = yield* Effect.flip(Controller.start(make("lifecycle-zero", 0)))
        expect(zero).toMatchObject({ _tag: "InvalidController", reason: "InvalidConcurrency" })
        const empty = yield* Effect.flip(Controller.start(make(" ")))
        expect(empty).toMatchObject({ _tag: "InvalidController", reason: "EmptyName" })
      })
    )
  )
})
