import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as fc from "effect/FastCheck"
import * as TestClock from "effect/TestClock"
import * as SharedInformer from "../src/SharedInformer.js"
import { ConfigMaps, makeFakeKube } from "./fakeKube.js"
import { replicaHandler } from "./helpers.js"

type Op =
  | { readonly _tag: "Upsert"; readonly name: string; readonly namespace: string }
  | { readonly _tag: "Remove"; readonly name: string; readonly namespace: string }
  | { readonly _tag: "CloseWatches" }
  | { readonly _tag: "Compact" }
  | { readonly _tag: "FailLists"; readonly n: number }
  | { readonly _tag: "LateHandler" }
  | { readonly _tag: "Tick"; readonly millis: number }

const nameArb = fc.constantFrom("a", "b", "c", "d", "e")
const namespaceArb = fc.constantFrom("ns1", "ns2")

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({ name: nameArb, namespace: namespaceArb }).map((o): Op => ({ _tag: "Upsert", ...o }))
  },
  {
    weight: 3,
    arbitrary: fc.record({ name: nameArb, namespace: namespaceArb }).map((o): Op => ({ _tag: "Remove", ...o }))
  },
  { weight: 1, arbitrary: fc.constant<Op>({ _tag: "CloseWatches" }) },
  { weight: 1, arbitrary: fc.constant<Op>({ _tag: "Compact" }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }).map((n): Op => ({ _tag: "FailLists", n })) },
  { weight: 1, arbitrary: fc.constant<Op>({ _tag: "LateHandler" }) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 5000 }).map((millis): Op => ({ _tag: "Tick", millis })) }
)

const settle = Effect.gen(function* () {
  for (let i = 0; i < 20; i++) yield* Effect.yieldNow()
})

describe("SharedInformer against a fake apiserver", () => {
  it.effect.prop(
    "random writes and faults: after quiescence store == server and every handler saw a consistent history",
    [fc.array(opArb, { minLength: 10, maxLength: 40 })],
    ([ops]) =>
      Effect.scoped(
        Effect.gen(function* () {
          const fake = makeFakeKube()
          const api = fake.kube.resource(ConfigMaps)
          const informer = yield* SharedInformer.make(api, {})
          const handlers = [replicaHandler(), replicaHandler()]
          yield* informer.addHandler(handlers[0]?.handler ?? {}, { name: "plain" })
          yield* informer.addHandler(handlers[1]?.handler ?? {}, { name: "resyncing", resyncPeriod: "7 seconds" })
          const registrations: Array<SharedInformer.Registration> = []

          for (const [index, op] of ops.entries()) {
            switch (op._tag) {
              case "Upsert":
                yield* fake.upsert(op.name, op.namespace, String(index))
                break
              case "Remove":
                yield* fake.remove(op.name, op.namespace)
                break
              case "CloseWatches":
                yield* fake.closeWatches
                break
              case "Compact":
                yield* fake.compact
                break
              case "FailLists":
                yield* fake.failNextLists(op.n)
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

          // Quiescence: let backoffs expire until the cache matches the server.
          const serverState = () =>
            new Map(
              fake.objects().map((o) => [`${o.metadata.namespace}/${o.metadata.name}`, o.metadata.resourceVersion])
            )
          const cacheMatches = () => {
            if (!informer.store.isSynced()) return false
            const server = serverState()
            if (informer.store.size() !== server.size) return false
            for (const [key, rv] of server) if (informer.store.get(key)?.metadata.resourceVersion !== rv) return false
            return true
          }
          for (let i = 0; i < 100 && !cacheMatches(); i++) {
            yield* TestClock.adjust("31 seconds")
            yield* settle
          }
          expect(cacheMatches()).toBe(true)

          const server = serverState()
          for (let i = 0; i < 100; i++) {
            const done = handlers.every(
              (h) =>
                h.replica.size === server.size &&
                [...server].every(([key, rv]) => h.replica.get(key)?.metadata.resourceVersion === rv)
            )
            if (done) break
            yield* settle
          }
          for (const h of handlers) {
            expect(h.violations).toEqual([])
            expect(new Map([...h.replica].map(([k, o]) => [k, o.metadata.resourceVersion]))).toEqual(server)
          }
          for (const r of registrations) {
            for (let i = 0; i < 100 && !(yield* r.hasSynced); i++) yield* settle
            expect(yield* r.hasSynced).toBe(true)
          }
        })
      ),
    { fastCheck: { numRuns: 25 } }
  )
})
