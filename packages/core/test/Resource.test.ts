import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as Kinds from "../src/Kinds.js"
import * as Resource from "../src/Resource.js"

const Website = Resource.custom({
  group: "example.com",
  version: "v1",
  kind: "Website",
  plural: "websites",
  scope: "Namespaced",
  shortNames: ["ws"],
  spec: Schema.Struct({ image: Schema.String, replicas: Schema.Int.pipe(Schema.between(1, 10)) }),
  status: Schema.Struct({ readyReplicas: Schema.optional(Schema.Int) }),
  scale: { specReplicasPath: ".spec.replicas", statusReplicasPath: ".status.readyReplicas" }
})

const site = {
  apiVersion: "example.com/v1",
  kind: "Website",
  metadata: { name: "blog", namespace: "web", uid: "u-1", somethingNew: { a: 1 } },
  spec: { image: "nginx", replicas: 3, futureField: [1, 2] },
  status: { readyReplicas: 3 },
  topLevelExtra: "kept"
}

describe("Resource.make / decode", () => {
  it("preserves fields the Schema does not name, at every level", () => {
    const decoded = Either.getOrThrow(Website.decode(site))
    expect(decoded).toEqual(site)
    expect(decoded.spec).toHaveProperty("futureField", [1, 2])
    expect(decoded.metadata).toHaveProperty("somethingNew", { a: 1 })
    expect(decoded).toHaveProperty("topLevelExtra", "kept")
  })

  it("defaults apiVersion and kind when absent (list items)", () => {
    const { apiVersion: _a, kind: _k, ...item } = site
    const decoded = Either.getOrThrow(Website.decode(item))
    expect([decoded.apiVersion, decoded.kind]).toEqual(["example.com/v1", "Website"])
  })

  it("rejects another kind or version", () => {
    expect(Either.isLeft(Website.decode({ ...site, apiVersion: "example.com/v2" }))).toBe(true)
    expect(Either.isLeft(Website.decode({ ...site, kind: "Blog" }))).toBe(true)
  })

  it("a DecodeError names the kind and key and lists every failing field", () => {
    const bad = { ...site, spec: { image: 42, replicas: 11 } }
    const result = Website.decode(bad)
    if (Either.isRight(result)) throw new Error("expected a decode failure")
    const error = result.left
    expect(error._tag).toBe("DecodeError")
    expect([error.kind, error.key]).toEqual(["Website", "web/blog"])
    expect(error.message).toMatch(/^Website does not match its schema/)
    expect(error.message).toContain("image")
    expect(error.message).toContain("replicas")
    expect(error.retryable).toBe(false)
  })

  it("key is the bare name for cluster-scoped objects and absent without a name", () => {
    const noNs = Kinds.Namespace.decode({ metadata: { name: "prod" }, spec: { finalizers: "no" } })
    expect(Either.isLeft(noNs) && noNs.left.key).toBe("prod")
    const noName = Website.decode({ metadata: {}, spec: {} })
    expect(Either.isLeft(noName) && noName.left.key).toBeUndefined()
    const notObject = Website.decode("nope")
    expect(Either.isLeft(notObject) && [notObject.left.kind, notObject.left.key]).toEqual(["Website", undefined])
  })

  it("encodes a typed value back, unknown fields included", () => {
    const decoded = Either.getOrThrow(Website.decode(site))
    expect(Either.getOrThrow(Website.encode(decoded))).toEqual(site)
  })

  it("encode reports a value the Schema refuses", () => {
    const decoded = Either.getOrThrow(Website.decode(site))
    const result = Website.encode({ ...decoded, spec: { image: "x", replicas: 99 } })
    expect(Either.isLeft(result) && [result.left._tag, result.left.kind, result.left.key]).toEqual([
      "DecodeError",
      "Website",
      "web/blog"
    ])
  })
})

describe("Resource.custom", () => {
  it("places the kind in the API with status and scale subresources", () => {
    expect({
      group: Website.group,
      version: Website.version,
      apiVersion: Website.apiVersion,
      kind: Website.kind,
      listKind: Website.listKind,
      plural: Website.plural,
      singular: Website.singular,
      scope: Website.scope,
      shortNames: Website.shortNames,
      subresources: Website.subresources,
      typed: Website.typed
    }).toEqual({
      group: "example.com",
      version: "v1",
      apiVersion: "example.com/v1",
      kind: "Website",
      listKind: "WebsiteList",
      plural: "websites",
      singular: "website",
      scope: "Namespaced",
      shortNames: ["ws"],
      subresources: {
        status: true,
        scale: { specReplicasPath: ".spec.replicas", statusReplicasPath: ".status.readyReplicas" }
      },
      typed: true
    })
    expect(Resource.gvk(Website)).toBe("example.com/v1/Website")
  })

  it("without a status Schema there is no status subresource", () => {
    const Plain = Resource.custom({
      group: "example.com",
      version: "v1alpha1",
      kind: "Plain",
      plural: "plains",
      scope: "Cluster",
      spec: Schema.Struct({ x: Schema.String })
    })
    expect(Plain.subresources.status).toBe(false)
    expect(Either.isRight(Plain.decode({ metadata: { name: "p" }, spec: { x: "1" } }))).toBe(true)
    expect(Either.isLeft(Plain.decode({ metadata: { name: "p" }, spec: { x: 1 } }))).toBe(true)
  })
})

describe("Resource.unstructured / untyped", () => {
  const Widget = Resource.unstructured({
    group: "acme.io",
    version: "v1",
    kind: "Widget",
    plural: "widgets",
    scope: "Namespaced"
  })

  it("accepts any object with a metadata object, untouched (same reference)", () => {
    const obj = { metadata: { name: "w" }, anything: [1, { deep: true }] }
    const decoded = Widget.decode(obj)
    expect(Either.isRight(decoded) && decoded.right).toBe(obj)
    expect(Either.getOrThrow(Widget.encode(obj))).toBe(obj)
    expect(Widget.typed).toBe(false)
  })

  it("rejects what is not an object with metadata, naming the kind", () => {
    for (const junk of [null, 1, "x", [], {}, { metadata: null }, { metadata: [] }, { metadata: "m" }]) {
      const result = Widget.decode(junk)
      expect(Either.isLeft(result) && [result.left._tag, result.left.kind]).toEqual(["DecodeError", "Widget"])
    }
    expect(Schema.is(Widget.schema)({ metadata: {} })).toBe(true)
    expect(Schema.is(Widget.schema)({ meta: {} })).toBe(false)
  })

  it("untyped keeps the placement of a typed kind and skips the Schema", () => {
    const raw = Resource.untyped(Kinds.Deployment)
    expect([raw.apiVersion, raw.plural, raw.scope, raw.subresources]).toEqual([
      "apps/v1",
      "deployments",
      "Namespaced",
      Kinds.Deployment.subresources
    ])
    // a Deployment the typed Schema rejects still passes the structural check
    const odd = { metadata: { name: "d" }, spec: { replicas: "two" } }
    expect(Either.isLeft(Kinds.Deployment.decode(odd))).toBe(true)
    expect(Either.isRight(raw.decode(odd))).toBe(true)
  })

  it("every resource is a Resource.Any, so heterogeneous lists type-check", () => {
    const mixed: ReadonlyArray<Resource.Any> = [Kinds.ConfigMap, Website, Widget]
    expect(mixed.map((r) => r.kind)).toEqual(["ConfigMap", "Website", "Widget"])
    const decoded = mixed[1]?.decode(site)
    expect(decoded && Either.isRight(decoded)).toBe(true)
  })

  it("apiVersionOf omits the empty core group", () => {
    expect(Resource.apiVersionOf("", "v1")).toBe("v1")
    expect(Resource.apiVersionOf("apps", "v1")).toBe("apps/v1")
  })
})
