/**
 * Server-side apply and managed-fields bookkeeping, modelled on kube-apiserver's field manager
 * (k8s.io/apimachinery managedfields + sigs.k8s.io/structured-merge-diff), good enough for
 * controllers: ownership per manager and operation, conflicts, force, removal of fields a
 * manager stopped applying, and `Update` entries for create/update/patch so a later apply sees
 * conflicts with a manager that used plain writes.
 *
 * `fieldsV1` follows the real rules for `"."` (the container itself is a member): an Apply
 * entry owns leaves (empty maps and atomic values included) and list elements, so only `k:`
 * elements carry `"."`; an Update entry also owns every map or list the write created — except
 * the fields Go's types always serialise (non-pointer structs such as `spec`, `template`,
 * `strategy`; `containers`), which exist in the typed objects the real server compares. Custom
 * resources are unstructured: there `spec` gets its `"."` too.
 *
 * Differences from the real server:
 * - List, atomic and always-present semantics come from the built-in table in `Schema.ts`, or
 *   for a custom resource from its CRD schema (`x-kubernetes-list-type`, `-list-map-keys`,
 *   `-map-type`; see `customRootNode`); every other list is atomic, and every other field merges
 *   granularly. Custom objects are treated as structs (an applied map /
 *   `x-kubernetes-preserve-unknown-fields` object gets no `"."`).
 * - `null` in an applied configuration is treated as "not applied".
 * - An applied list element missing a key field without a default is rejected (500); the real
 *   server lets validation report it.
 * - Maps left empty by pruning are removed (what Go's `omitempty` does for built-in types).
 * - No cap on the number of `Update` managers (the real server folds the oldest into
 *   `ancient-changes`), no version conversion of field sets.
 * - Applying to an object that has no managedFields hands its existing fields to
 *   `before-first-apply` (operation Update), as the real server does.
 *
 * @internal
 */
import * as Data from "effect/Data"
import * as Either from "effect/Either"
import type { ManagedFieldsEntry, Status } from "@effect-kube/core/Meta"
import {
  comparePaths,
  difference,
  type FieldSet,
  fieldToken,
  formatPath,
  fromFieldsV1,
  intersection,
  iterationOrder,
  keyToken,
  type Path,
  pathKey,
  setOf,
  toFieldsV1,
  union,
  valueToken
} from "./FieldSet.js"
import { deepClone, deepEqual, isObject, type JsonObject } from "./Json.js"
import { type Field, groupOf, type KindRef, type Node, rootNode } from "./Schema.js"

/**
 * One conflicting field: who owns it (printed like the real server: `"m"`, or
 * `"m" using v1` for an Update manager) and where (`.data.k`).
 */
export interface FieldConflict {
  readonly manager: string
  readonly field: string
}

/**
 * An apply changed fields another manager owns and `force` was false. Answered with 409
 * Conflict (see {@link applyErrorStatus}).
 *
 * @example
 * err.message // 'Apply failed with 1 conflict: conflict with "other": .data.k'
 */
export class ApplyConflict extends Data.TaggedError("ApplyConflict")<{
  readonly conflicts: ReadonlyArray<FieldConflict>
  readonly message: string
}> {}

/**
 * The applied configuration cannot be applied (not an object, managedFields set, a list
 * element missing its merge key). `code` is the HTTP status to answer with.
 *
 * @example
 * err.code // 400
 */
export class ApplyInvalid extends Data.TaggedError("ApplyInvalid")<{
  readonly code: 400 | 422 | 500
  readonly message: string
}> {}

/**
 * The HTTP status code and `Status` body kube-apiserver answers for an apply failure: 409 with
 * `FieldManagerConflict` causes for conflicts.
 *
 * @example
 * applyErrorStatus(conflict).status.details?.causes?.[0]?.field // ".data.k"
 */
export const applyErrorStatus = (
  error: ApplyConflict | ApplyInvalid
): { readonly code: number; readonly status: Status } => {
  if (error._tag === "ApplyConflict") {
    return {
      code: 409,
      status: {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message: error.message,
        reason: "Conflict",
        details: {
          causes: error.conflicts.map((c) => ({
            reason: "FieldManagerConflict",
            message: `conflict with ${c.manager}`,
            field: c.field
          }))
        },
        code: 409
      }
    }
  }
  const reason = error.code === 400 ? "BadRequest" : error.code === 422 ? "Invalid" : "InternalError"
  return {
    code: error.code,
    status: {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: error.message,
      reason,
      code: error.code
    }
  }
}

/** Thrown only inside this module (caught at the entry points) to unwind a failed walk. */
class Invalid {
  constructor(readonly message: string) {}
}

// Fields the field manager never tracks (structured-merge-diff's strip set).
const ignoredMeta = new Set([
  "f:name",
  "f:namespace",
  "f:creationTimestamp",
  "f:selfLink",
  "f:uid",
  "f:clusterName",
  "f:generation",
  "f:managedFields",
  "f:resourceVersion"
])
const ignored = (path: Path): boolean =>
  path[0] === "f:apiVersion" ||
  path[0] === "f:kind" ||
  (path[0] === "f:metadata" && (path.length === 1 || ignoredMeta.has(path[1])))

const keep = (set: Map<string, Path>, path: Path): void => {
  if (path.length > 0 && !ignored(path)) set.set(pathKey(path), path)
}

const childOf = (field: Field | undefined, name: string): Field | undefined => field?.node?.[name]
const elementOf = (field: Field | undefined): Field | undefined => (field?.node ? { node: field.node } : undefined)

/** How server-side apply treats a list: atomic, a set of primitives, or a map keyed by fields. */
type ListKind =
  | { readonly _tag: "atomic" }
  | { readonly _tag: "set" }
  | { readonly _tag: "map"; readonly keys: ReadonlyArray<string>; readonly defaults: Readonly<Record<string, unknown>> }

const atomicList: ListKind = { _tag: "atomic" }
const setList: ListKind = { _tag: "set" }
const listKind = (field: Field | undefined): ListKind => {
  if (field === undefined || field.atomic) return atomicList
  if (field.keys !== undefined) return { _tag: "map", keys: field.keys, defaults: field.keyDefaults ?? {} }
  if (field.mergeKey === undefined) return atomicList
  if (field.mergeKey === "") return setList
  return { _tag: "map", keys: [field.mergeKey], defaults: field.keyDefaults ?? {} }
}

/** The path token of a list element (`v:` for sets, `k:` for maps; `undefined` if it lacks a key). */
const elementToken = (item: unknown, kind: ListKind): string | undefined =>
  kind._tag === "set" ? valueToken(item) : kind._tag === "map" ? keyToken(item, kind.keys, kind.defaults) : undefined

const missingKey = (item: unknown, kind: ListKind): string => {
  const keys = kind._tag === "map" ? kind.keys : []
  const missing = keys.find((k) => !isObject(item) || item[k] === undefined || item[k] === null) ?? keys[0]
  return `associative list with keys has an element that omits key field ${JSON.stringify(missing)} (and doesn't have default value)`
}

/**
 * The fields an applied configuration sets (structured-merge-diff `ToFieldSet`): leaves (empty
 * maps and atomic values included) and the elements of keyed lists and sets. Struct fields are
 * never members themselves, so only list elements get a `"."` entry.
 */
const appliedFields = (applied: JsonObject, root: Node, strict = true): FieldSet => {
  const out = new Map<string, Path>()
  const visit = (value: unknown, field: Field | undefined, path: Array<string>): void => {
    if (value === null || value === undefined) return
    if (field?.atomic) {
      keep(out, path)
      return
    }
    if (isObject(value)) {
      const keys = Object.keys(value)
      if (keys.length === 0) keep(out, path)
      for (const k of keys) visit(value[k], childOf(field, k), [...path, fieldToken(k)])
      return
    }
    if (Array.isArray(value)) {
      const kind = listKind(field)
      if (kind._tag === "atomic") {
        keep(out, path)
        return
      }
      for (const item of value) {
        const tok = elementToken(item, kind)
        if (tok === undefined) {
          if (!strict) continue
          throw new Invalid(`.${path.map((t) => t.slice(2)).join(".")}: ${missingKey(item, kind)}`)
        }
        keep(out, [...path, tok])
        if (kind._tag === "map") visit(item, elementOf(field), [...path, tok])
      }
      return
    }
    keep(out, path)
  }
  visit(applied, { node: root }, [])
  return out
}

/** Every path in a value, containers included (what an Update that adds the value owns). */
const allFields = (value: unknown, field: Field | undefined, path: Array<string>, out: Map<string, Path>): void => {
  if (value === undefined) return
  keep(out, path)
  if (field?.atomic) return
  if (isObject(value)) {
    for (const k of Object.keys(value)) allFields(value[k], childOf(field, k), [...path, fieldToken(k)], out)
  } else if (Array.isArray(value)) {
    const kind = listKind(field)
    if (kind._tag === "atomic") return
    for (const item of value) {
      const tok = elementToken(item, kind)
      if (tok === undefined) continue
      if (kind._tag === "set") keep(out, [...path, tok])
      else allFields(item, elementOf(field), [...path, tok], out)
    }
  }
}

interface Comparison {
  readonly added: Map<string, Path>
  readonly removed: Map<string, Path>
  readonly modified: Map<string, Path>
}

const emptyLike = (u: unknown): unknown => (Array.isArray(u) ? [] : {})

/**
 * What changed between two versions of an object, by path (structured-merge-diff `Compare`). A
 * container the change creates is itself added (its `"."`), unless the Go type always has it
 * (`implicit`): the real server compares typed objects, where such fields exist even when empty.
 */
const compare = (before: unknown, after: unknown, root: Node): Comparison => {
  const c: Comparison = { added: new Map(), removed: new Map(), modified: new Map() }
  const walk = (a: unknown, b: unknown, field: Field | undefined, path: Array<string>): void => {
    if (field?.implicit && (a === undefined) !== (b === undefined)) {
      if (a === undefined) a = emptyLike(b)
      else b = emptyLike(a)
    }
    if (a === undefined && b === undefined) return
    if (a === undefined) {
      allFields(b, field, path, c.added)
      return
    }
    if (b === undefined) {
      allFields(a, field, path, c.removed)
      return
    }
    if (field?.atomic) {
      if (!deepEqual(a, b)) keep(c.modified, path)
      return
    }
    if (isObject(a) && isObject(b)) {
      for (const k of Object.keys(a)) walk(a[k], b[k], childOf(field, k), [...path, fieldToken(k)])
      for (const k of Object.keys(b))
        if (!Object.hasOwn(a, k)) walk(undefined, b[k], childOf(field, k), [...path, fieldToken(k)])
      return
    }
    const kind = listKind(field)
    if (Array.isArray(a) && Array.isArray(b) && kind._tag !== "atomic") {
      const index = (list: ReadonlyArray<unknown>): Map<string, unknown> => {
        const m = new Map<string, unknown>()
        for (const item of list) {
          const tok = elementToken(item, kind)
          if (tok !== undefined && !m.has(tok)) m.set(tok, item)
        }
        return m
      }
      const ia = index(a)
      const ib = index(b)
      for (const [tok, item] of ia) {
        const other = ib.get(tok)
        if (kind._tag === "set") {
          if (other === undefined) keep(c.removed, [...path, tok])
        } else {
          walk(item, other, elementOf(field), [...path, tok])
        }
      }
      for (const [tok, item] of ib) {
        if (ia.has(tok)) continue
        if (kind._tag === "set") keep(c.added, [...path, tok])
        else walk(undefined, item, elementOf(field), [...path, tok])
      }
      return
    }
    if (!deepEqual(a, b)) keep(c.modified, path)
  }
  walk(before, after, { node: root }, [])
  return c
}

/**
 * Merges an applied configuration into the live object (structured-merge-diff `Merge`). Keyed
 * lists and sets merge like the real merge walker: elements both sides have follow the applied
 * order, live-only elements keep their place, applied-only ones go where the configuration puts
 * them.
 */
const merge = (live: unknown, applied: unknown, field: Field | undefined): unknown => {
  if (field?.atomic) return deepClone(applied)
  if (isObject(applied)) {
    const out: Record<string, unknown> = isObject(live) ? { ...live } : {}
    for (const k of Object.keys(applied)) {
      const v = applied[k]
      if (v === null || v === undefined) continue
      out[k] = merge(out[k], v, childOf(field, k))
    }
    return out
  }
  const kind = listKind(field)
  if (Array.isArray(applied) && kind._tag !== "atomic") {
    return mergeList(Array.isArray(live) ? live : [], applied, kind, elementOf(field))
  }
  return deepClone(applied)
}

interface Entry {
  readonly tok: string
  readonly item: unknown
}

const mergeList = (
  live: ReadonlyArray<unknown>,
  applied: ReadonlyArray<unknown>,
  kind: ListKind,
  element: Field | undefined
): Array<unknown> => {
  const entries = (list: ReadonlyArray<unknown>, side: string): Array<Entry> => {
    const seen = new Set<string>()
    const out: Array<Entry> = []
    list.forEach((item, i) => {
      // An element without its key never matches the other side.
      const tok = elementToken(item, kind) ?? `${side}\u0000${i}`
      if (seen.has(tok)) return
      seen.add(tok)
      out.push({ tok, item })
    })
    return out
  }
  const lhs = entries(live, "live")
  const rhs = entries(applied, "applied")
  const lhsByTok = new Map(lhs.map((e) => [e.tok, e.item]))
  const rhsToks = new Set(rhs.map((e) => e.tok))
  const shared = rhs.filter((e) => lhsByTok.has(e.tok)).map((e) => e.tok)
  let s = 0
  const combine = (l: unknown, r: unknown): unknown => (kind._tag === "set" ? deepClone(r) : merge(l, r, element))
  const out: Array<unknown> = []
  let l = 0
  let r = 0
  while (l < lhs.length || r < rhs.length) {
    if (l < lhs.length && r < rhs.length) {
      if (lhs[l].tok === rhs[r].tok) {
        out.push(combine(lhs[l].item, rhs[r].item))
        l++
        r++
        s++
        continue
      }
      if (rhsToks.has(lhs[l].tok) && s < shared.length && shared[s] !== lhs[l].tok) {
        // A shared element the configuration places later: it is emitted from the applied side.
        l++
        continue
      }
    }
    if (l < lhs.length && !rhsToks.has(lhs[l].tok)) {
      out.push(lhs[l].item)
      l++
      continue
    }
    if (r < rhs.length) {
      const tok = rhs[r].tok
      out.push(combine(lhsByTok.get(tok), rhs[r].item))
      r++
      if (s < shared.length && shared[s] === tok) s++
      continue
    }
    // Only shared live elements are left, all emitted already.
    l++
  }
  return out
}

/** Removes one path from an object; maps left empty by the removal go too. */
const removePath = (value: unknown, path: Path, i: number, field: Field | undefined): unknown => {
  if (i === path.length) return undefined
  const tok = path[i]
  if (tok.startsWith("f:") && isObject(value)) {
    const name = tok.slice(2)
    if (!Object.hasOwn(value, name)) return value
    const child = removePath(value[name], path, i + 1, childOf(field, name))
    const { [name]: _old, ...rest } = value
    if (child !== undefined && !(isObject(child) && Object.keys(child).length === 0 && i + 1 < path.length)) {
      return { ...rest, [name]: child }
    }
    return rest
  }
  if ((tok.startsWith("k:") || tok.startsWith("v:")) && Array.isArray(value)) {
    const kind = listKind(field)
    const out: Array<unknown> = []
    for (const item of value) {
      if (elementToken(item, kind) !== tok) {
        out.push(item)
        continue
      }
      const child = removePath(item, path, i + 1, elementOf(field))
      if (child !== undefined) out.push(child)
    }
    return out
  }
  return value
}

/** Whether `path` is the key field of the list element it sits in (kept while the element stays). */
const isKeyField = (path: Path): boolean => {
  if (path.length < 2) return false
  const parent = path[path.length - 2]
  const last = path[path.length - 1]
  if (!parent.startsWith("k:") || !last.startsWith("f:")) return false
  try {
    const keys: unknown = JSON.parse(parent.slice(2))
    return isObject(keys) && Object.hasOwn(keys, last.slice(2))
  } catch {
    return false
  }
}

const hasPrefix = (path: Path, prefix: Path): boolean => {
  if (prefix.length > path.length) return false
  for (let i = 0; i < prefix.length; i++) if (path[i] !== prefix[i]) return false
  return true
}

/** A manager's identity: the same name with another operation or subresource is another manager. */
interface Manager {
  readonly manager: string
  readonly operation: "Apply" | "Update"
  readonly apiVersion: string
  readonly subresource: string | undefined
  time: string | undefined
  set: FieldSet
}

const identity = (m: {
  readonly manager: string
  readonly operation: string
  readonly apiVersion: string
  readonly subresource?: string | undefined
}): string =>
  JSON.stringify({
    manager: m.manager,
    operation: m.operation,
    ...(m.operation === "Apply" ? {} : { apiVersion: m.apiVersion }),
    ...(m.subresource ? { subresource: m.subresource } : {})
  })

const printManager = (m: Manager): string => {
  let s = JSON.stringify(m.manager)
  if (m.subresource) s = `${s} with subresource ${JSON.stringify(m.subresource)}`
  return m.operation === "Update" ? `${s} using ${m.apiVersion}` : s
}

const decodeManagers = (entries: unknown): Map<string, Manager> => {
  const out = new Map<string, Manager>()
  if (!Array.isArray(entries)) return out
  for (const e of entries) {
    if (!isObject(e) || typeof e.manager !== "string") continue
    const operation = e.operation === "Apply" ? "Apply" : "Update"
    const m: Manager = {
      manager: e.manager,
      operation,
      apiVersion: typeof e.apiVersion === "string" ? e.apiVersion : "",
      subresource: typeof e.subresource === "string" && e.subresource !== "" ? e.subresource : undefined,
      time: typeof e.time === "string" ? e.time : undefined,
      set: fromFieldsV1(e.fieldsV1)
    }
    out.set(identity(m), m)
  }
  return out
}

const encodeManagers = (managers: ReadonlyMap<string, Manager>): Array<ManagedFieldsEntry> =>
  [...managers.values()]
    .filter((m) => m.set.size > 0)
    .sort((p, q) => {
      if (p.operation !== q.operation) return p.operation < q.operation ? -1 : 1
      const pt = p.time ? Date.parse(p.time) : 0
      const qt = q.time ? Date.parse(q.time) : 0
      if (pt !== qt) return pt - qt
      if (p.manager !== q.manager) return p.manager < q.manager ? -1 : 1
      if (p.apiVersion !== q.apiVersion) return p.apiVersion < q.apiVersion ? -1 : 1
      return (p.subresource ?? "") < (q.subresource ?? "") ? -1 : 1
    })
    .map((m) => ({
      manager: m.manager,
      operation: m.operation,
      apiVersion: m.apiVersion,
      ...(m.time !== undefined ? { time: m.time } : {}),
      fieldsType: "FieldsV1",
      fieldsV1: toFieldsV1(m.set),
      ...(m.subresource ? { subresource: m.subresource } : {})
    }))

/** RFC 3339 with second precision, like metav1.Time. */
const formatTime = (now: Date): string => now.toISOString().replace(/\.\d{3}Z$/, "Z")

const metadataOf = (u: unknown): JsonObject => (isObject(u) && isObject(u.metadata) ? u.metadata : {})

const withManagedFields = (object: JsonObject, managedFields: ReadonlyArray<ManagedFieldsEntry>): JsonObject => {
  const { managedFields: _old, ...meta } = metadataOf(object)
  return { ...object, metadata: managedFields.length > 0 ? { ...meta, managedFields } : meta }
}

const withoutManagedFields = (object: JsonObject): JsonObject => {
  const meta = metadataOf(object)
  if (!Object.hasOwn(meta, "managedFields")) return object
  const { managedFields: _old, ...rest } = meta
  return { ...object, metadata: rest }
}

const sameSet = (a: FieldSet, b: FieldSet): boolean => a.size === b.size && [...a.keys()].every((k) => b.has(k))

/** Restricts an applied configuration to what the target (main resource or subresource) may change. */
const resetFields = (applied: JsonObject, subresource: string | undefined, statusSubresource: boolean): JsonObject => {
  if (subresource === "status") {
    const meta = metadataOf(applied)
    return {
      ...(applied.apiVersion !== undefined ? { apiVersion: applied.apiVersion } : {}),
      ...(applied.kind !== undefined ? { kind: applied.kind } : {}),
      metadata: {
        ...(meta.name !== undefined ? { name: meta.name } : {}),
        ...(meta.namespace !== undefined ? { namespace: meta.namespace } : {})
      },
      ...(applied.status !== undefined ? { status: applied.status } : {})
    }
  }
  if (statusSubresource && Object.hasOwn(applied, "status")) {
    const { status: _s, ...rest } = applied
    return rest
  }
  return applied
}

/** Options of {@link serverSideApply}. */
export interface ApplyOptions {
  /** The stored object, or `undefined` when the apply creates it. */
  readonly live: JsonObject | undefined
  /** The applied configuration (the request body, parsed). */
  readonly applied: unknown
  /** The `fieldManager` query parameter (required by the real server for apply). */
  readonly manager: string
  readonly force: boolean
  readonly now: Date
  /** `status` for `/status` applies. */
  readonly subresource?: string
  /** Whether the kind has a status subresource: then an apply to the main resource ignores `status`. */
  readonly statusSubresource?: boolean
  /** The kind (for list semantics); defaults to the applied object's apiVersion/kind. */
  readonly kind?: KindRef
  /** The schema root, overriding the built-in table's for `kind` (a custom resource's, from its CRD). */
  readonly root?: Node
}

/** The outcome of a successful apply: the new object (managedFields set) and its entries. */
export interface ApplyResult {
  readonly object: JsonObject
  readonly managedFields: ReadonlyArray<ManagedFieldsEntry>
}

const kindOf = (object: JsonObject, explicit: KindRef | undefined): KindRef =>
  explicit ?? {
    group: typeof object.apiVersion === "string" ? groupOf(object.apiVersion) : "",
    kind: typeof object.kind === "string" ? object.kind : ""
  }

/**
 * Server-side apply: merges `applied` into `live`, records `manager`'s ownership (operation
 * Apply), fails with {@link ApplyConflict} when another manager owns a field whose value would
 * change (unless `force`, which moves the ownership), and removes fields `manager` applied
 * before and omits now unless another manager owns them. Never mutates its inputs.
 *
 * @example
 * serverSideApply({
 *   live: undefined,
 *   applied: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a" }, data: { k: "v" } },
 *   manager: "ctl", force: false, now: new Date()
 * }) // Either.right({ object, managedFields: [{ manager: "ctl", operation: "Apply", fieldsV1: { "f:data": { "f:k": {} } }, … }] })
 */
export const serverSideApply = (options: ApplyOptions): Either.Either<ApplyResult, ApplyConflict | ApplyInvalid> => {
  const raw = options.applied
  if (!isObject(raw))
    return Either.left(
      new ApplyInvalid({ code: 400, message: "error decoding YAML: the applied configuration is not an object" })
    )
  if (metadataOf(raw).managedFields !== undefined) {
    return Either.left(new ApplyInvalid({ code: 400, message: "metadata.managedFields must be nil" }))
  }
  const applied = resetFields(raw, options.subresource, options.statusSubresource ?? false)
  const root = options.root ?? rootNode(kindOf(raw, options.kind))
  const apiVersion = typeof raw.apiVersion === "string" ? raw.apiVersion : ""
  const time = formatTime(options.now)
  try {
    const live = options.live ? withoutManagedFields(options.live) : undefined
    const managers = decodeManagers(options.live ? metadataOf(options.live).managedFields : undefined)
    if (live !== undefined && managers.size === 0) {
      // Like the real server: the leaves of an object nobody manages yet go to before-first-apply.
      const seed: Manager = {
        manager: "before-first-apply",
        operation: "Update",
        apiVersion,
        subresource: undefined,
        time,
        set: appliedFields(live, root, false)
      }
      managers.set(identity(seed), seed)
    }
    const self = identity({
      manager: options.manager,
      operation: "Apply",
      apiVersion,
      subresource: options.subresource
    })
    const previous = managers.get(self)
    const lastSet: FieldSet = previous?.set ?? new Map()
    const newSet = appliedFields(applied, root)

    let merged = merge(live ?? {}, applied, { node: root })
    const ownedByOthers = [...managers.entries()].filter(([id]) => id !== self).flatMap(([, m]) => [...m.set.values()])
    const toRemove = [...difference(lastSet, newSet).values()]
      .filter((p) => !isKeyField(p) && !ownedByOthers.some((o) => hasPrefix(o, p)))
      .sort((a, b) => b.length - a.length || comparePaths(a, b))
    for (const p of toRemove) merged = removePath(merged, p, 0, { node: root })
    // Pruning drops maps it empties; merging the configuration again restores the ones it names.
    if (toRemove.length > 0) merged = merge(merged, applied, { node: root })
    const object = isObject(merged) ? merged : {}

    const diff = compare(live ?? {}, object, root)
    const changed = union(diff.modified, diff.added)
    const conflicts: Array<{ readonly id: string; readonly m: Manager; readonly path: Path }> = []
    for (const [id, m] of managers) {
      if (id === self) continue
      for (const path of intersection(m.set, changed).values()) conflicts.push({ id, m, path })
    }
    if (conflicts.length > 0 && !options.force) {
      conflicts.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : iterationOrder(a.path, b.path)))
      const list = conflicts.map((c) => ({ manager: printManager(c.m), field: formatPath(c.path) }))
      return Either.left(new ApplyConflict({ conflicts: list, message: conflictMessage(list) }))
    }
    for (const c of conflicts) {
      const m = managers.get(c.id)
      if (m) m.set = difference(m.set, setOf([c.path]))
    }
    const objectChanged = diff.added.size + diff.removed.size + diff.modified.size > 0
    const entry: Manager = {
      manager: options.manager,
      operation: "Apply",
      apiVersion,
      subresource: options.subresource,
      time: previous && sameSet(previous.set, newSet) && !objectChanged ? previous.time : time,
      set: newSet
    }
    managers.set(self, entry)
    for (const m of managers.values()) m.set = difference(m.set, diff.removed)
    const managedFields = encodeManagers(managers)
    return Either.right({ object: withManagedFields(object, managedFields), managedFields })
  } catch (e) {
    if (e instanceof Invalid) return Either.left(new ApplyInvalid({ code: 500, message: e.message }))
    throw e
  }
}

const conflictMessage = (conflicts: ReadonlyArray<FieldConflict>): string => {
  if (conflicts.length === 1)
    return `Apply failed with 1 conflict: conflict with ${conflicts[0].manager}: ${conflicts[0].field}`
  const byManager = new Map<string, Array<string>>()
  for (const c of conflicts) byManager.set(c.manager, [...(byManager.get(c.manager) ?? []), c.field])
  const lines: Array<string> = []
  for (const manager of [...byManager.keys()].sort()) {
    lines.push(`conflicts with ${manager}:`)
    for (const f of byManager.get(manager) ?? []) lines.push(`- ${f}`)
  }
  return `Apply failed with ${conflicts.length} conflicts: ${lines.join("\n")}`
}

/** Options of {@link recordUpdate}. */
export interface UpdateOptions {
  /** The stored object before the write, `undefined` for a create. */
  readonly live: JsonObject | undefined
  /** The object about to be stored. */
  readonly updated: JsonObject
  /** The `fieldManager` query parameter, or a default (the real server uses the user agent's program name). */
  readonly manager: string
  readonly now: Date
  readonly subresource?: string
  readonly kind?: KindRef
  /** The schema root, overriding the built-in table's for `kind` (a custom resource's, from its CRD). */
  readonly root?: Node
}

/**
 * Keeps managedFields for a non-apply write (create, update, any patch): the fields the write
 * added or changed move to `manager`'s Update entry (taken from every other manager), fields it
 * removed leave every manager. Returns the object with `metadata.managedFields` set.
 *
 * A client that sends managedFields different from the stored ones replaces them (an empty list
 * or `[{}]` clears them), like the real server.
 *
 * @example
 * recordUpdate({ live: undefined, updated: cm, manager: "kubectl-create", now: new Date() }).object.metadata.managedFields
 */
export const recordUpdate = (options: UpdateOptions): ApplyResult => {
  const updated = options.updated
  const apiVersion = typeof updated.apiVersion === "string" ? updated.apiVersion : ""
  const root = options.root ?? rootNode(kindOf(updated, options.kind))
  const liveEntries = options.live ? metadataOf(options.live).managedFields : undefined
  const sentEntries = metadataOf(updated).managedFields
  const base =
    sentEntries !== undefined && !deepEqual(sentEntries, liveEntries)
      ? Array.isArray(sentEntries)
        ? sentEntries.filter((e) => isObject(e) && Object.keys(e).length > 0)
        : []
      : liveEntries
  const managers = decodeManagers(base)
  const before = options.live ? withoutManagedFields(options.live) : {}
  const after = withoutManagedFields(updated)
  const diff = compare(before, after, root)
  const changed = union(diff.modified, diff.added)
  const self = identity({ manager: options.manager, operation: "Update", apiVersion, subresource: options.subresource })
  for (const [id, m] of managers) {
    m.set = difference(m.set, diff.removed)
    if (id !== self) m.set = difference(m.set, changed)
  }
  const previous = managers.get(self)
  const set = union(previous?.set ?? new Map(), changed)
  const objectChanged = diff.added.size + diff.removed.size + diff.modified.size > 0
  managers.set(self, {
    manager: options.manager,
    operation: "Update",
    apiVersion,
    subresource: options.subresource,
    time: previous && !objectChanged ? previous.time : formatTime(options.now),
    set
  })
  const managedFields = encodeManagers(managers)
  return { object: withManagedFields(after, managedFields), managedFields }
}
