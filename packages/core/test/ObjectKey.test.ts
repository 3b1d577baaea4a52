import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as FC from "effect/FastCheck"
import * as Kinds from "../src/Kinds.js"
import * as ObjectKey from "../src/ObjectKey.js"

describe("ObjectKey", () => {
  it("keys objects as namespace/name, cluster-scoped ones as name", () => {
    expect(ObjectKey.key({ metadata: { namespace: "default", name: "web" } })).toBe("default/web")
    expect(ObjectKey.key({ metadata: { name: "node-1" } })).toBe("node-1")
    expect(ObjectKey.key({ metadata: { namespace: "", name: "node-1" } })).toBe("node-1")
    expect(ObjectKey.key({ metadata: { generateName: "web-" } })).toBe("")
  })

  it("keys structured keys the same way", () => {
    expect(ObjectKey.key({ namespace: "default", name: "web" })).toBe("default/web")
    expect(ObjectKey.key({ name: "node-1" })).toBe("node-1")
    expect(ObjectKey.key(ObjectKey.make("web", "default"))).toBe("default/web")
    expect(ObjectKey.make("n", "")).toEqual({ name: "n" })
  })

  it("fromObject and equals (absent and empty namespace are the same)", () => {
    expect(ObjectKey.fromObject({ metadata: { namespace: "a", name: "b" } })).toEqual({ namespace: "a", name: "b" })
    expect(ObjectKey.equals({ name: "a" }, { namespace: "", name: "a" })).toBe(true)
    expect(ObjectKey.equals({ namespace: "x", name: "a" }, { name: "a" })).toBe(false)
    expect(ObjectKey.equals({ namespace: "x", name: "a" }, { namespace: "x", name: "b" })).toBe(false)
  })

  it("parses good keys", () => {
    expect(ObjectKey.parse("default/web")).toEqual(Either.right({ namespace: "default", name: "web" }))
    expect(ObjectKey.parse("node-1")).toEqual(Either.right({ name: "node-1" }))
  })

  it("rejects malformed keys with InvalidKey", () => {
    for (const bad of ["", "a/b/c", "/a", "a/", "/"]) {
      const r = ObjectKey.parse(bad)
      expect(Either.isLeft(r) && [r.left._tag, r.left.key], bad).toEqual(["InvalidKey", bad])
    }
  })

  it.prop(
    "parse inverts key",
    [
      FC.stringMatching(/^[a-z0-9][-a-z0-9.]{0,20}$/),
      FC.option(FC.stringMatching(/^[a-z0-9][-a-z0-9]{0,20}$/), { nil: undefined })
    ],
    ([name, namespace]) => {
      const k = ObjectKey.make(name, namespace)
      expect(ObjectKey.parse(ObjectKey.key(k))).toEqual(Either.right(k))
    }
  )

  it("ObjectRef: from a kind and an object, from an owner reference, printed for logs", () => {
    const cm = { metadata: { namespace: "default", name: "cfg", uid: "u-1" } }
    const ref = ObjectKey.refOf(Kinds.ConfigMap, cm)
    expect(ref).toEqual({ apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "cfg", uid: "u-1" })
    expect(ObjectKey.refToString(ref)).toBe("ConfigMap default/cfg")
    const node = ObjectKey.refOf(Kinds.Node, { metadata: { name: "n1" } })
    expect(node).toEqual({ apiVersion: "v1", kind: "Node", name: "n1" })
    expect(ObjectKey.refToString(node)).toBe("Node n1")

    const owner = { apiVersion: "apps/v1", kind: "Deployment", name: "web", uid: "u-2", controller: true }
    expect(ObjectKey.fromOwnerReference(owner, "default")).toEqual({
      apiVersion: "apps/v1",
      kind: "Deployment",
      namespace: "default",
      name: "web",
      uid: "u-2"
    })
    expect(ObjectKey.fromOwnerReference(owner, "default", false)).toEqual({
      apiVersion: "apps/v1",
      kind: "Deployment",
      name: "web",
      uid: "u-2"
    })
  })
})
