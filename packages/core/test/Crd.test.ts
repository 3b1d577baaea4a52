import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as Crd from "../src/Crd.js"
import * as Kinds from "../src/Kinds.js"
import * as Resource from "../src/Resource.js"

const schemaOf = <A, I>(schema: Schema.Schema<A, I>): Crd.JSONSchemaProps => {
  const result = Crd.openAPIV3Schema(schema)
  if (Either.isLeft(result)) throw new Error(result.left.message)
  return result.right
}

const issuesOf = <A, I>(schema: Schema.Schema<A, I>): ReadonlyArray<Crd.Issue> =>
  Either.match(Crd.openAPIV3Schema(schema), { onLeft: (e) => e.issues, onRight: () => [] })

const crdOf = (
  resource: Crd.Source | ReadonlyArray<Crd.Version>,
  options?: Crd.Options
): Crd.CustomResourceDefinition => {
  const result = Crd.make(resource, options)
  if (Either.isLeft(result)) throw new Error(result.left.message)
  return result.right
}

const errorOf = (resource: Crd.Source | ReadonlyArray<Crd.Version>, options?: Crd.Options): Crd.CrdGenerationError =>
  Either.match(Crd.make(resource, options), {
    onLeft: (e) => e,
    onRight: () => {
      throw new Error("expected a CrdGenerationError")
    }
  })

const spec = <A, I>(schema: Schema.Schema<A, I>) =>
  Resource.custom({
    group: "example.com",
    version: "v1",
    kind: "Thing",
    plural: "things",
    scope: "Namespaced",
    spec: schema
  })

// ---------------------------------------------------------------------------------------------

const Port = Schema.Struct({
  name: Schema.String.pipe(Schema.maxLength(15)),
  port: Schema.Int.pipe(Schema.between(1, 65535)),
  protocol: Schema.optionalWith(Schema.Literal("TCP", "UDP"), { default: () => "TCP" })
})

const WebsiteStatus = Schema.Struct({
  readyReplicas: Schema.optional(Schema.Int),
  selector: Schema.optional(Schema.String),
  conditions: Schema.optional(
    Schema.Array(
      Schema.Struct({
        type: Schema.String,
        status: Schema.Literal("True", "False", "Unknown"),
        lastTransitionTime: Schema.String.annotations(Crd.format("date-time"))
      })
    ).annotations({ ...Crd.listType("map"), ...Crd.listMapKeys(["type"]) })
  )
})

const Website = Resource.custom({
  group: "example.com",
  version: "v1",
  kind: "Website",
  plural: "websites",
  scope: "Namespaced",
  shortNames: ["ws"],
  categories: ["all"],
  spec: Schema.Struct({
    image: Schema.String.pipe(Schema.minLength(1)).annotations({ description: "The container image." }),
    replicas: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 10)), { default: () => 1 }),
    ports: Schema.optional(Schema.Array(Port).annotations({ ...Crd.listType("map"), ...Crd.listMapKeys(["name"]) })),
    env: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String })),
    maxSurge: Schema.optional(Schema.Union(Schema.Int, Schema.String)),
    tier: Schema.NullOr(Schema.Literal("frontend", "backend")),
    values: Schema.optional(Schema.Unknown),
    template: Schema.optional(Schema.Unknown.annotations(Crd.embeddedResource())),
    hosts: Schema.optional(Schema.NonEmptyArray(Schema.String.pipe(Schema.pattern(/^[a-z0-9.-]+$/)))),
    ratio: Schema.optional(Schema.Number.pipe(Schema.greaterThan(0), Schema.lessThanOrEqualTo(1))),
    suspended: Schema.optional(Schema.Boolean),
    createdAt: Schema.optional(Schema.Date)
  }).annotations(
    Crd.validations([{ rule: "!has(self.hosts) || size(self.hosts) <= 10", message: "at most 10 hosts" }])
  ),
  status: WebsiteStatus,
  scale: {
    specReplicasPath: ".spec.replicas",
    statusReplicasPath: ".status.readyReplicas",
    labelSelectorPath: ".status.selector"
  }
})

describe("Crd.make: a Website-like kind", () => {
  it("produces the whole CRD", () => {
    const crd = crdOf(Website, {
      printerColumns: [
        Crd.printerColumn({ name: "Image", type: "string", jsonPath: ".spec.image" }),
        Crd.printerColumn({ name: "Ready", type: "integer", jsonPath: ".status.readyReplicas", priority: 1 }),
        Crd.printerColumn({ name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" })
      ],
      labels: { "app.kubernetes.io/part-of": "website-operator" }
    })
    expect(crd).toEqual({
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: "websites.example.com", labels: { "app.kubernetes.io/part-of": "website-operator" } },
      spec: {
        group: "example.com",
        names: {
          plural: "websites",
          singular: "website",
          kind: "Website",
          listKind: "WebsiteList",
          shortNames: ["ws"],
          categories: ["all"]
        },
        scope: "Namespaced",
        versions: [
          {
            name: "v1",
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: "object",
                properties: {
                  apiVersion: { type: "string" },
                  kind: { type: "string" },
                  metadata: { type: "object" },
                  spec: {
                    type: "object",
                    properties: {
                      image: { type: "string", minLength: 1, description: "The container image." },
                      replicas: { type: "integer", minimum: 1, maximum: 10, default: 1 },
                      ports: {
                        type: "array",
                        items: {
                          type: "object",
                          properties: {
                            name: { type: "string", maxLength: 15 },
                            port: { type: "integer", minimum: 1, maximum: 65535 },
                            protocol: { type: "string", enum: ["TCP", "UDP"], default: "TCP" }
                          },
                          required: ["name", "port"]
                        },
                        "x-kubernetes-list-type": "map",
                        "x-kubernetes-list-map-keys": ["name"]
                      },
                      env: { type: "object", additionalProperties: { type: "string" } },
                      maxSurge: {
                        "x-kubernetes-int-or-string": true,
                        anyOf: [{ type: "integer" }, { type: "string" }]
                      },
                      tier: { type: "string", nullable: true, allOf: [{ enum: ["frontend", "backend"] }] },
                      values: { "x-kubernetes-preserve-unknown-fields": true },
                      template: {
                        type: "object",
                        "x-kubernetes-embedded-resource": true,
                        "x-kubernetes-preserve-unknown-fields": true
                      },
                      hosts: { type: "array", items: { type: "string", pattern: "^[a-z0-9.-]+$" }, minItems: 1 },
                      ratio: { type: "number", minimum: 0, exclusiveMinimum: true, maximum: 1 },
                      suspended: { type: "boolean" },
                      createdAt: { type: "string" }
                    },
                    required: ["image", "tier"],
                    "x-kubernetes-validations": [
                      { rule: "!has(self.hosts) || size(self.hosts) <= 10", message: "at most 10 hosts" }
                    ]
                  },
                  status: {
                    type: "object",
                    properties: {
                      readyReplicas: { type: "integer" },
                      selector: { type: "string" },
                      conditions: {
                        type: "array",
                        items: {
                          type: "object",
                          properties: {
                            type: { type: "string" },
                            status: { type: "string", enum: ["True", "False", "Unknown"] },
                            lastTransitionTime: { type: "string", format: "date-time" }
                          },
                          required: ["type", "status", "lastTransitionTime"]
                        },
                        "x-kubernetes-list-type": "map",
                        "x-kubernetes-list-map-keys": ["type"]
                      }
                    }
                  }
                },
                required: ["spec"]
              }
            },
            subresources: {
              status: {},
              scale: {
                specReplicasPath: ".spec.replicas",
                statusReplicasPath: ".status.readyReplicas",
                labelSelectorPath: ".status.selector"
              }
            },
            additionalPrinterColumns: [
              { name: "Image", type: "string", jsonPath: ".spec.image" },
              { name: "Ready", type: "integer", jsonPath: ".status.readyReplicas", priority: 1 },
              { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" }
            ]
          }
        ]
      }
    })
  })

  it("is a valid CustomResourceDefinition object for the built-in kind (types and runtime decode)", () => {
    const crd: Kinds.CustomResourceDefinition = crdOf(Website)
    const decoded = Kinds.CustomResourceDefinition.decode(crd)
    expect(Either.isRight(decoded)).toBe(true)
    expect(Either.getOrThrow(decoded).spec.versions.map((v) => v.name)).toEqual(["v1"])
  })

  it("is deterministic", () => {
    expect(JSON.stringify(crdOf(Website))).toEqual(JSON.stringify(crdOf(Website)))
  })

  it("omits status (property and subresource) for a kind without status", () => {
    const crd = crdOf(spec(Schema.Struct({ a: Schema.String })))
    const version = crd.spec.versions[0]
    expect(version.subresources).toBeUndefined()
    expect(Object.keys(version.schema.openAPIV3Schema.properties ?? {})).toEqual([
      "apiVersion",
      "kind",
      "metadata",
      "spec"
    ])
    expect(crd.spec.names).toEqual({ plural: "things", singular: "thing", kind: "Thing", listKind: "ThingList" })
  })

  it("describes a cluster-scoped kind built with Resource.make (top-level fields other than spec)", () => {
    const Policy = Resource.make(
      { group: "policy.example.com", version: "v1beta1", kind: "Policy", plural: "policies", scope: "Cluster" },
      Resource.objectSchema("policy.example.com/v1beta1", "Policy", {
        rules: Schema.Array(Schema.String),
        data: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String }))
      })
    )
    const crd = crdOf(Policy)
    expect(crd.spec.scope).toBe("Cluster")
    expect(crd.spec.versions[0].schema.openAPIV3Schema).toEqual({
      type: "object",
      properties: {
        apiVersion: { type: "string" },
        kind: { type: "string" },
        metadata: { type: "object" },
        rules: { type: "array", items: { type: "string" } },
        data: { type: "object", additionalProperties: { type: "string" } }
      },
      required: ["rules"]
    })
  })
})

// ---------------------------------------------------------------------------------------------

describe("Crd.openAPIV3Schema: Schema → structural OpenAPI", () => {
  it("maps scalars", () => {
    expect(schemaOf(Schema.String)).toEqual({ type: "string" })
    expect(schemaOf(Schema.Number)).toEqual({ type: "number" })
    expect(schemaOf(Schema.Boolean)).toEqual({ type: "boolean" })
    expect(schemaOf(Schema.Int)).toEqual({ type: "integer" })
    expect(schemaOf(Schema.NonNegativeInt)).toEqual({ type: "integer", minimum: 0 })
    expect(schemaOf(Schema.Finite)).toEqual({ type: "number" })
    expect(schemaOf(Schema.NonNaN)).toEqual({ type: "number" })
    expect(schemaOf(Schema.Int.annotations(Crd.format("int64")))).toEqual({ type: "integer", format: "int64" })
  })

  it("maps structs: properties, required, optional and defaulted fields", () => {
    expect(
      schemaOf(
        Schema.Struct({
          a: Schema.String,
          b: Schema.optional(Schema.String),
          c: Schema.optionalWith(Schema.Int, { default: () => 3 }),
          d: Schema.optionalWith(Schema.String, { exact: true }),
          e: Schema.UndefinedOr(Schema.String),
          f: Schema.optionalWith(Schema.Boolean, { exact: true, default: () => false }),
          g: Schema.optionalWith(Schema.String, { as: "Option" })
        })
      )
    ).toEqual({
      type: "object",
      properties: {
        a: { type: "string" },
        b: { type: "string" },
        c: { type: "integer", default: 3 },
        d: { type: "string" },
        e: { type: "string" },
        f: { type: "boolean", default: false },
        g: { type: "string" }
      },
      required: ["a"]
    })
    expect(schemaOf(Schema.Struct({}))).toEqual({ type: "object" })
  })

  it("encodes defaults to their wire form, at any depth", () => {
    const Nested = Schema.Struct({
      x: Schema.optionalWith(Schema.Int, { default: () => 5 }),
      when: Schema.optionalWith(Schema.Date, { default: () => new Date(0) })
    })
    expect(
      schemaOf(
        Schema.Struct({
          nested: Schema.optionalWith(Nested, { default: () => Nested.make({}) }),
          count: Schema.optionalWith(Schema.NumberFromString, { default: () => 7 }),
          tagged: Schema.String.annotations({ default: "x" }),
          renamed: Schema.optionalWith(Schema.String, { default: () => "r" }).pipe(Schema.fromKey("wire_name"))
        })
      ).properties
    ).toEqual({
      nested: {
        type: "object",
        properties: {
          x: { type: "integer", default: 5 },
          when: { type: "string", default: "1970-01-01T00:00:00.000Z" }
        },
        default: { x: 5, when: "1970-01-01T00:00:00.000Z" }
      },
      count: { type: "string", default: "7" },
      tagged: { type: "string", default: "x" },
      wire_name: { type: "string", default: "r" }
    })
  })

  it("maps records to additionalProperties and key constraints to CEL rules", () => {
    expect(schemaOf(Schema.Record({ key: Schema.String, value: Schema.Int }))).toEqual({
      type: "object",
      additionalProperties: { type: "integer" }
    })
    expect(
      schemaOf(
        Schema.Record({
          key: Schema.String.pipe(Schema.maxLength(63), Schema.pattern(/^[a-z]+$/)),
          value: Schema.String
        })
      )
    ).toEqual({
      type: "object",
      additionalProperties: { type: "string" },
      "x-kubernetes-validations": [
        { rule: "self.all(k, size(k) <= 63)", message: "keys must be at most 63 characters long" },
        { rule: 'self.all(k, k.matches("^[a-z]+$"))', message: "keys must match ^[a-z]+$" }
      ]
    })
    expect(
      schemaOf(Schema.Record({ key: Schema.TemplateLiteral("x-", Schema.String), value: Schema.String }))[
        "x-kubernetes-validations"
      ]
    ).toEqual([{ rule: 'self.all(k, k.matches("^x-[\\\\s\\\\S]*?$"))', message: "keys must match ^x-[\\s\\S]*?$" }])
  })

  it("keeps named fields with an Unknown index signature as preserve-unknown-fields", () => {
    expect(
      schemaOf(Schema.Struct({ known: Schema.String }, Schema.Record({ key: Schema.String, value: Schema.Unknown })))
    ).toEqual({
      type: "object",
      properties: { known: { type: "string" } },
      required: ["known"],
      "x-kubernetes-preserve-unknown-fields": true
    })
  })

  it("maps arrays and homogeneous tuples", () => {
    expect(schemaOf(Schema.Array(Schema.String))).toEqual({ type: "array", items: { type: "string" } })
    expect(schemaOf(Schema.NonEmptyArray(Schema.Int))).toEqual({
      type: "array",
      items: { type: "integer" },
      minItems: 1
    })
    expect(schemaOf(Schema.Tuple(Schema.String, Schema.String))).toEqual({
      type: "array",
      items: { type: "string" },
      minItems: 2,
      maxItems: 2
    })
    expect(schemaOf(Schema.Tuple(Schema.String, Schema.optionalElement(Schema.String)))).toEqual({
      type: "array",
      items: { type: "string" },
      minItems: 1,
      maxItems: 2
    })
    expect(schemaOf(Schema.Array(Schema.String).pipe(Schema.minItems(1), Schema.maxItems(5)))).toEqual({
      type: "array",
      items: { type: "string" },
      minItems: 1,
      maxItems: 5
    })
    expect(schemaOf(Schema.Array(Schema.Int).pipe(Schema.itemsCount(3)))).toMatchObject({ minItems: 3, maxItems: 3 })
  })

  it("maps literals and enums to enum", () => {
    expect(schemaOf(Schema.Literal("a"))).toEqual({ type: "string", enum: ["a"] })
    expect(schemaOf(Schema.Literal("a", "b"))).toEqual({ type: "string", enum: ["a", "b"] })
    expect(schemaOf(Schema.Literal(1, 2, 3))).toEqual({ type: "integer", enum: [1, 2, 3] })
    expect(schemaOf(Schema.Literal(0.5, 1))).toEqual({ type: "number", enum: [0.5, 1] })
    expect(schemaOf(Schema.Literal(true))).toEqual({ type: "boolean", enum: [true] })
    enum Color {
      Red = "red",
      Blue = "blue"
    }
    expect(schemaOf(Schema.Enums(Color))).toEqual({ type: "string", enum: ["red", "blue"] })
    expect(schemaOf(Schema.Union(Schema.Literal("a"), Schema.String))).toEqual({ type: "string" })
  })

  it("maps NullOr / NullishOr to nullable (enums under allOf, which the apiserver skips for null)", () => {
    expect(schemaOf(Schema.NullOr(Schema.String))).toEqual({ type: "string", nullable: true })
    expect(schemaOf(Schema.NullOr(Schema.Struct({ a: Schema.String })))).toEqual({
      type: "object",
      properties: { a: { type: "string" } },
      required: ["a"],
      nullable: true
    })
    expect(schemaOf(Schema.Literal("a", "b", null))).toEqual({
      type: "string",
      nullable: true,
      allOf: [{ enum: ["a", "b"] }]
    })
    const s = schemaOf(
      Schema.Struct({ x: Schema.NullishOr(Schema.Int), y: Schema.optionalWith(Schema.String, { nullable: true }) })
    )
    expect(s).toEqual({
      type: "object",
      properties: { x: { type: "integer", nullable: true }, y: { type: "string", nullable: true } }
    })
  })

  it("maps string and number refinements from Effect's jsonSchema annotations", () => {
    expect(schemaOf(Schema.String.pipe(Schema.minLength(2), Schema.maxLength(8)))).toEqual({
      type: "string",
      minLength: 2,
      maxLength: 8
    })
    expect(schemaOf(Schema.String.pipe(Schema.length(4)))).toEqual({ type: "string", minLength: 4, maxLength: 4 })
    expect(schemaOf(Schema.String.pipe(Schema.startsWith("a")))).toEqual({ type: "string", pattern: "^a" })
    expect(schemaOf(Schema.UUID)).toMatchObject({ type: "string", format: "uuid" })
    expect(schemaOf(Schema.Int.pipe(Schema.greaterThan(0), Schema.lessThan(10)))).toEqual({
      type: "integer",
      minimum: 0,
      exclusiveMinimum: true,
      maximum: 10,
      exclusiveMaximum: true
    })
    expect(schemaOf(Schema.Number.pipe(Schema.multipleOf(5)))).toEqual({ type: "number", multipleOf: 5 })
    expect(schemaOf(Schema.String.pipe(Schema.nonEmptyString()))).toEqual({ type: "string", minLength: 1 })
  })

  it("keeps the stricter bound and puts a second pattern under allOf", () => {
    expect(schemaOf(Schema.Int.pipe(Schema.between(1, 10), Schema.between(3, 20)))).toEqual({
      type: "integer",
      minimum: 3,
      maximum: 10
    })
    expect(schemaOf(Schema.Int.pipe(Schema.greaterThanOrEqualTo(3), Schema.greaterThan(3)))).toEqual({
      type: "integer",
      minimum: 3,
      exclusiveMinimum: true
    })
    expect(schemaOf(Schema.String.pipe(Schema.minLength(1), Schema.minLength(3)))).toEqual({
      type: "string",
      minLength: 3
    })
    expect(schemaOf(Schema.String.pipe(Schema.pattern(/^a/), Schema.pattern(/b$/)))).toEqual({
      type: "string",
      pattern: "^a",
      allOf: [{ pattern: "b$" }]
    })
  })

  it("maps a template literal to a pattern", () => {
    expect(schemaOf(Schema.TemplateLiteral("v", Schema.Number))).toEqual({
      type: "string",
      pattern: "^v[+-]?\\d*\\.?\\d+(?:[Ee][+-]?\\d+)?$"
    })
  })

  it("maps exactly integer | string to x-kubernetes-int-or-string, with each side's constraints", () => {
    const ios = { "x-kubernetes-int-or-string": true, anyOf: [{ type: "integer" }, { type: "string" }] }
    expect(schemaOf(Schema.Union(Schema.Int, Schema.String))).toEqual(ios)
    expect(schemaOf(Schema.Union(Schema.String, Schema.Int))).toEqual(ios)
    expect(schemaOf(Kinds.IntOrString)).toEqual(ios)
    expect(
      schemaOf(Schema.Union(Schema.Int.pipe(Schema.between(1, 65535)), Schema.String.pipe(Schema.pattern(/^[a-z]+$/))))
    ).toEqual({ ...ios, minimum: 1, maximum: 65535, pattern: "^[a-z]+$" })
    expect(schemaOf(Schema.NullOr(Kinds.IntOrString))).toEqual({ ...ios, nullable: true })
  })

  it("puts differing constraints of one scalar type under anyOf", () => {
    expect(
      schemaOf(Schema.Union(Schema.String.pipe(Schema.minLength(3)), Schema.String.pipe(Schema.pattern(/^x/))))
    ).toEqual({
      type: "string",
      anyOf: [{ minLength: 3 }, { pattern: "^x" }]
    })
    expect(schemaOf(Schema.Union(Schema.Int, Schema.Number))).toEqual({ type: "number" })
  })

  it("maps Unknown/Any/Object to preserved unknown fields", () => {
    expect(schemaOf(Schema.Unknown)).toEqual({ "x-kubernetes-preserve-unknown-fields": true })
    expect(schemaOf(Schema.Any)).toEqual({ "x-kubernetes-preserve-unknown-fields": true })
    expect(schemaOf(Schema.Object)).toEqual({ type: "object", "x-kubernetes-preserve-unknown-fields": true })
    expect(schemaOf(Schema.Union(Schema.String, Schema.Unknown))).toEqual({
      "x-kubernetes-preserve-unknown-fields": true
    })
  })

  it("follows the encoded side of transformations", () => {
    expect(schemaOf(Schema.NumberFromString)).toEqual({ type: "string" })
    expect(schemaOf(Schema.Date)).toEqual({ type: "string" })
    expect(schemaOf(Schema.DateTimeUtc)).toEqual({ type: "string" })
    expect(schemaOf(Schema.parseJson(Schema.Struct({ a: Schema.Number })))).toEqual({ type: "string" })
    expect(schemaOf(Schema.Trim)).toEqual({ type: "string" })
    // A refinement of the decoded value says nothing about the wire string.
    expect(schemaOf(Schema.NumberFromString.pipe(Schema.between(1, 5)))).toEqual({ type: "string" })
    class Spec extends Schema.Class<Spec>("Spec")({ image: Schema.String, replicas: Schema.optional(Schema.Int) }) {}
    expect(schemaOf(Spec)).toEqual({
      type: "object",
      properties: { image: { type: "string" }, replicas: { type: "integer" } },
      required: ["image"]
    })
    expect(schemaOf(Schema.Struct({ t: Schema.TaggedStruct("A", { a: Schema.String }) })).properties?.t).toEqual({
      type: "object",
      properties: { _tag: { type: "string", enum: ["A"] }, a: { type: "string" } },
      required: ["_tag", "a"]
    })
  })

  it("expands a non-recursive Schema.suspend", () => {
    const Inner = Schema.Struct({ a: Schema.String })
    expect(schemaOf(Schema.Struct({ inner: Schema.suspend(() => Inner) }))).toEqual({
      type: "object",
      properties: { inner: { type: "object", properties: { a: { type: "string" } }, required: ["a"] } },
      required: ["inner"]
    })
  })

  it("takes descriptions from annotations, not Effect's generic ones", () => {
    const s = schemaOf(
      Schema.Struct({
        a: Schema.String.annotations({ description: "A." }),
        b: Schema.optional(Schema.Int).annotations({ description: "B." }),
        c: Schema.Int.pipe(Schema.between(1, 2)),
        d: Schema.propertySignature(Schema.String).annotations({ description: "D." }),
        e: Schema.Date
      }).annotations({ description: "The spec." })
    )
    expect(s.description).toBe("The spec.")
    expect(s.properties?.a.description).toBe("A.")
    expect(s.properties?.b.description).toBe("B.")
    expect(s.properties?.c.description).toBeUndefined()
    expect(s.properties?.d.description).toBe("D.")
    expect(s.properties?.e.description).toBeUndefined()
  })
})

// ---------------------------------------------------------------------------------------------

describe("Crd annotations", () => {
  it("are usable with .annotations(...) and with Schema.annotations in a pipe", () => {
    const viaMethod = Schema.Array(Schema.String).annotations(Crd.listType("set"))
    const viaPipe = Schema.Array(Schema.String).pipe(Schema.annotations(Crd.listType("set")))
    const viaId = Schema.Array(Schema.String).annotations({ [Crd.ListTypeId]: "set" })
    for (const s of [viaMethod, viaPipe, viaId]) {
      expect(schemaOf(s)).toEqual({ type: "array", items: { type: "string" }, "x-kubernetes-list-type": "set" })
    }
  })

  it("accumulate CEL rules over the wrappers of one field", () => {
    const Window = Schema.Struct({ min: Schema.Int, max: Schema.Int })
      .annotations(Crd.validations([{ rule: "self.min <= self.max", message: "min must not exceed max" }]))
      .pipe(Schema.filter(() => true, { jsonSchema: {} }))
    const s = schemaOf(
      Schema.Struct({
        window: Schema.propertySignature(Window).annotations(
          Crd.validations([{ rule: "self.max <= 100", reason: "FieldValueForbidden", fieldPath: ".max" }])
        ),
        name: Schema.String.annotations(Crd.validations([{ rule: "self == oldSelf", message: "name is immutable" }]))
      })
    )
    expect(s.properties?.window["x-kubernetes-validations"]).toEqual([
      { rule: "self.min <= self.max", message: "min must not exceed max" },
      { rule: "self.max <= 100", reason: "FieldValueForbidden", fieldPath: ".max" }
    ])
    expect(s.properties?.name["x-kubernetes-validations"]).toEqual([
      { rule: "self == oldSelf", message: "name is immutable" }
    ])
  })

  it("map to the x-kubernetes extensions", () => {
    const s = schemaOf(
      Schema.Struct({
        selector: Schema.Record({ key: Schema.String, value: Schema.String }).annotations(Crd.mapType("atomic")),
        args: Schema.Array(Schema.String).annotations(Crd.listType("atomic")),
        object: Schema.Struct({ apiVersion: Schema.String, kind: Schema.String }).annotations(Crd.embeddedResource()),
        loose: Schema.Struct({ known: Schema.optional(Schema.Int) }).annotations(Crd.preserveUnknownFields()),
        at: Schema.String.annotations(Crd.format("date-time"))
      })
    ).properties
    expect(s?.selector).toEqual({
      type: "object",
      additionalProperties: { type: "string" },
      "x-kubernetes-map-type": "atomic"
    })
    expect(s?.args).toEqual({ type: "array", items: { type: "string" }, "x-kubernetes-list-type": "atomic" })
    expect(s?.object).toEqual({
      type: "object",
      properties: { apiVersion: { type: "string" }, kind: { type: "string" } },
      required: ["apiVersion", "kind"],
      "x-kubernetes-embedded-resource": true
    })
    expect(s?.loose).toEqual({
      type: "object",
      properties: { known: { type: "integer" } },
      "x-kubernetes-preserve-unknown-fields": true
    })
    expect(s?.at).toEqual({ type: "string", format: "date-time" })
  })

  it("accept a list-map key that has a default instead of being required", () => {
    const Item = Schema.Struct({
      name: Schema.String,
      protocol: Schema.optionalWith(Schema.String, { default: () => "TCP" })
    })
    const s = schemaOf(
      Schema.Array(Item).annotations({ ...Crd.listType("map"), ...Crd.listMapKeys(["name", "protocol"]) })
    )
    expect(s["x-kubernetes-list-map-keys"]).toEqual(["name", "protocol"])
  })

  it("let a custom filter through when a CEL rule or an explicit jsonSchema states it", () => {
    const even = Schema.Int.pipe(
      Schema.filter((n) => n % 2 === 0),
      Schema.annotations(Crd.validations([{ rule: "self % 2 == 0", message: "must be even" }]))
    )
    expect(schemaOf(even)).toEqual({
      type: "integer",
      "x-kubernetes-validations": [{ rule: "self % 2 == 0", message: "must be even" }]
    })
    expect(schemaOf(Schema.String.pipe(Schema.filter((s) => s !== "x", { jsonSchema: {} })))).toEqual({
      type: "string"
    })
    expect(
      schemaOf(Schema.String.pipe(Schema.filter((s) => s.includes("@"), { jsonSchema: { format: "email" } })))
    ).toEqual({
      type: "string",
      format: "email"
    })
  })
})

// ---------------------------------------------------------------------------------------------

describe("rejections name the field and the reason", () => {
  const reasonAt = (issues: ReadonlyArray<Crd.Issue>, field: string): string =>
    issues.find((i) => i.field === field)?.reason ?? `no issue at ${field}: ${JSON.stringify(issues)}`

  it("unions of objects with different shapes", () => {
    const error = errorOf(
      spec(
        Schema.Struct({
          source: Schema.Union(
            Schema.Struct({ type: Schema.Literal("git"), url: Schema.String }),
            Schema.Struct({ type: Schema.Literal("s3"), bucket: Schema.String })
          )
        })
      )
    )
    expect(error._tag).toBe("CrdGenerationError")
    expect(error.kind).toBe("Thing")
    expect(error.issues).toHaveLength(1)
    expect(error.issues[0].field).toBe("spec.source")
    expect(error.issues[0].reason).toMatch(/^unions of objects with different shapes cannot be expressed structurally/)
    expect(error.message).toContain("spec.source: unions of objects")
  })

  it("recursive schemas", () => {
    interface Tree {
      readonly name: string
      readonly children: ReadonlyArray<Tree>
    }
    const Tree: Schema.Schema<Tree> = Schema.Struct({
      name: Schema.String,
      children: Schema.Array(Schema.suspend((): Schema.Schema<Tree> => Tree))
    })
    const issues = issuesOf(Schema.Struct({ root: Tree }))
    expect(reasonAt(issues, "root.children[*]")).toMatch(
      /^a recursive Schema \(Schema\.suspend\) cannot be expressed: it contains itself again at root\.children\[\*\]\.children\[\*\]/
    )
  })

  it("unions of different types other than integer | string", () => {
    expect(reasonAt(issuesOf(Schema.Struct({ q: Schema.Union(Schema.String, Schema.Number) })), "q")).toMatch(
      /^a union of number \| string cannot be expressed/
    )
    expect(reasonAt(issuesOf(Schema.Struct({ q: Schema.Union(Schema.String, Schema.Boolean) })), "q")).toMatch(
      /^a union of boolean \| string/
    )
    expect(
      reasonAt(issuesOf(Schema.Struct({ q: Schema.Union(Schema.String, Schema.Array(Schema.String)) })), "q")
    ).toMatch(/^a union of array \| string/)
    expect(
      reasonAt(issuesOf(Schema.Struct({ q: Schema.Union(Schema.Array(Schema.String), Schema.Array(Schema.Int)) })), "q")
    ).toMatch(/^a union of arrays with different item schemas/)
    expect(reasonAt(issuesOf(Schema.Struct({ q: Schema.Union(Schema.Literal("a"), Schema.Int) })), "q")).toMatch(
      /int-or-string field cannot carry "enum" on its string side/
    )
  })

  it("custom filters without an OpenAPI or CEL equivalent", () => {
    const issues = issuesOf(
      Schema.Struct({ even: Schema.Int.pipe(Schema.filter((n) => n % 2 === 0, { title: "even" })) })
    )
    expect(reasonAt(issues, "even")).toMatch(/^the filter "even" has no OpenAPI equivalent/)
    expect(reasonAt(issuesOf(Schema.Struct({ s: Schema.String.pipe(Schema.filter(() => true)) })), "s")).toMatch(
      /^the filter \(a custom Schema.filter\) has no OpenAPI equivalent/
    )
  })

  it("values with no JSON form", () => {
    const issues = issuesOf(
      Schema.Struct({
        when: Schema.DateFromSelf,
        big: Schema.BigIntFromSelf,
        sym: Schema.SymbolFromSelf,
        opt: Schema.Option(Schema.String),
        nothing: Schema.Null
      })
    )
    expect(reasonAt(issues, "when")).toMatch(/^DateFromSelf has no JSON encoding/)
    expect(reasonAt(issues, "big")).toMatch(/^BigintFromSelf has no JSON encoding|^a bigint/)
    expect(reasonAt(issues, "sym")).toMatch(/has no JSON encoding|^a symbol/)
    expect(reasonAt(issues, "opt")).toMatch(/^unions of objects/)
    expect(reasonAt(issues, "nothing")).toMatch(/^a field that can only be null/)
  })

  it("tuples with different element types and structs mixing fields with a Record", () => {
    expect(reasonAt(issuesOf(Schema.Struct({ t: Schema.Tuple(Schema.String, Schema.Int) })), "t")).toMatch(
      /^a tuple with differently typed elements/
    )
    expect(
      reasonAt(
        issuesOf(
          Schema.Struct({
            m: Schema.Struct({ a: Schema.String }, Schema.Record({ key: Schema.String, value: Schema.String }))
          })
        ),
        "m"
      )
    ).toMatch(/properties and additionalProperties are mutually exclusive/)
  })

  it("patterns RE2 cannot compile and uniqueItems", () => {
    expect(reasonAt(issuesOf(Schema.Struct({ p: Schema.String.pipe(Schema.pattern(/^(?!x)/)) })), "p")).toMatch(
      /lookaround or backreferences/
    )
    expect(
      reasonAt(
        issuesOf(
          Schema.Struct({
            u: Schema.Array(Schema.String).pipe(Schema.filter(() => true, { jsonSchema: { uniqueItems: true } }))
          })
        ),
        "u"
      )
    ).toMatch(/uniqueItems is forbidden/)
  })

  it("misplaced or incomplete kube annotations", () => {
    const Item = Schema.Struct({
      name: Schema.optional(Schema.String),
      port: Schema.Int,
      tags: Schema.Array(Schema.String)
    })
    const issues = issuesOf(
      Schema.Struct({
        noKeys: Schema.Array(Item).annotations(Crd.listType("map")),
        optionalKey: Schema.Array(Item).annotations({ ...Crd.listType("map"), ...Crd.listMapKeys(["name"]) }),
        missingKey: Schema.Array(Item).annotations({ ...Crd.listType("map"), ...Crd.listMapKeys(["nope"]) }),
        arrayKey: Schema.Array(Item).annotations({ ...Crd.listType("map"), ...Crd.listMapKeys(["tags"]) }),
        keysOnly: Schema.Array(Item).annotations(Crd.listMapKeys(["port"])),
        notAList: Schema.String.annotations(Crd.listType("set")),
        setOfObjects: Schema.Array(Item).annotations(Crd.listType("set")),
        notAMap: Schema.Array(Schema.String).annotations(Crd.mapType("atomic")),
        notAnObject: Schema.String.annotations(Crd.embeddedResource()),
        emptyRule: Schema.String.annotations(Crd.validations([{ rule: " " }])),
        twoLines: Schema.String.annotations(Crd.validations([{ rule: "true", message: "a\nb" }]))
      })
    )
    expect(reasonAt(issues, "noKeys")).toMatch(/needs x-kubernetes-list-map-keys/)
    expect(reasonAt(issues, "optionalKey[*].name")).toBe("a list map key must be required or have a default")
    expect(reasonAt(issues, "missingKey")).toBe('the list map key "nope" is not a field of the items')
    expect(reasonAt(issues, "arrayKey[*].tags")).toBe("a list map key must be a scalar field")
    expect(reasonAt(issues, "keysOnly")).toMatch(/needs x-kubernetes-list-type "map"/)
    expect(reasonAt(issues, "notAList")).toMatch(/needs an array field/)
    expect(reasonAt(issues, "setOfObjects[*]")).toMatch(/must be x-kubernetes-map-type "atomic"/)
    expect(reasonAt(issues, "notAMap")).toMatch(/needs an object field/)
    expect(reasonAt(issues, "notAnObject")).toMatch(/x-kubernetes-embedded-resource needs an object field/)
    expect(reasonAt(issues, "emptyRule")).toBe("a CEL rule must not be empty")
    expect(reasonAt(issues, "twoLines")).toMatch(/must be one non-empty line/)
  })

  it("lists every issue of a kind at once", () => {
    const error = errorOf(
      spec(
        Schema.Struct({
          a: Schema.Union(Schema.String, Schema.Number),
          b: Schema.Struct({
            c: Schema.DateFromSelf,
            d: Schema.Array(Schema.Union(Schema.Struct({ x: Schema.String }), Schema.Struct({ y: Schema.String })))
          })
        })
      )
    )
    expect(error.issues.map((i) => i.field)).toEqual(["spec.a", "spec.b.c", "spec.b.d[*]"])
  })

  it("an unstructured kind", () => {
    const error = errorOf(
      Resource.unstructured({ group: "x.example.com", version: "v1", kind: "X", plural: "xs", scope: "Namespaced" })
    )
    expect(error.issues).toEqual([
      { field: "schema", reason: "an unstructured kind has no Schema to generate a CRD from" }
    ])
  })

  it("invalid names", () => {
    const error = errorOf(
      Resource.custom({
        group: "nodots",
        version: "V1",
        kind: "Bad_Kind",
        plural: "Bads",
        scope: "Namespaced",
        shortNames: ["ok", "not ok"],
        spec: Schema.Struct({})
      })
    )
    const fields = error.issues.map((i) => i.field)
    expect(fields).toEqual(
      expect.arrayContaining(["group", "versions[0].version", "names.plural", "names.kind", "names.shortNames[1]"])
    )
    expect(fields).not.toContain("names.shortNames[0]")
  })

  it("printer columns, scale and selectable field paths that name no field", () => {
    const Scaled = Resource.custom({
      group: "example.com",
      version: "v1",
      kind: "Scaled",
      plural: "scaleds",
      scope: "Namespaced",
      spec: Schema.Struct({ replicas: Schema.String }),
      status: Schema.Struct({ ready: Schema.optional(Schema.Int) }),
      scale: { specReplicasPath: ".spec.replicas", statusReplicasPath: ".status.readyReplicas" }
    })
    const error = errorOf([{ resource: Scaled, storage: true, selectableFields: [".spec.nope"] }], {
      printerColumns: [
        Crd.printerColumn({ name: "Ready", type: "integer", jsonPath: ".status.raedy" }),
        Crd.printerColumn({ name: "Cond", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' }),
        Crd.printerColumn({ name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" }),
        Crd.printerColumn({ name: "Bad", type: "string", jsonPath: "spec.replicas", priority: -1 })
      ]
    })
    expect(error.issues).toEqual([
      {
        field: "printerColumns[0].jsonPath",
        reason: ".status.raedy names no field of the kind (a typo shows as <none>)"
      },
      {
        field: "printerColumns[1].jsonPath",
        reason: '.status.conditions[?(@.type=="Ready")].status names no field of the kind (a typo shows as <none>)'
      },
      { field: "printerColumns[3].priority", reason: "must be a non-negative integer" },
      { field: "printerColumns[3].jsonPath", reason: 'spec.replicas must be a JSONPath starting with "."' },
      { field: "selectableFields[0]", reason: ".spec.nope is not a field of the kind" },
      { field: "scale.specReplicasPath", reason: ".spec.replicas must be a integer field, not string" },
      { field: "scale.statusReplicasPath", reason: ".status.readyReplicas is not a field of the kind" }
    ])
  })
})

// ---------------------------------------------------------------------------------------------

describe("Crd.make: several versions", () => {
  const v1 = Resource.custom({
    group: "example.com",
    version: "v1",
    kind: "Website",
    plural: "websites",
    scope: "Namespaced",
    shortNames: ["ws"],
    spec: Schema.Struct({ image: Schema.String })
  })
  const v2 = Resource.custom({
    group: "example.com",
    version: "v2",
    kind: "Website",
    plural: "websites",
    scope: "Namespaced",
    shortNames: ["ws"],
    spec: Schema.Struct({ image: Schema.Struct({ repository: Schema.String, tag: Schema.String }) }),
    status: Schema.Struct({ ready: Schema.Boolean })
  })

  it("generates one CRD with a schema per version and one storage version", () => {
    const crd = crdOf(
      [
        { resource: v1, served: true, storage: false, deprecated: true, deprecationWarning: "use v2" },
        { resource: v2, storage: true, printerColumns: [{ name: "Ready", type: "boolean", jsonPath: ".status.ready" }] }
      ],
      {
        conversion: {
          webhook: { service: { namespace: "ops", name: "website-webhook", path: "/convert" }, caBundle: "Q0E=" }
        }
      }
    )
    expect(crd.metadata.name).toBe("websites.example.com")
    expect(crd.spec.versions.map((v) => [v.name, v.served, v.storage, v.deprecated])).toEqual([
      ["v1", true, false, true],
      ["v2", true, true, undefined]
    ])
    expect(crd.spec.versions[0].deprecationWarning).toBe("use v2")
    expect(crd.spec.versions[0].subresources).toBeUndefined()
    expect(crd.spec.versions[1].subresources).toEqual({ status: {} })
    expect(crd.spec.versions[0].additionalPrinterColumns).toBeUndefined()
    expect(crd.spec.versions[1].additionalPrinterColumns).toEqual([
      { name: "Ready", type: "boolean", jsonPath: ".status.ready" }
    ])
    expect(crd.spec.versions[0].schema.openAPIV3Schema.properties?.spec.properties?.image).toEqual({ type: "string" })
    expect(crd.spec.versions[1].schema.openAPIV3Schema.properties?.spec.properties?.image.type).toBe("object")
    expect(crd.spec.conversion).toEqual({
      strategy: "Webhook",
      webhook: {
        clientConfig: { service: { namespace: "ops", name: "website-webhook", path: "/convert" }, caBundle: "Q0E=" },
        conversionReviewVersions: ["v1"]
      }
    })
    expect(
      crdOf(
        [
          { resource: v1, storage: true },
          { resource: v2, storage: false }
        ],
        { conversion: { strategy: "None" } }
      ).spec.conversion
    ).toEqual({
      strategy: "None"
    })
  })

  it("emits selectable fields, checking that they name scalar fields", () => {
    const crd = crdOf([{ resource: v1, storage: true, selectableFields: [".spec.image"] }])
    expect(crd.spec.versions[0].selectableFields).toEqual([{ jsonPath: ".spec.image" }])
    expect(errorOf([{ resource: v2, storage: true, selectableFields: [".spec.image"] }]).issues).toEqual([
      { field: "selectableFields[0]", reason: ".spec.image must be a string, integer or boolean field" }
    ])
  })

  it("requires at least one version, and one that is served", () => {
    expect(errorOf([]).issues).toEqual([{ field: "versions", reason: "at least one version is needed" }])
    expect(errorOf([{ resource: v1, storage: true, served: false }]).issues).toEqual([
      { field: "versions", reason: "no version is served" }
    ])
  })

  it("requires exactly one storage version", () => {
    expect(
      errorOf([
        { resource: v1, storage: false },
        { resource: v2, storage: false }
      ]).issues
    ).toEqual([{ field: "versions", reason: "exactly one version must be the storage version, found 0" }])
    expect(
      errorOf([
        { resource: v1, storage: true },
        { resource: v2, storage: true }
      ]).issues
    ).toEqual([{ field: "versions", reason: "exactly one version must be the storage version, found 2" }])
  })

  it("requires the same group, kind, names and scope, and distinct version names", () => {
    const other = Resource.custom({
      group: "other.com",
      version: "v1",
      kind: "Site",
      plural: "sites",
      scope: "Cluster",
      spec: Schema.Struct({})
    })
    const fields = errorOf([
      { resource: v1, storage: true },
      { resource: other, storage: false }
    ]).issues.map((i) => i.field)
    expect(fields).toEqual([
      "versions[1].group",
      "versions[1].kind",
      "versions[1].plural",
      "versions[1].singular",
      "versions[1].listKind",
      "versions[1].scope",
      "versions[1].shortNames",
      "versions[1].version"
    ])
  })

  it("checks the conversion webhook config", () => {
    expect(
      errorOf([{ resource: v1, storage: true }], {
        conversion: {
          webhook: { url: "http://x.example.com/convert?x=1", service: { namespace: "a", name: "b", path: "convert" } }
        }
      }).issues.map((i) => i.field)
    ).toEqual([
      "conversion.webhook",
      "conversion.webhook.url",
      "conversion.webhook.url",
      "conversion.webhook.service.path"
    ])
  })

  it("reports schema issues per version", () => {
    const bad = Resource.custom({
      group: "example.com",
      version: "v3",
      kind: "Website",
      plural: "websites",
      scope: "Namespaced",
      shortNames: ["ws"],
      spec: Schema.Struct({ n: Schema.Union(Schema.Number, Schema.Boolean) })
    })
    const error = errorOf([
      { resource: v1, storage: true },
      { resource: bad, storage: false }
    ])
    expect(error.issues).toEqual([
      { version: "v3", field: "spec.n", reason: expect.stringMatching(/^a union of boolean \| number/) }
    ])
    expect(error.message).toContain("v3: spec.n: a union of boolean | number")
  })
})
