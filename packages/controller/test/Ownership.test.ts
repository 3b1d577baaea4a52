import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type { KubeObject } from "@effect-kube/core/Meta"
import * as Ownership from "../src/Ownership.js"
import { configMaps, conflict, makeCluster, widgets } from "./support/FakeApi.js"

const site: KubeObject = {
  apiVersion: "example.com/v1",
  kind: "Website",
  metadata: { name: "web", namespace: "default", uid: "uid-site" }
}
const otherSite: KubeObject = {
  apiVersion: "example.com/v2",
  kind: "Website",
  metadata: { name: "other", namespace: "default", uid: "uid-other" }
}
const clusterOwner: KubeObject = {
  apiVersion: "example.com/v1",
  kind: "Tenant",
  metadata: { name: "acme", uid: "uid-tenant" }
}
const child: KubeObject = {
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "web-config", namespace: "default" }
}

const stringData = (o: KubeObject): Record<string, string> => {
  const out: Record<string, string> = {}
  if (typeof o.data === "object" && o.data !== null) {
    for (const [k, v] of Object.entries(o.data)) if (typeof v === "string") out[k] = v
  }
  return out
}

const right = <A, E>(e: Either.Either<A, E>): A => {
  if (Either.isLeft(e)) throw new Error(`expected Right, got ${String(e.left)}`)
  return e.right
}
const left = <A, E>(e: Either.Either<A, E>): E => {
  if (Either.isRight(e)) throw new Error("expected Left")
  return e.left
}

describe("Ownership references", () => {
  it("setControllerReference adds a controller ref with blockOwnerDeletion, idempotently", () => {
    const owned = right(Ownership.setControllerReference(site, child))
    expect(owned.metadata.ownerReferences).toEqual([
      {
        apiVersion: "example.com/v1",
        kind: "Website",
        name: "web",
        uid: "uid-site",
        blockOwnerDeletion: true,
        controller: true
      }
    ])
    expect(child.metadata.ownerReferences).toBeUndefined() // input untouched
    expect(right(Ownership.setControllerReference(site, owned))).toEqual(owned)
    expect(Ownership.hasControllerReference(owned)).toBe(true)
    expect(Ownership.isControlledBy(owned, site)).toBe(true)
    expect(Ownership.isControlledBy(owned, otherSite)).toBe(false)
    expect(Option.map(Ownership.getControllerOf(owned), (r) => r.name)).toEqual(Option.some("web"))
  })

  it("a different controller → AlreadyOwned; the same owner at another version replaces its ref", () => {
    const owned = right(Ownership.setControllerReference(site, child))
    const error = left(Ownership.setControllerReference(otherSite, owned))
    expect(error._tag).toBe("AlreadyOwned")
    if (error._tag === "AlreadyOwned") expect(error.existing.name).toBe("web")

    const bumped = { ...site, apiVersion: "example.com/v2", metadata: { ...site.metadata, uid: "uid-site-2" } }
    const refs = right(Ownership.setControllerReference(bumped, owned)).metadata.ownerReferences
    expect(refs?.length).toBe(1)
    expect(refs?.[0].apiVersion).toBe("example.com/v2")
    expect(refs?.[0].uid).toBe("uid-site-2")
  })

  it("namespace rules: same namespace, cluster-scoped owners anywhere, no namespaced owner for cluster objects", () => {
    const elsewhere = { ...child, metadata: { ...child.metadata, namespace: "prod" } }
    const cross = left(Ownership.setControllerReference(site, elsewhere))
    expect(cross._tag === "InvalidOwner" && cross.reason).toBe("CrossNamespace")

    const clusterScoped: KubeObject = { apiVersion: "v1", kind: "Namespace", metadata: { name: "team-a" } }
    const clusterObj = left(Ownership.setOwnerReference(site, clusterScoped))
    expect(clusterObj.reason).toBe("ClusterScopedObject")

    expect(Either.isRight(Ownership.setControllerReference(clusterOwner, child))).toBe(true)
    expect(Either.isRight(Ownership.setControllerReference(clusterOwner, clusterScoped))).toBe(true)

    const incomplete = left(Ownership.setOwnerReference({ metadata: { name: "x", namespace: "default" } }, child))
    expect(incomplete.reason).toBe("IncompleteOwner")
  })

  it("setOwnerReference adds a plain ref alongside a controller ref; removeOwnerReference drops it", () => {
    const owned = right(Ownership.setControllerReference(site, child))
    const shared = right(Ownership.setOwnerReference(clusterOwner, owned))
    expect(shared.metadata.ownerReferences?.map((r) => [r.kind, r.controller])).toEqual([
      ["Website", true],
      ["Tenant", undefined]
    ])
    const removed = Ownership.removeOwnerReference(clusterOwner, shared)
    expect(removed.metadata.ownerReferences?.map((r) => r.kind)).toEqual(["Website"])
    expect(Ownership.removeOwnerReference(clusterOwner, child)).toBe(child)
  })
})

describe("Ownership.checkOwnerCycle", () => {
  const node = (uid: string, owners: Array<string>): KubeObject => ({
    apiVersion: "example.com/v1",
    kind: "Node",
    metadata: {
      name: uid,
      namespace: "default",
      uid,
      ownerReferences: owners.map((o) => ({ apiVersion: "example.com/v1", kind: "Node", name: o, uid: o }))
    }
  })
  const resolverOf = (nodes: Array<KubeObject>) => {
    const byUid = new Map(nodes.map((n) => [n.metadata.uid ?? "", n]))
    return (ref: { readonly uid: string }) => Effect.succeed(Option.fromNullable(byUid.get(ref.uid)))
  }

  it.effect("accepts a DAG (shared ancestors are not cycles) and rejects a cycle with its path", () =>
    Effect.gen(function* () {
      const dag = [node("a", ["b", "c"]), node("b", ["d"]), node("c", ["d"]), node("d", [])]
      yield* Ownership.checkOwnerCycle(dag[0], resolverOf(dag))

      const cyclic = [node("a", ["b"]), node("b", ["c"]), node("c", ["a"])]
      const error = yield* Effect.flip(Ownership.checkOwnerCycle(cyclic[0], resolverOf(cyclic)))
      expect(error._tag).toBe("OwnerCycle")
      expect(error.path).toEqual(["a", "b", "c", "a"])

      // a missing owner ends the branch
      yield* Ownership.checkOwnerCycle(node("x", ["missing"]), resolverOf([]))
    })
  )
})

describe("Ownership.createOrUpdate", () => {
  const template = { metadata: { name: "cfg", namespace: "default" } }
  const withData = (value: string) => (cm: KubeObject) => Effect.succeed({ ...cm, data: { key: value } })

  it.effect("created → unchanged → updated, writing only when the mutation changes something", () =>
    Effect.gen(function* () {
      const cluster = makeCluster(configMaps)
      const api = cluster.api()
      const first = yield* Ownership.createOrUpdate(api, template, withData("v1"))
      expect(first.result).toBe("created")
      expect(first.object.data).toEqual({ key: "v1" })

      const second = yield* Ownership.createOrUpdate(api, template, withData("v1"))
      expect(second.result).toBe("unchanged")
      expect(cluster.count("replace")).toBe(0)

      const third = yield* Ownership.createOrUpdate(api, template, withData("v2"))
      expect(third.result).toBe("updated")
      expect(cluster.peek("cfg")?.data).toEqual({ key: "v2" })
      expect(cluster.count("create")).toBe(1)
      expect(cluster.count("replace")).toBe(1)
    })
  )

  it.effect("retries on Conflict by re-reading and mutating the fresh object", () =>
    Effect.gen(function* () {
      const cluster = makeCluster(configMaps)
      const api = cluster.api()
      cluster.seed({ metadata: { name: "cfg", namespace: "default" }, data: { key: "v1", other: "x" } })
      // another writer changes the object between our read and our write, once
      let raced = false
      cluster.beforeWrite = (verb) =>
        Effect.sync(() => {
          if (verb === "replace" && !raced) {
            raced = true
            cluster.mutate("cfg", (o) => {
              o.data = { key: "v1", other: "y" }
            })
          }
        })
      const result = yield* Ownership.createOrUpdate(api, template, (cm) =>
        Effect.succeed({ ...cm, data: { ...stringData(cm), key: "v2" } })
      )
      expect(result.result).toBe("updated")
      expect(cluster.peek("cfg")?.data).toEqual({ key: "v2", other: "y" })
      expect(cluster.count("replace")).toBe(2)
    })
  )

  it.effect("gives up after maxAttempts conflicts with the Conflict error", () =>
    Effect.gen(function* () {
      const cluster = makeCluster(configMaps)
      const api = cluster.api()
      cluster.seed({ metadata: { name: "cfg", namespace: "default" }, data: { key: "v1" } })
      for (let i = 0; i < 3; i++) cluster.failNext("replace", conflict("cfg"))
      const error = yield* Effect.flip(Ownership.createOrUpdate(api, template, withData("v2"), { maxAttempts: 3 }))
      expect(error._tag).toBe("Conflict")
      expect(cluster.count("replace")).toBe(3)
    })
  )

  it.effect("a create race (AlreadyExists) falls back to the update path", () =>
    Effect.gen(function* () {
      const cluster = makeCluster(configMaps)
      const api = cluster.api()
      cluster.beforeWrite = (verb) =>
        Effect.sync(() => {
          if (verb === "create" && cluster.peek("cfg") === undefined) {
            cluster.seed({ metadata: { name: "cfg", namespace: "default" }, data: { key: "theirs" } })
          }
        })
      const result = yield* Ownership.createOrUpdate(api, template, withData("ours"))
      expect(result.result).toBe("updated")
      expect(cluster.peek("cfg")?.data).toEqual({ key: "ours" })
    })
  )

  it.effect("rejects a mutation that renames the object, and passes mutate's own errors through", () =>
    Effect.gen(function* () {
      const api = makeCluster(configMaps).api()
      const renamed = yield* Effect.flip(
        Ownership.createOrUpdate(api, template, (cm) =>
          Effect.succeed({ ...cm, metadata: { ...cm.metadata, name: "other" } })
        )
      )
      expect(renamed._tag).toBe("MutationChangedIdentity")
      const failed = yield* Effect.flip(Ownership.createOrUpdate(api, template, () => Effect.fail("render failed")))
      expect(failed).toBe("render failed")
    })
  )
})

describe("Ownership.createOrPatch", () => {
  it.effect("patches only the changed fields, and status through /status", () =>
    Effect.gen(function* () {
      const cluster = makeCluster(widgets)
      const api = cluster.api()
      const template = { metadata: { name: "w", namespace: "default" } }
      const created = yield* Ownership.createOrPatch(api, template, (w) =>
        Effect.succeed({ ...w, spec: { a: 1, b: 2 } })
      )
      expect(created.result).toBe("created")

      const unchanged = yield* Ownership.createOrPatch(api, template, (w) =>
        Effect.succeed({ ...w, spec: { a: 1, b: 2 } })
      )
      expect(unchanged.result).toBe("unchanged")
      expect(cluster.count("patch")).toBe(0)

      const updated = yield* Ownership.createOrPatch(api, template, (w) =>
        Effect.succeed({ ...w, spec: { a: 1 }, status: { phase: "Ready" } })
      )
      expect(updated.result).toBe("updated")
      expect(cluster.calls.find((c) => c.verb === "patch")?.body).toEqual({
        _tag: "Merge",
        body: { spec: { b: null } }
      })
      expect(cluster.calls.find((c) => c.verb === "status.patch")?.body).toEqual({
        _tag: "Merge",
        body: { status: { phase: "Ready" } }
      })
      expect(cluster.peek("w")?.spec).toEqual({ a: 1 })
      expect(cluster.peek("w")?.status).toEqual({ phase: "Ready" })
    })
  )
})
