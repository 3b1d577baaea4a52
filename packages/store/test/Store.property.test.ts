import { describe, expect, it } from "@effect/vitest"
import * as fc from "effect/FastCheck"
import type { KubeObject } from "@effect-kube/core/Meta"
import * as Store from "../src/Store.js"

// A small key space so that relists, applies and deletes collide often.
const names = ["a", "b", "c", "d", "e"] as const
const namespaces = [undefined, "ns1", "ns2"] as const
const apps = ["web", "db", "cache"] as const
const tags = ["t1", "t2", "t3"] as const

const objectArb = fc
  .record({
    name: fc.constantFrom(...names),
    namespace: fc.constantFrom(...namespaces),
    app: fc.option(fc.constantFrom(...apps), { nil: undefined }),
    tags: fc.subarray([...tags]),
    rv: fc.integer({ min: 1, max: 6 })
  })
  .map(
    ({ name, namespace, app, tags, rv }): KubeObject => ({
      metadata: {
        name,
        namespace,
        resourceVersion: String(rv),
        labels: Object.fromEntries([...(app ? [["app", app]] : []), ...tags.map((t) => [t, "1"])])
      }
    })
  )

type Op =
  | { readonly _tag: "Relist"; readonly objects: ReadonlyArray<KubeObject>; readonly rv: string }
  | { readonly _tag: "Apply"; readonly object: KubeObject }
  | { readonly _tag: "Delete"; readonly object: KubeObject }

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 1,
    arbitrary: fc
      .record({ objects: fc.array(objectArb, { maxLength: 8 }), rv: fc.integer({ min: 1, max: 99 }) })
      .map(({ objects, rv }): Op => ({ _tag: "Relist", objects, rv: String(rv) }))
  },
  { weight: 4, arbitrary: objectArb.map((object): Op => ({ _tag: "Apply", object })) },
  { weight: 2, arbitrary: objectArb.map((object): Op => ({ _tag: "Delete", object })) }
)

const indexers = {
  byApp: (o: KubeObject) => (o.metadata.labels?.app ? [o.metadata.labels.app] : []),
  byTag: (o: KubeObject) => Object.keys(o.metadata.labels ?? {}).filter((k) => k !== "app")
}

const expectedIndex = (model: ReadonlyMap<string, KubeObject>, indexer: (o: KubeObject) => ReadonlyArray<string>) => {
  const index = new Map<string, Array<string>>()
  for (const [key, object] of model) {
    for (const value of indexer(object)) index.set(value, [...(index.get(value) ?? []), key].sort())
  }
  return index
}

describe("Store model", () => {
  it.prop(
    "random relists/applies/deletes: store equals a Map model, indexes equal recomputed ones, Changes are consistent",
    [fc.array(opArb, { maxLength: 40 })],
    ([ops]) => {
      const writer = Store.makeWriter<KubeObject>({ indexers })
      const store = writer.store
      const model = new Map<string, KubeObject>()
      // What a consumer that only sees the Changes believes the cache holds.
      const replica = new Map<string, KubeObject>()
      let syncs = 0

      const consume = (change: Store.Change<KubeObject>, firstSync: boolean) => {
        const key = Store.keyOf(change.object)
        switch (change._tag) {
          case "Added":
            expect(replica.has(key), `duplicate Added for ${key}`).toBe(false)
            expect(change.isInitialList).toBe(firstSync)
            replica.set(key, change.object)
            break
          case "Updated":
            expect(replica.get(key), `Updated for ${key} never added`).toBe(change.old)
            expect(change.isInitialList).toBe(firstSync)
            replica.set(key, change.object)
            break
          case "Deleted":
            expect(replica.has(key), `Deleted for ${key} never added`).toBe(true)
            replica.delete(key)
            break
        }
      }

      for (const op of ops) {
        switch (op._tag) {
          case "Relist": {
            writer.beginRelist()
            const next = new Map<string, KubeObject>()
            for (const object of op.objects) {
              writer.relistApply(object)
              next.set(Store.keyOf(object), object)
            }
            syncs++
            const changes = writer.commitRelist(op.rv)
            expect(changes.length).toBe(next.size + [...model.keys()].filter((k) => !next.has(k)).length)
            for (const change of changes) {
              if (change._tag === "Deleted") expect(change.finalStateUnknown).toBe(true)
              consume(change, syncs === 1)
            }
            model.clear()
            for (const [k, v] of next) model.set(k, v)
            expect(store.resourceVersion()).toBe(op.rv)
            break
          }
          case "Apply": {
            const key = Store.keyOf(op.object)
            const change = writer.apply(op.object)
            expect(change._tag).toBe(model.has(key) ? "Updated" : "Added")
            consume(change, false)
            model.set(key, op.object)
            break
          }
          case "Delete": {
            const key = Store.keyOf(op.object)
            const change = writer.delete(op.object)
            if (model.has(key)) {
              expect(change).toEqual({ _tag: "Deleted", object: op.object, finalStateUnknown: false })
              if (change) consume(change, false)
            } else {
              expect(change).toBeUndefined()
            }
            model.delete(key)
            break
          }
        }

        expect(store.size()).toBe(model.size)
        expect(new Map(store.keys().map((k) => [k, store.get(k)]))).toEqual(model)
        expect(replica).toEqual(model)
        expect(store.isSynced()).toBe(syncs > 0)
        for (const [name, indexer] of Object.entries(indexers)) {
          const expected = expectedIndex(model, indexer)
          for (const value of [...apps, ...tags]) {
            expect([...store.keysByIndex(name, value)].sort(), `${name}=${value}`).toEqual(expected.get(value) ?? [])
          }
        }
        const byNamespace = expectedIndex(model, (o) => (o.metadata.namespace ? [o.metadata.namespace] : []))
        for (const ns of ["ns1", "ns2"]) {
          expect(store.listByNamespace(ns).map(Store.keyOf).sort()).toEqual(byNamespace.get(ns) ?? [])
        }
      }
    },
    { fastCheck: { numRuns: 300 } }
  )
})
