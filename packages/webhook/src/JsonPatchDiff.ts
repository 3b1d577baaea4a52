/**
 * RFC 6902 JSON Patch between two JSON values: what a mutating webhook answers with.
 *
 * @since 0.1.0
 */
import type { JsonPatchOperation } from "@effect-kube/core/Patch"
import { escapePointer } from "@effect-kube/core/Patch"

type JsonObject = { readonly [key: string]: unknown }

const isObject = (u: unknown): u is JsonObject => typeof u === "object" && u !== null && !Array.isArray(u)

/** An own property only: `"__proto__"` or `"toString"` are ordinary keys in JSON. */
const field = (o: JsonObject, key: string): unknown => (Object.hasOwn(o, key) ? o[key] : undefined)

/**
 * Structural equality of two JSON values. Object keys whose value is `undefined` count as
 * absent, as they do once serialised.
 *
 * @example
 * jsonEqual({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }], c: undefined }) // true
 * @since 0.1.0
 */
export const jsonEqual = (a: unknown, b: unknown): boolean => {
  if (a === b) return true
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false
    return true
  }
  if (isObject(a)) {
    if (!isObject(b)) return false
    const aKeys = definedKeys(a)
    const bKeys = definedKeys(b)
    if (aKeys.length !== bKeys.length) return false
    for (const key of aKeys) {
      const other = field(b, key)
      if (other === undefined || !jsonEqual(a[key], other)) return false
    }
    return true
  }
  return false
}

const definedKeys = (o: JsonObject): Array<string> => Object.keys(o).filter((k) => o[k] !== undefined)

/**
 * Serialises a value the way `JSON.stringify` would and parses it back: drops `undefined`
 * keys, turns `undefined` array slots into `null`. Patch values must be plain JSON.
 */
const toJson = (u: unknown): unknown => (u === undefined ? null : JSON.parse(JSON.stringify(u)))

/**
 * The operations that turn `from` into `to`: `add`, `remove` and `replace` only, objects
 * compared key by key, arrays index by index (elements appended or dropped at the end become
 * single `add`/`remove` operations; an array changed in most places is replaced whole).
 *
 * Guarantees: applying the result to `from` (RFC 6902) yields a value `jsonEqual` to `to`;
 * equal inputs give `[]`; pointer segments are escaped (`~0`, `~1`); removals from one array run
 * from the highest index down so that every index stays valid while the patch applies.
 *
 * @example
 * diff({ spec: { replicas: 1 } }, { spec: { replicas: 3, paused: true } })
 * // [{ op: "replace", path: "/spec/replicas", value: 3 }, { op: "add", path: "/spec/paused", value: true }]
 * @since 0.1.0
 */
export const diff = (from: unknown, to: unknown): Array<JsonPatchOperation> => {
  const ops: Array<JsonPatchOperation> = []
  diffInto(ops, "", from, to)
  return ops
}

const diffInto = (ops: Array<JsonPatchOperation>, path: string, from: unknown, to: unknown): void => {
  // Containers recurse (equal ones yield nothing); only differing leaves or a change of type
  // become a replace. One pass, linear in the size of the inputs.
  if (isObject(from) && isObject(to)) {
    diffObjects(ops, path, from, to)
  } else if (Array.isArray(from) && Array.isArray(to)) {
    diffArrays(ops, path, from, to)
  } else if (from !== to) {
    ops.push({ op: "replace", path, value: toJson(to) })
  }
}

const diffObjects = (ops: Array<JsonPatchOperation>, path: string, from: JsonObject, to: JsonObject): void => {
  for (const key of Object.keys(from)) {
    if (from[key] === undefined) continue
    if (field(to, key) === undefined) ops.push({ op: "remove", path: `${path}/${escapePointer(key)}` })
  }
  for (const key of Object.keys(to)) {
    const value = to[key]
    if (value === undefined) continue
    const child = `${path}/${escapePointer(key)}`
    const previous = field(from, key)
    if (previous === undefined) ops.push({ op: "add", path: child, value: toJson(value) })
    else diffInto(ops, child, previous, value)
  }
}

const diffArrays = (
  ops: Array<JsonPatchOperation>,
  path: string,
  from: ReadonlyArray<unknown>,
  to: ReadonlyArray<unknown>
): void => {
  const local: Array<JsonPatchOperation> = []
  const common = Math.min(from.length, to.length)
  for (let i = 0; i < common; i++) diffInto(local, `${path}/${i}`, from[i], to[i])
  for (let i = common; i < to.length; i++) local.push({ op: "add", path: `${path}/${i}`, value: toJson(to[i]) })
  for (let i = from.length - 1; i >= common; i--) local.push({ op: "remove", path: `${path}/${i}` })
  // An insertion near the front shifts every later element: many small operations that are
  // both larger and harder to read than the new array itself.
  if (local.length > 1 && local.length >= to.length) {
    ops.push({ op: "replace", path, value: toJson(to) })
    return
  }
  for (const op of local) ops.push(op)
}
