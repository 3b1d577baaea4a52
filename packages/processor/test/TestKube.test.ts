import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as fc from "effect/FastCheck"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as Scope from "effect/Scope"
import * as TestClock from "effect/TestClock"
import type { Api } from "@effect-kube/client/Api"
import { KubeApi } from "@effect-kube/client/KubeApi"
import * as Kinds from "@effect-kube/core/Kinds"
import type { KubeObject } from "@effect-kube/core/Meta"
import * as Resource from "@effect-kube/core/Resource"
import { ApiServer } from "@effect-kube/testing/ApiServer"
import * as TestKube from "@effect-kube/testing/TestKube"
import { InformerFactory } from "../src/InformerFactory.js"
import * as SharedInformer from "../src/SharedInformer.js"
import { eventually, replicaHandler } from "./helpers.js"

const configMap = (name: string, namespace: string, value: string): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace },
  data: { v: value }
})

const namespaces = ["ns1", "ns2", "default", "team-a"].map((name) => ({
  apiVersion: "v1",
  kind: "Namespace",
  metadata: { name }
}))

const factoryLayer = InformerFactory.layer.pipe(Layer.provideMerge(TestKube.layer({ objects: namespaces })))

const settle = Effect.gen(function* () {
  for (let i = 0; i < 20; i++) yield* Effect.yieldNow()
})

describe("informers on the TestKube mock", () => {
  it.effect("two users of one informer: one list and one watch on the server; a new one after the last user left", () =>
    Effect.gen(function* () {
      const server = yield* ApiServer
      yield* server.seed([configMap("a", "default", "1")])
      const factory = yield* InformerFactory
      const first = yield* Scope.make()
      const second = yield* Scope.make()
      const i1 = yield* factory.informer(Kinds.ConfigMap, { namespace: "default" }).pipe(Scope.extend(first))
      const i2 = yield* factory.informer(Kinds.ConfigMap, { namespace: "default" }).pipe(Scope.extend(second))
      expect(i2).toBe(i1)
      yield* factory.waitForCacheSync([i1, i2])
      yield* settle
      expect(yield* server.requestCount({ verb: "list" })).toBe(1)
      expect(yield* server.requestCount({ verb: "watch" })).toBe(1)
      expect(i1.store.keys()).toEqual(["default/a"])

      yield* Scope.close(first, Exit.void)
      yield* Scope.close(second, Exit.void)
      const again = yield* factory.informer(Kinds.ConfigMap, { namespace: "default" })
      yield* again.awaitSynced
      expect(again).not.toBe(i1)
      expect(yield* server.requestCount({ verb: "list" })).toBe(2)
    }).pipe(Effect.scoped, Effect.provide(factoryLayer))
  )

  it.effect("waitForCacheSync names the kind and the RBAC to check when lists keep failing", () =>
    Effect.gen(function* () {
      const server = yield* ApiServer
      yield* server.faults.failNext(1_000, { code: 503, match: (request) => request.method === "GET" })
      const factory = yield* InformerFactory
      const informer = yield* factory.informer(Kinds.ConfigMap, { namespace: "team-a" })
      const waiting = yield* Effect.fork(Effect.flip(factory.waitForCacheSync([informer], "30 seconds")))
      for (let i = 0; i < 30; i++) {
        yield* TestClock.adjust("1 second")
        yield* settle
      }
      const error = yield* waiting.await.pipe(Effect.flatten)
      expect(error._tag).toBe("CacheSyncTimeout")
      expect(error.message).toContain("ConfigMap (namespace team-a)")
      expect(error.message).toContain("check RBAC: list/watch configmaps in namespace team-a")
      expect(error.message).toContain("last error: ServiceUnavailable")
    }).pipe(Effect.scoped, Effect.provide(factoryLayer))
  )

  it.effect("metadata-only informers cache only metadata", () =>
    Effect.gen(function* () {
      const server = yield* ApiServer
      yield* server.seed([configMap("a", "default", "secret-ish")])
      const factory = yield* InformerFactory
      const informer = yield* factory.informer(Kinds.ConfigMap, { namespace: "default", metadataOnly: true })
      yield* informer.awaitSynced
      const cached = informer.store.get("default/a")
      expect(cached?.metadata.name).toBe("a")
      expect(cached?.data).toBeUndefined()
      const kube = yield* KubeApi
      yield* kube
        .resource(Resource.untyped(Kinds.ConfigMap), { namespace: "default" })
        .apply(configMap("b", "default", "x"), { fieldManager: "test" })
      yield* eventually(() => informer.store.get("default/b") !== undefined, "metadata watch delivers adds")
      expect(informer.store.get("default/b")?.data).toBeUndefined()
    }).pipe(Effect.scoped, Effect.provide(factoryLayer))
  )

  it.effect("consistency check: exact lists at the store's resourceVersion find no drift on a healthy informer", () =>
    Effect.gen(function* () {
      const server = yield* ApiServer
      yield* server.seed([configMap("a", "default", "1")])
      const factory = yield* InformerFactory
      const informer = yield* factory.informer(Kinds.ConfigMap, {
        namespace: "default",
        consistencyCheck: { interval: "1 minute" }
      })
      yield* informer.awaitSynced
      const kube = yield* KubeApi
      yield* kube
        .resource(Resource.untyped(Kinds.ConfigMap), { namespace: "default" })
        .apply(configMap("b", "default", "2"), { fieldManager: "test" })
      yield* eventually(() => informer.store.size() === 2)
      const lists = yield* server.requestCount({ verb: "list" })
      yield* TestClock.adjust("1 minute")
      yield* settle
      expect(yield* server.requestCount({ verb: "list" })).toBe(lists + 1)
      const checks = SharedInformer.metrics.consistencyChecks.pipe(Metric.tagged("kind", "ConfigMap"))
      expect((yield* Metric.value(checks)).count).toBe(1)
      expect((yield* informer.status).relists).toBe(0)
    }).pipe(Effect.scoped, Effect.provide(factoryLayer))
  )

  type Op =
    | { readonly _tag: "Apply"; readonly name: string; readonly namespace: string }
    | { readonly _tag: "Delete"; readonly name: string; readonly namespace: string }
    | { readonly _tag: "CloseWatches" }
    | { readonly _tag: "Compact" }
    | { readonly _tag: "Fail"; readonly n: number; readonly code: 429 | 500 | 503 }
    | { readonly _tag: "LateHandler" }
    | { readonly _tag: "Tick"; readonly millis: number }

  const name = fc.constantFrom("a", "b", "c")
  const namespace = fc.constantFrom("ns1", "ns2")
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    { weight: 6, arbitrary: fc.record({ name, namespace }).map((o): Op => ({ _tag: "Apply", ...o })) },
    { weight: 3, arbitrary: fc.record({ name, namespace }).map((o): Op => ({ _tag: "Delete", ...o })) },
    { weight: 1, arbitrary: fc.constant<Op>({ _tag: "CloseWatches" }) },
    { weight: 1, arbitrary: fc.constant<Op>({ _tag: "Compact" }) },
    {
      weight: 1,
      arbitrary: fc
        .record({ n: fc.integer({ min: 1, max: 3 }), code: fc.constantFrom<429 | 500 | 503>(429, 500, 503) })
        .map((o): Op => ({ _tag: "Fail", ...o }))
    },
    { weight: 1, arbitrary: fc.constant<Op>({ _tag: "LateHandler" }) },
    { weight: 2, arbitrary: fc.integer({ min: 1, max: 5000 }).map((millis): Op => ({ _tag: "Tick", millis })) }
  )

  it.effect.prop(
    "random writes and faults: after quiescence store == server, every handler saw a consistent history",
    [fc.array(opArb, { minLength: 10, maxLength: 40 })],
    ([ops]) =>
      Effect.gen(function* () {
        const server = yield* ApiServer
        const kube = yield* KubeApi
        const api: Api<KubeObject> = kube.resource(Resource.untyped(Kinds.ConfigMap))
        const informer = yield* SharedInformer.make(api)
        const handlers = [replicaHandler(), replicaHandler()]
        yield* informer.addHandler(handlers[0]?.handler ?? {}, { name: "plain" })
        yield* informer.addHandler(handlers[1]?.handler ?? {}, { name: "resyncing", resyncPeriod: "7 seconds" })
        const registrations: Array<SharedInformer.Registration> = []
        let applied = 0

        for (const [index, op] of ops.entries()) {
          switch (op._tag) {
            case "Apply":
              yield* api.apply(configMap(op.name, op.namespace, String(index)), { fieldManager: "test", force: true })
              applied++
              break
            case "Delete":
              yield* api
                .delete(op.name, { namespace: op.namespace })
                .pipe(Effect.catchTag("NotFound", () => Effect.void))
              break
            case "CloseWatches":
              yield* server.faults.closeWatches
              break
            case "Compact":
              yield* server.faults.compact
              break
            case "Fail":
              // Reads only: the informer's lists and watches fail, the test's writes do not.
              yield* server.faults.failNext(op.n, {
                code: op.code,
                retryAfterSeconds: 1,
                match: (request) => request.method === "GET"
              })
              break
            case "LateHandler": {
              const h = replicaHandler()
              handlers.push(h)
              registrations.push(yield* informer.addHandler(h.handler))
              break
            }
            case "Tick":
              yield* TestClock.adjust(op.millis)
              break
          }
          yield* settle
        }
        yield* server.faults.reset

        const serverState = Effect.map(
          server.list(Kinds.ConfigMap),
          (objects) =>
            new Map(objects.map((o) => [`${o.metadata.namespace}/${o.metadata.name}`, o.metadata.resourceVersion]))
        )
        const matches = (state: Map<string, string | undefined>, cache: ReadonlyMap<string, KubeObject>) =>
          cache.size === state.size && [...state].every(([key, rv]) => cache.get(key)?.metadata.resourceVersion === rv)
        const storeMap = () =>
          new Map(informer.store.list().map((o) => [`${o.metadata.namespace}/${o.metadata.name}`, o]))

        let expected = yield* serverState
        for (let i = 0; i < 60 && !(informer.store.isSynced() && matches(expected, storeMap())); i++) {
          yield* TestClock.adjust("31 seconds")
          yield* settle
          expected = yield* serverState
        }
        expect(informer.store.isSynced()).toBe(true)
        expect(matches(expected, storeMap())).toBe(true)
        yield* eventually(() => handlers.every((h) => matches(expected, h.replica)), "handlers caught up")
        for (const h of handlers) expect(h.violations).toEqual([])
        expect(applied).toBe(ops.filter((op) => op._tag === "Apply").length)
        for (const r of registrations) {
          yield* r.awaitSynced
          expect(yield* r.hasSynced).toBe(true)
        }
      }).pipe(Effect.scoped, Effect.provide(TestKube.layer({ objects: namespaces }))),
    { fastCheck: { numRuns: 30 } }
  )
})
