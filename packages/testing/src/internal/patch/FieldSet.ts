/**
 * Field sets as server-side apply tracks them: sets of paths through an object, encoded as
 * `fieldsV1` (`{"f:metadata":{"f:labels":{"f:app":{}}}}`). A path is a list of tokens in the
 * fieldsV1 key syntax: `f:<field>`, `k:<json object of key fields>` (an element of a list with
 * merge keys), `v:<json value>` (an element of a set), `i:<index>`.
 *
 * @internal
 */
import { isObject } from "./Json.js"
import type { Field, Node } from "./Schema.js"

/** One path through an object, in fieldsV1 tokens. */
export type Path = ReadonlyArray<string>

/** An immutable-by-convention set of paths keyed by their joined form. */
export type FieldSet = ReadonlyMap<string, Path>

const sep = "\u0000"
/** The map key of a path. */
export const pathKey = (path: Path): string => path.join(sep)

/** A set from paths. */
export const setOf = (paths: Iterable<Path>): FieldSet => {
  const out = new Map<string, Path>()
  for (const p of paths) out.set(pathKey(p), p)
  return out
}

/** Paths in either set. */
export const union = (a: FieldSet, b: FieldSet): FieldSet => {
  const out = new Map(a)
  for (const [k, p] of b) out.set(k, p)
  return out
}

/** Paths of `a` not in `b`. */
export const difference = (a: FieldSet, b: FieldSet): FieldSet => {
  const out = new Map<string, Path>()
  for (const [k, p] of a) if (!b.has(k)) out.set(k, p)
  return out
}

/** Paths in both sets. */
export const intersection = (a: FieldSet, b: FieldSet): FieldSet => {
  const out = new Map<string, Path>()
  for (const [k, p] of a) if (b.has(k)) out.set(k, p)
  return out
}

/** Canonical JSON (sorted object keys), as structured-merge-diff encodes keys and values. */
const canonical = (u: unknown): string => {
  if (Array.isArray(u)) return `[${u.map(canonical).join(",")}]`
  if (isObject(u)) {
    return `{${Object.keys(u)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(u[k])}`)
      .join(",")}}`
  }
  return JSON.stringify(u) ?? "null"
}

/** `f:<name>`: a field of a map. */
export const fieldToken = (name: string): string => `f:${name}`
/** `v:<json>`: an element of a set (list of primitives). */
export const valueToken = (value: unknown): string => `v:${canonical(value)}`
/** `i:<n>`: an element of an atomic list (by position). */
export const indexToken = (i: number): string => `i:${i}`
/**
 * The `k:` token of a list element: its key fields, a missing one taken from `defaults` (as
 * structured-merge-diff does for keys with a schema default, e.g. a port's `protocol`), or
 * `undefined` when a key field is missing and has no default.
 */
export const keyToken = (
  item: unknown,
  keys: ReadonlyArray<string>,
  defaults: Readonly<Record<string, unknown>> = {}
): string | undefined => {
  if (!isObject(item)) return undefined
  const fields: Record<string, unknown> = {}
  for (const k of keys) {
    const v = item[k] ?? defaults[k]
    if (v === undefined || v === null) return undefined
    fields[k] = v
  }
  return `k:${canonical(fields)}`
}

const rank = (token: string): number => {
  switch (token[0]) {
    case "f":
      return 0
    case "k":
      return 1
    case "v":
      return 2
    default:
      return 3
  }
}
const compareTokens = (a: string, b: string): number => {
  const r = rank(a) - rank(b)
  if (r !== 0) return r
  if (a.startsWith("i:") && b.startsWith("i:")) return Number(a.slice(2)) - Number(b.slice(2))
  return a < b ? -1 : a > b ? 1 : 0
}

/** Orders paths like structured-merge-diff: element by element, fields before keys/values/indices. */
export const comparePaths = (a: Path, b: Path): number => {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const c = compareTokens(a[i], b[i])
    if (c !== 0) return c
  }
  return a.length - b.length
}

/**
 * The order structured-merge-diff's `Set.Iterate` visits paths in (conflict lists are printed in
 * it): at each node its members first, then its children's subtrees, each group by element.
 */
export const iterationOrder = (a: Path, b: Path): number => {
  for (let i = 0; i < a.length && i < b.length; i++) {
    const aMember = a.length === i + 1
    const bMember = b.length === i + 1
    if (aMember !== bMember) return aMember ? -1 : 1
    const c = compareTokens(a[i], b[i])
    if (c !== 0) return c
  }
  return a.length - b.length
}

interface TreeNode {
  member: boolean
  readonly children: Map<string, TreeNode>
}

/** Encodes a set as a `fieldsV1` object. */
export const toFieldsV1 = (set: FieldSet): Record<string, unknown> => {
  const root: TreeNode = { member: false, children: new Map() }
  for (const path of set.values()) {
    let node = root
    for (const t of path) {
      let next = node.children.get(t)
      if (!next) {
        next = { member: false, children: new Map() }
        node.children.set(t, next)
      }
      node = next
    }
    node.member = true
  }
  const encode = (node: TreeNode): Record<string, unknown> => {
    const out: Record<string, unknown> = {}
    if (node.children.size === 0) return out
    if (node.member) out["."] = {}
    for (const t of [...node.children.keys()].sort(compareTokens)) {
      const child = node.children.get(t)
      if (child) out[t] = encode(child)
    }
    return out
  }
  return encode(root)
}

/** Decodes a `fieldsV1` object; anything malformed is skipped. */
export const fromFieldsV1 = (fields: unknown): FieldSet => {
  const out = new Map<string, Path>()
  const walk = (node: unknown, path: Array<string>): void => {
    if (!isObject(node)) return
    const keys = Object.keys(node)
    if (path.length > 0 && (keys.length === 0 || Object.hasOwn(node, "."))) out.set(pathKey(path), path.slice())
    for (const k of keys) {
      if (k === ".") continue
      path.push(k)
      walk(node[k], path)
      path.pop()
    }
  }
  walk(fields, [])
  return out
}

/** Formats a path like structured-merge-diff does in conflict messages: `.spec.containers[name="a"].image`. */
export const formatPath = (path: Path): string =>
  path
    .map((t) => {
      const body = t.slice(2)
      if (t.startsWith("f:")) return `.${body}`
      if (t.startsWith("i:")) return `[${body}]`
      if (t.startsWith("v:")) return `[=${body}]`
      try {
        const keys: unknown = JSON.parse(body)
        if (isObject(keys)) {
          return `[${Object.keys(keys)
            .map((k) => `${k}=${JSON.stringify(keys[k])}`)
            .join(",")}]`
        }
      } catch {
        // not a key token we wrote; print it raw
      }
      return `[${body}]`
    })
    .join("")

/** The schema of a child field (maps with unknown fields merge as plain maps, lists are atomic). */
export const childField = (node: Node | undefined, name: string): Field | undefined => node?.[name]
