/**
 * Structural schema handling of custom resources (apiextensions-apiserver): defaulting from
 * `default`, pruning of unknown fields, and the OpenAPI validation errors the real server reports.
 *
 * Covered: `type` (object, array, string, integer, number, boolean), `properties`,
 * `additionalProperties`, `items`, `required`, `enum`, `minimum`/`maximum` (+ exclusive),
 * `minLength`/`maxLength`, `pattern`, `minItems`/`maxItems`, `nullable`,
 * `x-kubernetes-preserve-unknown-fields`, `x-kubernetes-embedded-resource`,
 * `x-kubernetes-int-or-string`. Not covered: CEL rules (`x-kubernetes-validations`), `format`,
 * `oneOf`/`anyOf`/`allOf`/`not`, list-type uniqueness.
 *
 * @internal
 */
import { isObject, type JsonObject } from "./json.js"
import { metadataOrder } from "./store.js"
import { type FieldError, FieldErrors } from "./status.js"

type Schema = JsonObject

const schemaOf = (u: unknown): Schema | undefined => (isObject(u) ? u : undefined)
const props = (s: Schema): JsonObject | undefined => schemaOf(s.properties)
const preserves = (s: Schema): boolean => s["x-kubernetes-preserve-unknown-fields"] === true
const embedded = (s: Schema): boolean => s["x-kubernetes-embedded-resource"] === true

/** The ObjectMeta fields a stored object keeps (everything else in `metadata` is dropped). */
const objectMetaFields: ReadonlySet<string> = new Set(metadataOrder)

const pruneMeta = (meta: unknown): unknown => {
  if (!isObject(meta)) return meta
  const out: Record<string, unknown> = {}
  for (const k of Object.keys(meta)) if (objectMetaFields.has(k)) out[k] = meta[k]
  return out
}

const clone = (u: unknown): unknown => structuredClone(u)

/** Applies `default`s (missing properties only), recursively. Returns a new value. */
export const applyDefaults = (value: unknown, schema: Schema | undefined): unknown => {
  if (schema === undefined) return value
  if (Array.isArray(value)) {
    const items = schemaOf(schema.items)
    return items === undefined ? value : value.map((v) => applyDefaults(v, items))
  }
  if (!isObject(value)) return value
  const out: Record<string, unknown> = { ...value }
  const properties = props(schema)
  if (properties !== undefined) {
    for (const [name, raw] of Object.entries(properties)) {
      const child = schemaOf(raw)
      if (child === undefined) continue
      // A missing field, or a null one that may not be null, takes the default.
      const absent = !Object.hasOwn(out, name) || (out[name] === null && child.nullable !== true)
      if (absent && child.default !== undefined) out[name] = clone(child.default)
      if (Object.hasOwn(out, name)) out[name] = applyDefaults(out[name], child)
    }
  }
  const additional = schemaOf(schema.additionalProperties)
  if (additional !== undefined) {
    for (const k of Object.keys(out))
      if (properties === undefined || !Object.hasOwn(properties, k)) {
        out[k] = applyDefaults(out[k], additional)
      }
  }
  return out
}

/** Drops fields the schema does not declare (unless preserved), recursively. */
export const prune = (value: unknown, schema: Schema | undefined, root: boolean): unknown => {
  if (schema === undefined) return value
  if (Array.isArray(value)) {
    const items = schemaOf(schema.items)
    return items === undefined ? value : value.map((v) => prune(v, items, false))
  }
  if (!isObject(value)) return value
  const properties = props(schema)
  const additional = schema.additionalProperties
  const keepUnknown = preserves(schema) || additional === true || isObject(additional)
  const out: Record<string, unknown> = {}
  for (const k of Object.keys(value)) {
    if ((root || embedded(schema)) && (k === "apiVersion" || k === "kind")) {
      out[k] = value[k]
      continue
    }
    if ((root || embedded(schema)) && k === "metadata") {
      out[k] = pruneMeta(value[k])
      continue
    }
    const child = properties !== undefined ? schemaOf(properties[k]) : undefined
    if (child !== undefined) out[k] = prune(value[k], child, false)
    else if (isObject(additional)) out[k] = prune(value[k], additional, false)
    else if (keepUnknown) out[k] = value[k]
  }
  return out
}

const typeName = (u: unknown): string =>
  u === null
    ? "null"
    : Array.isArray(u)
      ? "array"
      : typeof u === "number"
        ? Number.isInteger(u)
          ? "integer"
          : "number"
        : typeof u === "object"
          ? "object"
          : typeof u

const typeMatches = (expected: string, u: unknown): boolean => {
  switch (expected) {
    case "object":
      return isObject(u)
    case "array":
      return Array.isArray(u)
    case "string":
      return typeof u === "string"
    case "integer":
      return typeof u === "number" && Number.isInteger(u)
    case "number":
      return typeof u === "number"
    case "boolean":
      return typeof u === "boolean"
    default:
      return true
  }
}

const num = (u: unknown): number | undefined => (typeof u === "number" ? u : undefined)

/** Validates a value against a structural schema; returns field errors with the real messages. */
export const validate = (value: unknown, schema: Schema | undefined, path: string): Array<FieldError> => {
  const errs: Array<FieldError> = []
  if (schema === undefined) return errs
  const walk = (u: unknown, s: Schema, p: string): void => {
    const label = p === "" ? "body" : p
    if (u === null) {
      if (s.nullable === true || s.type === undefined) return
      errs.push(FieldErrors.typeInvalid(p, "null", `${label} in body must be of type ${String(s.type)}: "null"`))
      return
    }
    if (s["x-kubernetes-int-or-string"] === true) {
      if (!(typeof u === "string" || (typeof u === "number" && Number.isInteger(u)))) {
        errs.push(
          FieldErrors.typeInvalid(p, typeName(u), `${label} in body must be of type integer,string: "${typeName(u)}"`)
        )
      }
      return
    }
    if (typeof s.type === "string" && !typeMatches(s.type, u)) {
      errs.push(FieldErrors.typeInvalid(p, typeName(u), `${label} in body must be of type ${s.type}: "${typeName(u)}"`))
      return
    }
    if (Array.isArray(s.enum) && !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(u))) {
      errs.push(
        FieldErrors.notSupported(
          p,
          u,
          s.enum.map((e) => (typeof e === "string" ? e : JSON.stringify(e)))
        )
      )
    }
    if (typeof u === "number") {
      const max = num(s.maximum)
      const min = num(s.minimum)
      if (max !== undefined) {
        if (s.exclusiveMaximum === true ? u >= max : u > max) {
          errs.push(
            FieldErrors.invalid(
              p,
              u,
              `${label} in body should be less than ${s.exclusiveMaximum === true ? "" : "or equal to "}${max}`
            )
          )
        }
      }
      if (min !== undefined) {
        if (s.exclusiveMinimum === true ? u <= min : u < min) {
          errs.push(
            FieldErrors.invalid(
              p,
              u,
              `${label} in body should be greater than ${s.exclusiveMinimum === true ? "" : "or equal to "}${min}`
            )
          )
        }
      }
    }
    if (typeof u === "string") {
      // kube-openapi's string validator reports the first failing rule only.
      const maxLength = num(s.maxLength)
      const minLength = num(s.minLength)
      const length = [...u].length
      let pattern = true
      if (typeof s.pattern === "string") {
        try {
          pattern = new RegExp(s.pattern, "u").test(u)
        } catch {
          pattern = true
        }
      }
      if (maxLength !== undefined && length > maxLength) {
        errs.push({
          type: "FieldValueTooLong",
          field: p,
          hasValue: false,
          detail: `may not be more than ${maxLength} bytes`
        })
      } else if (minLength !== undefined && length < minLength) {
        errs.push(FieldErrors.invalid(p, u, `${label} in body should be at least ${minLength} chars long`))
      } else if (!pattern) {
        errs.push(FieldErrors.invalid(p, u, `${label} in body should match '${String(s.pattern)}'`))
      }
    }
    if (Array.isArray(u)) {
      const maxItems = num(s.maxItems)
      const minItems = num(s.minItems)
      if (maxItems !== undefined && u.length > maxItems) errs.push(FieldErrors.tooMany(p, u.length, maxItems))
      if (minItems !== undefined && u.length < minItems) {
        errs.push(FieldErrors.invalid(p, u.length, `${label} in body should have at least ${minItems} items`))
      }
      const items = schemaOf(s.items)
      if (items !== undefined) {
        u.forEach((v, i) => {
          walk(v, items, `${p}[${i}]`)
        })
      }
    }
    if (isObject(u)) {
      const properties = props(s)
      if (Array.isArray(s.required)) {
        for (const r of s.required) {
          if (typeof r === "string" && !Object.hasOwn(u, r)) errs.push(FieldErrors.required(join(p, r), ""))
        }
      }
      if (properties !== undefined) {
        // kube-openapi walks properties in sorted order.
        for (const [k, raw] of Object.entries(properties).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
          const child = schemaOf(raw)
          if (child !== undefined && Object.hasOwn(u, k) && !(p === "" && k === "metadata"))
            walk(u[k], child, join(p, k))
        }
      }
      const additional = schemaOf(s.additionalProperties)
      if (additional !== undefined) {
        for (const k of Object.keys(u))
          if (properties === undefined || !Object.hasOwn(properties, k)) {
            walk(u[k], additional, `${p}[${k}]`)
          }
      }
    }
  }
  walk(value, schema, path)
  return errs
}

const join = (p: string, k: string): string => (p === "" ? k : `${p}.${k}`)
