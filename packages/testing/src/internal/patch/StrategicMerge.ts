/**
 * Strategic merge patch for built-in kinds, modelled on k8s.io/apimachinery's `strategicpatch`
 * as the apiserver runs it (`StrategicMergeMapPatch`: parallel-list merge, unmatched nulls
 * ignored).
 *
 * What it knows: the merge keys of the lists controllers and kubectl touch (containers,
 * initContainers, ephemeralContainers, volumes, env, ports, volumeMounts, imagePullSecrets,
 * ownerReferences, finalizers, conditions, …) in the common workload, core and status types.
 *
 * Merged lists are ordered like the real `normalizeElementOrder`: patch elements in patch (or
 * `$setElementOrder`) order, server-only elements interleaved by their original positions — so
 * an element a patch adds comes before the server-only elements after it (a lone new container
 * or finalizer goes first).
 *
 * Differences from the real one (on purpose or by omission):
 * - The schema is a hand-written table, not Go struct tags: a list the table does not name is
 *   replaced, as the real engine does for lists without `patchStrategy:"merge"`.
 * - `$patch: merge` is accepted as a no-op anywhere.
 * - A value the original lacks has its directives and nulls stripped (the real engine copies
 *   some patch values verbatim).
 *
 * @internal
 */
import * as Data from "effect/Data"
import * as Either from "effect/Either"
import type { Status } from "@effect-kube/core/Meta"
import { deepEqual, isObject, type JsonObject } from "./Json.js"
import { type Field, isBuiltinGroup, type Node, rootNode } from "./Schema.js"

/**
 * A strategic merge patch that could not be applied. `code` is the HTTP status the real server
 * answers with (400 for malformed directives, 422 for `$retainKeys` mismatches and lists of
 * lists, 500 for the rest — e.g. a list element without its merge key).
 *
 * @example
 * strategicMergeErrorStatus(err).status.reason // "BadRequest"
 */
export class StrategicMergeError extends Data.TaggedError("StrategicMergeError")<{
  readonly code: 400 | 422 | 500
  readonly message: string
}> {}

/**
 * The HTTP status code and `Status` body kube-apiserver answers for a
 * {@link StrategicMergeError}.
 *
 * @example
 * strategicMergeErrorStatus(new StrategicMergeError({ code: 400, message: "x" })).code // 400
 */
export const strategicMergeErrorStatus = (
  error: StrategicMergeError
): { readonly code: number; readonly status: Status } => {
  const reason = error.code === 400 ? "BadRequest" : error.code === 422 ? "Invalid" : "InternalError"
  const message =
    error.code === 422
      ? "the server rejected our request due to an error in our request"
      : error.code === 500
        ? `Internal error occurred: ${error.message}`
        : error.message
  return {
    code: error.code,
    status: {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message,
      reason,
      ...(error.code === 500 ? { details: { causes: [{ message: error.message }] } } : {}),
      code: error.code
    }
  }
}

/**
 * Whether the apiserver serves strategic merge patches for a kind: built-in groups only. Custom
 * resources get 415 UnsupportedMediaType for `application/strategic-merge-patch+json`.
 *
 * @example
 * strategicMergeSupported({ group: "example.com", version: "v1", kind: "Website" }) // false
 */
export const strategicMergeSupported = (kind: { readonly group: string }): boolean => isBuiltinGroup(kind.group)

const directiveKey = "$patch"
const retainKeysKey = "$retainKeys"
const deletePrefix = "$deleteFromPrimitiveList/"
const orderPrefix = "$setElementOrder/"

/** Thrown only inside this module (caught in {@link strategicMerge}) to unwind a failed merge. */
class MergeFailure {
  constructor(
    readonly code: 400 | 422 | 500,
    readonly message: string
  ) {}
}
const fail = (code: 400 | 422 | 500, message: string): never => {
  throw new MergeFailure(code, message)
}

const isDirectiveKey = (k: string): boolean =>
  k === directiveKey || k === retainKeysKey || k.startsWith(deletePrefix) || k.startsWith(orderPrefix)

/** A value the original lacks: directives and nulls dropped, maps/lists normalised. */
const fresh = (patch: unknown, field: Field | undefined): unknown => {
  if (isObject(patch)) return mergeMap({}, patch, field?.node ?? {})
  if (Array.isArray(patch)) return mergeList([], patch, field)
  return patch
}

const mergeMap = (original: JsonObject, patch: JsonObject, node: Node): JsonObject => {
  const directive = patch[directiveKey]
  if (directive !== undefined) {
    if (directive === "replace") {
      const { [directiveKey]: _d, ...rest } = patch
      return mergeMap({}, rest, node)
    }
    if (directive === "delete") return {}
    if (directive !== "merge")
      return fail(400, `Unknown patch type: ${String(directive)} in map: ${JSON.stringify(patch)}`)
  }
  const result: Record<string, unknown> = { ...original }
  const retain = patch[retainKeysKey]
  if (retain !== undefined) {
    if (!Array.isArray(retain) || !retain.every((k) => typeof k === "string")) {
      return fail(400, "invalid patch: the value of $retainKeys must be a list of strings")
    }
    const keep = new Set<string>(retain)
    for (const k of Object.keys(patch)) {
      if (!isDirectiveKey(k) && patch[k] !== null && !keep.has(k)) {
        return fail(422, "patch content doesn't match retainKeys list")
      }
    }
    for (const k of Object.keys(result)) if (!keep.has(k)) delete result[k]
  }
  for (const k of Object.keys(patch)) {
    if (!k.startsWith(deletePrefix)) continue
    const field = k.slice(deletePrefix.length)
    const toDelete = patch[k]
    if (!Array.isArray(toDelete))
      return fail(400, "invalid patch: the value of $deleteFromPrimitiveList must be a list")
    const current = result[field]
    if (Array.isArray(current)) {
      result[field] = current.filter((v) => !toDelete.some((d) => deepEqual(d, v)))
    }
  }
  for (const k of Object.keys(patch)) {
    if (isDirectiveKey(k)) continue
    const value = patch[k]
    const field = node[k]
    if (value === null) {
      delete result[k]
      continue
    }
    if (!Object.hasOwn(result, k) || result[k] === null) {
      result[k] = fresh(value, field)
      continue
    }
    const current = result[k]
    if (isObject(current) && isObject(value)) {
      const merged = mergeMap(current, value, field?.node ?? {})
      result[k] = merged
    } else if (Array.isArray(current) && Array.isArray(value)) {
      result[k] = mergeList(current, value, field)
    } else {
      result[k] = fresh(value, field)
    }
  }
  for (const k of Object.keys(patch)) {
    if (!k.startsWith(orderPrefix)) continue
    const fieldName = k.slice(orderPrefix.length)
    const order = patch[k]
    if (!Array.isArray(order)) return fail(400, "invalid patch: the value of $setElementOrder must be a list")
    const list = result[fieldName]
    const before = original[fieldName]
    if (Array.isArray(list)) {
      result[fieldName] = normalizeOrder(list, order, Array.isArray(before) ? before : [], node[fieldName]?.mergeKey)
    }
  }
  return result
}

const keyOf = (item: unknown, mergeKey: string): unknown => (isObject(item) ? item[mergeKey] : undefined)

/** The identity of a list element: its merge key value, or the element itself for primitives. */
const identityOf = (item: unknown, mergeKey: string | undefined): unknown => (mergeKey ? keyOf(item, mergeKey) : item)

const indexIn = (list: ReadonlyArray<unknown>, item: unknown, mergeKey: string | undefined): number => {
  const id = identityOf(item, mergeKey)
  return list.findIndex((o) => deepEqual(identityOf(o, mergeKey), id))
}

/**
 * The element order strategicpatch's `normalizeElementOrder` produces: the elements `order`
 * names (the patch list, or `$setElementOrder`) sorted by it, the others (server-only) in their
 * original order, then merged: a server-only element goes before a patch element only when
 * both are in the original list and it came first there. So an element new to the list lands
 * before every server-only element that follows it — a lone new element goes first.
 */
const normalizeOrder = (
  merged: ReadonlyArray<unknown>,
  order: ReadonlyArray<unknown>,
  original: ReadonlyArray<unknown>,
  mergeKey: string | undefined
): Array<unknown> => {
  const inOrder: Array<unknown> = []
  const serverOnly: Array<unknown> = []
  for (const item of merged) (indexIn(order, item, mergeKey) >= 0 ? inOrder : serverOnly).push(item)
  const rank = (list: ReadonlyArray<unknown>) => (item: unknown) => indexIn(list, item, mergeKey)
  const byOrder = rank(order)
  const byOriginal = rank(original)
  const sortStable = (items: Array<unknown>, key: (item: unknown) => number): Array<unknown> =>
    items
      .map((item, i) => ({ item, i, k: key(item) }))
      .sort((a, b) => (a.k >= 0 && b.k >= 0 ? a.k - b.k : 0) || a.i - b.i)
      .map((e) => e.item)
  const patchItems = sortStable(inOrder, byOrder)
  const serverItems = sortStable(serverOnly, byOriginal)
  const out: Array<unknown> = []
  let i = 0
  let j = 0
  while (i < serverItems.length || j < patchItems.length) {
    if (j >= patchItems.length) out.push(serverItems[i++])
    else if (i >= serverItems.length) out.push(patchItems[j++])
    else {
      const li = byOriginal(serverItems[i])
      const ri = byOriginal(patchItems[j])
      if (li >= 0 && ri >= 0 && li < ri) out.push(serverItems[i++])
      else out.push(patchItems[j++])
    }
  }
  return out
}

const mergeList = (
  original: ReadonlyArray<unknown>,
  patch: ReadonlyArray<unknown>,
  field: Field | undefined
): Array<unknown> => {
  const mergeKey = field?.mergeKey
  const elementNode = field?.node ?? {}
  if (patch.some(Array.isArray)) return fail(422, "lists of lists are not supported")
  const replaceAll = patch.some((p) => isObject(p) && p[directiveKey] === "replace")
  if (mergeKey === undefined || replaceAll) {
    return patch
      .filter((p) => !(isObject(p) && Object.hasOwn(p, directiveKey) && Object.keys(p).length === 1))
      .map((p) => fresh(p, { node: elementNode }))
  }
  if (mergeKey === "") {
    const out = original.slice()
    for (const p of patch) {
      if (isObject(p)) {
        if (p[directiveKey] === "replace" || p[directiveKey] === "merge") continue
        return fail(400, "invalid patch: a list of primitives cannot contain maps")
      }
      if (!out.some((o) => deepEqual(o, p))) out.push(p)
    }
    return normalizeOrder(out, patch, original, undefined)
  }
  // Like mergeSliceWithSpecialElements: `$patch: delete` elements apply to the original first.
  const elements: Array<JsonObject> = []
  let kept: ReadonlyArray<unknown> = original
  for (const p of patch) {
    if (!isObject(p)) return fail(500, `unable to find api field in struct for the merge key "${mergeKey}"`)
    if (p[directiveKey] === "merge" && Object.keys(p).length === 1) continue
    if (!Object.hasOwn(p, mergeKey)) {
      return fail(500, `map: ${JSON.stringify(p)} does not contain declared merge key: ${mergeKey}`)
    }
    if (p[directiveKey] === "delete") {
      const key = p[mergeKey]
      kept = kept.filter((o) => !deepEqual(keyOf(o, mergeKey), key))
      continue
    }
    elements.push(p)
  }
  const out: Array<unknown> = kept.slice()
  for (const p of elements) {
    const idx = indexIn(out, p, mergeKey)
    if (idx >= 0) {
      const current = out[idx]
      out[idx] = isObject(current) ? mergeMap(current, p, elementNode) : fresh(p, { node: elementNode })
    } else {
      out.push(fresh(p, { node: elementNode }))
    }
  }
  return normalizeOrder(out, elements, kept, mergeKey)
}

/**
 * Applies a strategic merge patch to an object of a built-in kind. Never mutates its inputs;
 * untouched subtrees of `target` are shared with the result.
 *
 * Supports: merge keys per the built-in table, `$patch: replace | delete | merge` (maps and
 * list elements), `$retainKeys`, `$deleteFromPrimitiveList/<field>`,
 * `$setElementOrder/<field>`, `null` deletes. Lists without a merge key are replaced.
 *
 * @example
 * strategicMerge(
 *   { spec: { containers: [{ name: "a", image: "x" }, { name: "b", image: "y" }] } },
 *   { spec: { containers: [{ name: "b", image: "z" }] } },
 *   { group: "", version: "v1", kind: "Pod" }
 * ) // Either.right: containers a (image x) and b (image z)
 */
export const strategicMerge = (
  target: unknown,
  patch: unknown,
  kind: { readonly group: string; readonly version: string; readonly kind: string }
): Either.Either<unknown, StrategicMergeError> => {
  if (!isObject(patch)) {
    return Either.left(new StrategicMergeError({ code: 400, message: "invalid JSON document" }))
  }
  try {
    return Either.right(mergeMap(isObject(target) ? target : {}, patch, rootNode(kind)))
  } catch (e) {
    if (e instanceof MergeFailure) return Either.left(new StrategicMergeError({ code: e.code, message: e.message }))
    throw e
  }
}
