import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import type { KubeObject } from "@effect-kube/core/Meta"
import * as Store from "../src/Store.js"

const cm = (
  name: string,
  rv: string,
  extra: { namespace?: string; labels?: Record<string, string>; data?: Record<string, string> } = {}
): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: {
    name,
    namespace: "namespace" in extra ? extra.namespace : "default",
    resourceVersion: rv,
    labels: extra.labels
  },
  data: extra.data
})

const byApp: Store.Indexer<KubeObject> = (o) => (o.metadata.labels?.app ? [o.metadata.labels.app] : [])

const names = (objects: ReadonlyArray<KubeObject>) => objects.map((o) => o.metadata.name).sort()

describe("keys", () => {
  it("namespace/name for namespaced objects, name for cluster-scoped ones", () => {
    expect(Store.key("web", "default")).toBe("default/web")
    expect(Store.key("node-1")).toBe("node-1")
    expect(Store.key("node-1", "")).toBe("node-1")
    expect(Store.keyOf(cm("a", "1"))).toBe("default/a")
    expect(Store.keyOf(cm("n", "1", { namespace: undefined }))).toBe("n")
  })
})

describe("relist", () => {
  it.effect("the first commit delivers initial-list adds and resolves synced", () =>
    Effect.gen(function* () {
      const writer = Store.makeWriter<KubeObject>()
      const waiter = yield* Effect.fork(writer.store.synced)
      expect(writer.store.isSynced()).toBe(false)
      writer.beginRelist()
      writer.relistApply(cm("a", "1"))
      writer.relistApply(cm("b", "2"))
      const changes = writer.commitRelist("10")
      expect(changes).toEqual([
        { _tag: "Added", object: cm("a", "1"), isInitialList: true },
        { _tag: "Added", object: cm("b", "2"), isInitialList: true }
      ])
      expect(writer.store.isSynced()).toBe(true)
      expect(writer.store.resourceVersion()).toBe("10")
      yield* Fiber.join(waiter)
      expect(writer.store.size()).toBe(2)
    })
  )

  it("a relist in progress is invisible to readers until it is committed", () => {
    const writer = Store.makeWriter<KubeObject>({ indexers: { byApp } })
    writer.beginRelist()
    writer.relistApply(cm("a", "1", { labels: { app: "x" } }))
    writer.commitRelist("1")
    writer.beginRelist()
    writer.relistApply(cm("b", "2", { labels: { app: "x" } }))
    expect(names(writer.store.list())).toEqual(["a"])
    expect(names(writer.store.byIndex("byApp", "x"))).toEqual(["a"])
    expect(writer.store.get("default/b")).toBeUndefined()
    writer.commitRelist("2")
    expect(names(writer.store.list())).toEqual(["b"])
    expect(names(writer.store.byIndex("byApp", "x"))).toEqual(["b"])
  })

  it("a later relist: Added for new keys, Updated for kept keys (even unchanged), Deleted final-state-unknown for gone keys", () => {
    const writer = Store.makeWriter<KubeObject>()
    writer.beginRelist()
    writer.relistApply(cm("keep", "1"))
    writer.relistApply(cm("same", "2"))
    writer.relistApply(cm("gone", "3"))
    writer.commitRelist("3")
    writer.beginRelist()
    writer.relistApply(cm("keep", "5"))
    writer.relistApply(cm("same", "2"))
    writer.relistApply(cm("new", "6"))
    const changes = writer.commitRelist("6")
    expect(changes).toEqual([
      { _tag: "Updated", old: cm("keep", "1"), object: cm("keep", "5"), isInitialList: false },
      { _tag: "Updated", old: cm("same", "2"), object: cm("same", "2"), isInitialList: false },
      { _tag: "Added", object: cm("new", "6"), isInitialList: false },
      { _tag: "Deleted", object: cm("gone", "3"), finalStateUnknown: true }
    ])
    expect(changes.map((c) => Store.isResync(c))).toEqual([false, true, false, false])
    expect([...writer.store.keys()].sort()).toEqual(["default/keep", "default/new", "default/same"])
  })

  it("a commit without beginRelist is an empty relist", () => {
    const writer = Store.makeWriter<KubeObject>()
    writer.apply(cm("a", "1"))
    expect(writer.commitRelist(undefined)).toEqual([{ _tag: "Deleted", object: cm("a", "1"), finalStateUnknown: true }])
    expect(writer.store.size()).toBe(0)
    expect(writer.store.isSynced()).toBe(true)
  })

  it("beginRelist discards an unfinished relist", () => {
    const writer = Store.makeWriter<KubeObject>()
    writer.beginRelist()
    writer.relistApply(cm("stale", "1"))
    writer.beginRelist()
    writer.relistApply(cm("fresh", "2"))
    writer.commitRelist("2")
    expect(writer.store.keys()).toEqual(["default/fresh"])
  })
})

describe("apply and delete", () => {
  it("apply: Added then Updated with the previous value; an unchanged resourceVersion is still an update", () => {
    const writer = Store.makeWriter<KubeObject>()
    writer.commitRelist("1")
    expect(writer.apply(cm("a", "2"))).toEqual({ _tag: "Added", object: cm("a", "2"), isInitialList: false })
    const update = writer.apply(cm("a", "3", { data: { k: "v" } }))
    expect(update).toEqual({
      _tag: "Updated",
      old: cm("a", "2"),
      object: cm("a", "3", { data: { k: "v" } }),
      isInitialList: false
    })
    expect(Store.isResync(update)).toBe(false)
    const same = writer.apply(cm("a", "3", { data: { k: "v" } }))
    expect(same._tag).toBe("Updated")
    expect(Store.isResync(same)).toBe(true)
    expect(writer.store.resourceVersion()).toBe("3")
    expect(writer.store.getByName("a", "default")?.data).toEqual({ k: "v" })
  })

  it("delete: the final state from the event, not final-state-unknown; unknown keys yield undefined", () => {
    const writer = Store.makeWriter<KubeObject>({ indexers: { byApp } })
    writer.commitRelist("1")
    writer.apply(cm("a", "2", { labels: { app: "x" } }))
    const final = cm("a", "4", { labels: { app: "x" }, data: { last: "words" } })
    expect(writer.delete(final)).toEqual({ _tag: "Deleted", object: final, finalStateUnknown: false })
    expect(writer.delete(final)).toBeUndefined()
    expect(writer.delete(cm("never", "5"))).toBeUndefined()
    expect(writer.store.size()).toBe(0)
    expect(writer.store.byIndex("byApp", "x")).toEqual([])
    expect(writer.store.listByNamespace("default")).toEqual([])
    expect(writer.store.resourceVersion()).toBe("4")
  })
})

describe("indexes", () => {
  it("an update moves the key to its new index values and drops stale ones", () => {
    const writer = Store.makeWriter<KubeObject>({ indexers: { byApp } })
    writer.commitRelist("1")
    writer.apply(cm("a", "2", { labels: { app: "x" } }))
    writer.apply(cm("b", "3", { labels: { app: "x" } }))
    expect(names(writer.store.byIndex("byApp", "x"))).toEqual(["a", "b"])
    writer.apply(cm("a", "4", { labels: { app: "y" } }))
    expect(names(writer.store.byIndex("byApp", "x"))).toEqual(["b"])
    expect(names(writer.store.byIndex("byApp", "y"))).toEqual(["a"])
    writer.apply(cm("b", "5"))
    expect(writer.store.keysByIndex("byApp", "x")).toEqual([])
    expect(writer.store.byIndex("byApp", "nope")).toEqual([])
    expect(writer.store.byIndex("noSuchIndex", "x")).toEqual([])
  })

  it("multi-valued indexers put one object in several buckets", () => {
    const byLabelKey: Store.Indexer<KubeObject> = (o) => Object.keys(o.metadata.labels ?? {})
    const writer = Store.makeWriter<KubeObject>({ indexers: { byLabelKey } })
    writer.apply(cm("a", "1", { labels: { x: "1", y: "2" } }))
    expect(writer.store.keysByIndex("byLabelKey", "x")).toEqual(["default/a"])
    expect(writer.store.keysByIndex("byLabelKey", "y")).toEqual(["default/a"])
    writer.apply(cm("a", "2", { labels: { y: "2", z: "3" } }))
    expect(writer.store.keysByIndex("byLabelKey", "x")).toEqual([])
    expect(writer.store.keysByIndex("byLabelKey", "y")).toEqual(["default/a"])
    expect(writer.store.keysByIndex("byLabelKey", "z")).toEqual(["default/a"])
  })

  it("the namespace index is built in; cluster-scoped objects are not in it", () => {
    const writer = Store.makeWriter<KubeObject>()
    writer.beginRelist()
    writer.relistApply(cm("a", "1", { namespace: "ns1" }))
    writer.relistApply(cm("b", "2", { namespace: "ns2" }))
    writer.relistApply(cm("c", "3", { namespace: "ns1" }))
    writer.relistApply(cm("cluster", "4", { namespace: undefined }))
    writer.commitRelist("4")
    expect(writer.store.indexNames()).toEqual([Store.NamespaceIndex])
    expect(names(writer.store.listByNamespace("ns1"))).toEqual(["a", "c"])
    expect(names(writer.store.byIndex(Store.NamespaceIndex, "ns2"))).toEqual(["b"])
    expect(writer.store.listByNamespace("")).toEqual([])
    expect(writer.store.getByName("cluster")?.metadata.name).toBe("cluster")
  })

  it("a throwing indexer indexes the object under no value and the cache stays consistent", () => {
    const flaky: Store.Indexer<KubeObject> = (o) => {
      if (o.metadata.name === "bad") throw new Error("boom")
      return ["all"]
    }
    const writer = Store.makeWriter<KubeObject>({ indexers: { flaky } })
    writer.apply(cm("good", "1"))
    writer.apply(cm("bad", "2"))
    expect(writer.store.size()).toBe(2)
    expect(writer.store.keysByIndex("flaky", "all")).toEqual(["default/good"])
    writer.delete(cm("bad", "3"))
    expect(writer.store.keys()).toEqual(["default/good"])
  })
})

describe("transform and freeze", () => {
  const withManagedFields = (name: string, rv: string): KubeObject => ({
    metadata: { name, namespace: "default", resourceVersion: rv, managedFields: [{ manager: "kubectl" }] },
    data: { k: "v" }
  })

  it("stripManagedFields drops managedFields without mutating its input", () => {
    const input = withManagedFields("a", "1")
    const out = Store.stripManagedFields(input)
    expect(out).toEqual({ metadata: { name: "a", namespace: "default", resourceVersion: "1" }, data: { k: "v" } })
    expect(input.metadata.managedFields).toEqual([{ manager: "kubectl" }])
    const bare = cm("b", "1")
    expect(Store.stripManagedFields(bare)).toBe(bare)
  })

  it("the transform runs before storing, on relists, applies and deletes", () => {
    const writer = Store.makeWriter<KubeObject>({ transform: Store.stripManagedFields })
    writer.beginRelist()
    writer.relistApply(withManagedFields("a", "1"))
    const [added] = writer.commitRelist("1")
    expect(added?.object.metadata.managedFields).toBeUndefined()
    const updated = writer.apply(withManagedFields("a", "2"))
    expect(updated._tag === "Updated" && updated.object.metadata.managedFields).toBe(undefined)
    expect(writer.store.get("default/a")?.metadata.managedFields).toBeUndefined()
    const deleted = writer.delete(withManagedFields("a", "3"))
    expect(deleted?.object.metadata.managedFields).toBeUndefined()
  })

  it("a throwing transform stores the object untransformed", () => {
    const writer = Store.makeWriter<KubeObject>({
      transform: () => {
        throw new Error("bad transform")
      }
    })
    writer.apply(cm("a", "1"))
    expect(writer.store.get("default/a")).toEqual(cm("a", "1"))
  })

  it("freeze: stored objects are deeply frozen so a mutating reader throws", () => {
    const writer = Store.makeWriter<KubeObject>({ freeze: true, transform: Store.stripManagedFields })
    writer.apply(cm("a", "1", { labels: { app: "x" } }))
    const stored = writer.store.get("default/a")
    expect(stored).toBeDefined()
    expect(Object.isFrozen(stored)).toBe(true)
    expect(Object.isFrozen(stored?.metadata.labels)).toBe(true)
    expect(() => {
      Object.assign(stored?.metadata.labels ?? {}, { app: "mutated" })
    }).toThrow(TypeError)
  })

  it("without freeze, stored objects stay mutable (no per-event cost)", () => {
    const writer = Store.makeWriter<KubeObject>()
    writer.apply(cm("a", "1"))
    const stored = writer.store.get("default/a")
    expect(Object.isFrozen(stored)).toBe(false)
    expect(() => Object.assign(stored?.metadata ?? {}, { uid: "x" })).not.toThrow()
  })
})
