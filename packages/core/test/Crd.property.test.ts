import { describe, expect, it } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as Either from "effect/Either"
import * as fc from "effect/FastCheck"
import * as Schema from "effect/Schema"
import * as Crd from "../src/Crd.js"

/**
 * A small model of what the apiserver does with a custom object, for the subset of OpenAPI the
 * generator emits: prune unknown fields and nulls of non-nullable fields, apply defaults, then
 * validate (CEL rules excepted). Lengths count code points, as Go counts runes.
 */
type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [k: string]: Json }

const isObject = (u: unknown): u is { readonly [k: string]: Json } =>
  typeof u === "object" && u !== null && !Array.isArray(u)

const normalize = (value: Json, s: Crd.JSONSchemaProps): Json => {
  if (Array.isArray(value)) return s.items === undefined ? value : value.map((v) => normalize(v, s.items ?? {}))
  if (!isObject(value)) return value
  if (s.properties === undefined && s.additionalProperties === undefined) return value
  const out: Record<string, Json> = {}
  for (const [k, v] of Object.entries(value)) {
    const p = s.properties?.[k] ?? s.additionalProperties
    if (p === undefined) {
      if (s["x-kubernetes-preserve-unknown-fields"] === true) out[k] = v
      continue
    }
    if (v === null && p.nullable !== true && s.additionalProperties === undefined) continue
    out[k] = normalize(v, p)
  }
  for (const [k, p] of Object.entries(s.properties ?? {})) {
    if (!(k in out) && p.default !== undefined) out[k] = p.default
  }
  return out
}

const typeOk = (value: Json, type: Crd.OpenApiType): boolean => {
  switch (type) {
    case "object":
      return isObject(value)
    case "array":
      return Array.isArray(value)
    case "string":
      return typeof value === "string"
    case "integer":
      return typeof value === "number" && Number.isInteger(value)
    case "number":
      return typeof value === "number"
    case "boolean":
      return typeof value === "boolean"
  }
}

const valid = (value: Json, s: Crd.JSONSchemaProps): boolean => {
  if (value === null) return s.nullable === true
  if (s["x-kubernetes-int-or-string"] === true && !typeOk(value, "integer") && !typeOk(value, "string")) return false
  if (s.type !== undefined && !typeOk(value, s.type)) return false
  if (s.enum !== undefined && !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) return false
  if (typeof value === "number") {
    if (s.minimum !== undefined && (s.exclusiveMinimum ? value <= s.minimum : value < s.minimum)) return false
    if (s.maximum !== undefined && (s.exclusiveMaximum ? value >= s.maximum : value > s.maximum)) return false
    if (s.multipleOf !== undefined && value % s.multipleOf !== 0) return false
  }
  if (typeof value === "string") {
    const length = [...value].length
    if (s.minLength !== undefined && length < s.minLength) return false
    if (s.maxLength !== undefined && length > s.maxLength) return false
    if (s.pattern !== undefined && !new RegExp(s.pattern).test(value)) return false
  }
  if (Array.isArray(value)) {
    if (s.minItems !== undefined && value.length < s.minItems) return false
    if (s.maxItems !== undefined && value.length > s.maxItems) return false
    if (s.items !== undefined && !value.every((v) => valid(v, s.items ?? {}))) return false
  }
  if (isObject(value)) {
    for (const r of s.required ?? []) if (!(r in value)) return false
    for (const [k, v] of Object.entries(value)) {
      const p = s.properties?.[k] ?? s.additionalProperties
      if (p !== undefined && !valid(v, p)) return false
    }
  }
  if (s.allOf !== undefined && !s.allOf.every((a) => valid(value, a))) return false
  if (s.anyOf !== undefined && !s.anyOf.some((a) => valid(value, a))) return false
  return true
}

/** The apiserver's verdict on an object (true = stored), and what it stores. */
const apiserver = (value: Json, s: Crd.JSONSchemaProps): { readonly accepted: boolean; readonly stored: Json } => {
  const stored = normalize(value, s)
  return { accepted: valid(stored, s), stored }
}

// ---------------------------------------------------------------------------------------------

const Spec = Schema.Struct({
  name: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(10)),
  replicas: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 10)), { default: () => 1 }),
  tier: Schema.Literal("frontend", "backend"),
  ratio: Schema.optional(Schema.Number.pipe(Schema.greaterThan(0), Schema.lessThanOrEqualTo(1))),
  port: Schema.Union(Schema.Int.pipe(Schema.between(1, 65535)), Schema.String.pipe(Schema.pattern(/^[a-z]+$/))),
  tags: Schema.optional(Schema.Array(Schema.String.pipe(Schema.maxLength(5))).pipe(Schema.maxItems(3))),
  labels: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String })),
  maybe: Schema.NullOr(Schema.Struct({ on: Schema.Boolean, mode: Schema.optional(Schema.Literal("a", "b", null)) })),
  pair: Schema.optional(Schema.Tuple(Schema.Int, Schema.Int)),
  step: Schema.optional(Schema.Int.pipe(Schema.multipleOf(5), Schema.nonNegative()))
})

const openApi = Either.getOrThrow(Crd.openAPIV3Schema(Spec))
const decodes = (u: unknown): boolean => Either.isRight(Schema.decodeUnknownEither(Spec)(u))
const toWire = (a: typeof Spec.Type): Json => JSON.parse(JSON.stringify(Schema.encodeSync(Spec)(a)))

const interesting: ReadonlyArray<Json> = [
  null,
  "",
  "x",
  "frontend",
  "HTTP",
  "abcdefghijkl",
  0,
  -1,
  1,
  5,
  11,
  0.5,
  70000,
  true,
  [],
  ["a"],
  [1, 2],
  ["a", "b", "c", "d"],
  {},
  { on: true },
  { on: "yes" },
  { a: "b" },
  { a: 1 }
]

const fieldNames = [...Object.keys(Spec.fields), "unknownField"]

/** Replace, add or delete a top-level field, or a field of a nested object. */
const mutation = fc.record({
  field: fc.constantFrom(...fieldNames),
  nested: fc.option(fc.constantFrom("on", "mode", "a", "0"), { nil: undefined }),
  value: fc.option(fc.constantFrom(...interesting), { nil: undefined })
})

const mutate = (base: Json, m: typeof mutation extends fc.Arbitrary<infer T> ? T : never): Json => {
  if (!isObject(base)) return base
  const out: Record<string, Json> = { ...base }
  const current = out[m.field]
  if (m.nested === "0" && Array.isArray(current)) {
    out[m.field] = m.value === undefined ? current.slice(1) : [m.value, ...current.slice(1)]
  } else if (m.nested !== undefined && isObject(current)) {
    const inner: Record<string, Json> = { ...current }
    if (m.value === undefined) delete inner[m.nested]
    else inner[m.nested] = m.value
    out[m.field] = inner
  } else if (m.value === undefined) delete out[m.field]
  else out[m.field] = m.value
  return out
}

describe("the generated schema agrees with the decoder", () => {
  it.prop(
    "every value the Schema encodes is accepted and decodes after the apiserver stores it",
    [Arbitrary.make(Spec)],
    ([a]) => {
      const wire = toWire(a)
      const verdict = apiserver(wire, openApi)
      expect(verdict.accepted).toBe(true)
      expect(decodes(verdict.stored)).toBe(true)
    }
  )

  it.prop(
    "for mutated objects: the apiserver accepts exactly what the controller can decode once stored",
    [Arbitrary.make(Spec), fc.array(mutation, { minLength: 1, maxLength: 3 })],
    ([a, mutations]) => {
      const mutated = mutations.reduce(mutate, toWire(a))
      const verdict = apiserver(mutated, openApi)
      expect({ mutated, accepted: verdict.accepted }).toEqual({ mutated, accepted: decodes(verdict.stored) })
    },
    { fastCheck: { numRuns: 500 } }
  )

  it("the model rejects what it should (the property above can fail)", () => {
    const good = { name: "web", tier: "frontend", port: 80, maybe: null }
    expect(apiserver(good, openApi).accepted).toBe(true)
    expect(apiserver({ ...good, replicas: 11 }, openApi).accepted).toBe(false)
    expect(apiserver({ ...good, port: "HTTP" }, openApi).accepted).toBe(false)
    expect(apiserver({ ...good, tier: null }, openApi).accepted).toBe(false)
    expect(apiserver({ ...good, maybe: { on: true, mode: null } }, openApi).accepted).toBe(true)
    expect(apiserver({ ...good, step: 7 }, openApi).accepted).toBe(false)
    expect(apiserver({ ...good, ratio: null }, openApi)).toEqual({ accepted: true, stored: { ...good, replicas: 1 } })
  })
})
