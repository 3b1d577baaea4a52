import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as fc from "effect/FastCheck"
import { applyMergePatch } from "../src/internal/patch/MergePatch.js"
import {
  strategicMerge,
  strategicMergeErrorStatus,
  strategicMergeSupported
} from "../src/internal/patch/StrategicMerge.js"

const Pod = { group: "", version: "v1", kind: "Pod" }
const Deployment = { group: "apps", version: "v1", kind: "Deployment" }
const ConfigMap = { group: "", version: "v1", kind: "ConfigMap" }

const deepFreeze = <A>(u: A): A => {
  if (typeof u === "object" && u !== null) {
    for (const v of Object.values(u)) deepFreeze(v)
    Object.freeze(u)
  }
  return u
}

const smp = (target: unknown, patch: unknown, kind = Pod): unknown => {
  const r = strategicMerge(deepFreeze(structuredClone(target)), deepFreeze(structuredClone(patch)), kind)
  if (Either.isLeft(r)) throw new Error(`unexpected failure: ${r.left.message}`)
  return r.right
}

/** Reads a nested member of an untyped value (undefined when absent). */
const at = (u: unknown, ...keys: ReadonlyArray<string>): unknown =>
  keys.reduce<unknown>((v, k) => (typeof v === "object" && v !== null ? Reflect.get(v, k) : undefined), u)

const pod = {
  metadata: { name: "p", labels: { a: "1" }, finalizers: ["f1"], ownerReferences: [{ uid: "u1", name: "o1" }] },
  spec: {
    containers: [
      { name: "a", image: "a:1", env: [{ name: "X", value: "1" }], ports: [{ containerPort: 80 }] },
      { name: "b", image: "b:1", args: ["x", "y"] }
    ],
    volumes: [{ name: "v", emptyDir: {} }],
    tolerations: [{ key: "t1" }, { key: "t2" }]
  },
  status: { conditions: [{ type: "Ready", status: "False" }] }
}

describe("strategicMerge", () => {
  it("merges containers by name, env by name, ports by containerPort (new elements before the server-only ones after them)", () => {
    const out = smp(pod, {
      spec: {
        containers: [
          { name: "a", env: [{ name: "Y", value: "2" }], ports: [{ containerPort: 80, name: "http" }] },
          { name: "c", image: "c:1" }
        ]
      }
    })
    expect(out).toMatchObject({
      spec: {
        containers: [
          {
            name: "a",
            image: "a:1",
            env: [
              { name: "Y", value: "2" },
              { name: "X", value: "1" }
            ],
            ports: [{ containerPort: 80, name: "http" }]
          },
          // kube-apiserver v1.37: [a, c, b] (c is new, so it precedes the server-only b)
          { name: "c", image: "c:1" },
          { name: "b", image: "b:1" }
        ]
      }
    })
  })

  it("replaces lists without a merge key (tolerations, args)", () => {
    const out = smp(pod, { spec: { tolerations: [{ key: "t3" }], containers: [{ name: "b", args: ["z"] }] } })
    expect(out).toMatchObject({ spec: { tolerations: [{ key: "t3" }], containers: [{}, { name: "b", args: ["z"] }] } })
  })

  it("$patch: delete removes a list element by merge key; $patch: replace replaces the list", () => {
    expect(smp(pod, { spec: { containers: [{ name: "a", $patch: "delete" }] } })).toMatchObject({
      spec: { containers: [{ name: "b" }] }
    })
    const replaced = smp(pod, { spec: { containers: [{ $patch: "replace" }, { name: "z", image: "z" }] } })
    expect(replaced).toMatchObject({ spec: { containers: [{ name: "z", image: "z" }] } })
    expect(at(replaced, "spec", "containers")).toHaveLength(1)
  })

  it("$patch: replace on a map replaces it; $patch: delete empties it", () => {
    expect(smp(pod, { metadata: { labels: { $patch: "replace", b: "2" } } })).toMatchObject({
      metadata: { labels: { b: "2" } }
    })
    const out = smp(pod, { metadata: { labels: { $patch: "replace", b: "2" } } })
    expect(at(out, "metadata", "labels")).toEqual({ b: "2" })
    const deleted = smp(pod, { metadata: { labels: { $patch: "delete" } } })
    expect(at(deleted, "metadata", "labels")).toEqual({})
  })

  it("null deletes map members", () => {
    const out = smp(pod, { metadata: { labels: { a: null, b: "2" } } })
    expect(at(out, "metadata", "labels")).toEqual({ b: "2" })
  })

  it("merges finalizers as a set and deletes with $deleteFromPrimitiveList", () => {
    const added = smp(pod, { metadata: { finalizers: ["f1", "f2"] } })
    expect(at(added, "metadata", "finalizers")).toEqual(["f1", "f2"])
    const removed = smp(added, { metadata: { "$deleteFromPrimitiveList/finalizers": ["f1"] } })
    expect(at(removed, "metadata", "finalizers")).toEqual(["f2"])
  })

  it("merges ownerReferences by uid and conditions by type", () => {
    const out = smp(pod, {
      metadata: { ownerReferences: [{ uid: "u2", name: "o2" }] },
      status: {
        conditions: [
          { type: "Ready", status: "True" },
          { type: "Initialized", status: "True" }
        ]
      }
    })
    expect(out).toMatchObject({
      // a lone new element goes first (kube-apiserver v1.37: [u2, u1])
      metadata: { ownerReferences: [{ uid: "u2" }, { uid: "u1" }] },
      status: {
        conditions: [
          { type: "Ready", status: "True" },
          { type: "Initialized", status: "True" }
        ]
      }
    })
  })

  it("$setElementOrder reorders a merged list", () => {
    const out = smp(pod, {
      spec: { "$setElementOrder/containers": [{ name: "b" }, { name: "a" }], containers: [{ name: "a", image: "a:2" }] }
    })
    expect(out).toMatchObject({
      spec: {
        containers: [
          { name: "b", image: "b:1" },
          { name: "a", image: "a:2" }
        ]
      }
    })
  })

  // Orders observed on kube-apiserver v1.37.2 for the same patches.
  const names = (u: unknown): unknown => (Array.isArray(u) ? u.map((c) => at(c, "name") ?? c) : u)
  const deploy = (containers: ReadonlyArray<string>, finalizers: ReadonlyArray<string>) => ({
    metadata: { name: "d", finalizers },
    spec: { template: { spec: { containers: containers.map((name) => ({ name, image: "busybox" })) } } }
  })
  const patchOf = (containers: ReadonlyArray<string>, finalizers?: ReadonlyArray<string>) => ({
    ...(finalizers ? { metadata: { finalizers } } : {}),
    spec: { template: { spec: { containers: containers.map((name) => ({ name, image: "busybox:2" })) } } }
  })
  const containersOf = (u: unknown) => names(at(u, "spec", "template", "spec", "containers"))

  it("puts a lone new element first (containers and finalizers)", () => {
    const out = smp(deploy(["b", "a"], ["x/a", "x/b"]), patchOf(["c"], ["x/c"]), Deployment)
    expect(containersOf(out)).toEqual(["c", "b", "a"])
    expect(at(out, "metadata", "finalizers")).toEqual(["x/c", "x/a", "x/b"])
  })

  it("places new elements after the patch elements before them, interleaving server-only ones", () => {
    const out = smp(deploy(["c", "b", "a"], ["x/c", "x/a", "x/b"]), patchOf(["b", "d"], ["x/a", "x/d"]), Deployment)
    expect(containersOf(out)).toEqual(["c", "b", "d", "a"])
    expect(at(out, "metadata", "finalizers")).toEqual(["x/c", "x/a", "x/d", "x/b"])
    expect(containersOf(smp(deploy(["b", "d", "a", "c"], []), patchOf(["b", "x"]), Deployment))).toEqual([
      "b",
      "x",
      "d",
      "a",
      "c"
    ])
  })

  it("$setElementOrder interleaves server-only elements by their original positions", () => {
    const out = smp(
      deploy(["c", "b", "d", "a"], []),
      {
        spec: {
          template: {
            spec: {
              "$setElementOrder/containers": [{ name: "a" }, { name: "c" }],
              containers: [{ name: "a", image: "x" }]
            }
          }
        }
      },
      Deployment
    )
    expect(containersOf(out)).toEqual(["b", "d", "a", "c"])
  })

  it("is not served for custom resources in *.k8s.io groups", () => {
    expect(strategicMergeSupported({ group: "gateway.networking.k8s.io" })).toBe(false)
    expect(strategicMergeSupported({ group: "apps" })).toBe(true)
  })

  it("$retainKeys clears keys the patch does not retain (volume source switch)", () => {
    const out = smp(pod, {
      spec: { volumes: [{ name: "v", $retainKeys: ["configMap", "name"], configMap: { name: "cm" } }] }
    })
    expect(out).toMatchObject({ spec: { volumes: [{ name: "v", configMap: { name: "cm" } }] } })
    expect(JSON.stringify(out)).not.toContain("emptyDir")
  })

  it("$retainKeys that does not cover the patch is a 422", () => {
    const r = strategicMerge(pod, { spec: { volumes: [{ name: "v", $retainKeys: ["name"], configMap: {} }] } }, Pod)
    expect(Either.isLeft(r) && strategicMergeErrorStatus(r.left).code).toBe(422)
  })

  it("a list element without its merge key is an error", () => {
    const r = strategicMerge(pod, { spec: { containers: [{ image: "x" }] } }, Pod)
    expect(Either.isLeft(r) && r.left.message).toBe('map: {"image":"x"} does not contain declared merge key: name')
  })

  it("strips directives from values the original lacks", () => {
    const out = smp(
      { metadata: { name: "d" } },
      {
        spec: { template: { spec: { "$setElementOrder/containers": [{ name: "a" }], containers: [{ name: "a" }] } } }
      },
      Deployment
    )
    expect(out).toEqual({ metadata: { name: "d" }, spec: { template: { spec: { containers: [{ name: "a" }] } } } })
  })

  it("applies kubectl's client-side apply patch for a Deployment", () => {
    const live = {
      metadata: { name: "d", annotations: { "kubectl.kubernetes.io/last-applied-configuration": "{}" } },
      spec: {
        replicas: 1,
        template: {
          spec: {
            containers: [
              { name: "web", image: "nginx:1", env: [{ name: "A", value: "1" }] },
              { name: "side", image: "busybox" }
            ]
          }
        }
      }
    }
    const patch = {
      metadata: { annotations: { "kubectl.kubernetes.io/last-applied-configuration": '{"new":true}' } },
      spec: {
        replicas: 3,
        template: {
          spec: {
            "$setElementOrder/containers": [{ name: "web" }],
            containers: [
              { name: "web", image: "nginx:2", "$setElementOrder/env": [{ name: "A" }] },
              { name: "side", $patch: "delete" }
            ]
          }
        }
      }
    }
    expect(smp(live, patch, Deployment)).toEqual({
      metadata: { name: "d", annotations: { "kubectl.kubernetes.io/last-applied-configuration": '{"new":true}' } },
      spec: {
        replicas: 3,
        template: { spec: { containers: [{ name: "web", image: "nginx:2", env: [{ name: "A", value: "1" }] }] } }
      }
    })
  })

  it("treats unknown lists of any kind as atomic and merges maps", () => {
    expect(smp({ data: { a: "1" }, list: [1, 2] }, { data: { b: "2" }, list: [3] }, ConfigMap)).toEqual({
      data: { a: "1", b: "2" },
      list: [3]
    })
  })

  it("is supported for built-in groups only", () => {
    expect(strategicMergeSupported(Pod)).toBe(true)
    expect(strategicMergeSupported(Deployment)).toBe(true)
    expect(strategicMergeSupported({ group: "networking.k8s.io" })).toBe(true)
    expect(strategicMergeSupported({ group: "example.com" })).toBe(false)
  })

  it("rejects a patch that is not an object with 400", () => {
    const r = strategicMerge(pod, [1], Pod)
    expect(Either.isLeft(r) && strategicMergeErrorStatus(r.left).code).toBe(400)
  })

  const key = fc.string({ maxLength: 4 }).filter((k) => !k.startsWith("$") && k !== "metadata")
  const doc = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: "small" },
      fc.string(),
      fc.integer(),
      fc.boolean(),
      fc.array(tie("value"), { maxLength: 3 }),
      tie("object")
    ),
    object: fc.dictionary(key, tie("value"), { maxKeys: 4 })
  })).object
  const patchDoc = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: "small" },
      fc.constant(null),
      fc.string(),
      fc.integer(),
      fc.array(fc.integer(), { maxLength: 3 }),
      tie("object")
    ),
    object: fc.dictionary(key, tie("value"), { maxKeys: 4 })
  })).object

  it.prop("without merge keys or directives it is a JSON merge patch", [doc, patchDoc], ([target, patch]) => {
    expect(smp(target, patch, ConfigMap)).toEqual(applyMergePatch(target, patch))
  })
})
