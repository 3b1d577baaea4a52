/**
 * RFC 7386 JSON merge patch.
 *
 * @internal
 */
import { deepClone, deepEqual, isObject } from "./Json.js"

/**
 * Applies an RFC 7386 merge patch: `null` deletes a member, objects merge recursively, arrays
 * and scalars replace. Never mutates `target` or `patch`; the result shares untouched subtrees
 * with `target` and never aliases `patch`.
 *
 * @example
 * applyMergePatch({ a: 1, b: { c: 2 } }, { b: { c: null, d: 3 } }) // { a: 1, b: { d: 3 } }
 */
export const applyMergePatch = (target: unknown, patch: unknown): unknown => {
  if (!isObject(patch)) return deepClone(patch)
  const base: Record<string, unknown> = isObject(target) ? { ...target } : {}
  for (const key of Object.keys(patch)) {
    const value = patch[key]
    if (value === null) {
      delete base[key]
    } else {
      base[key] = applyMergePatch(base[key], value)
    }
  }
  return base
}

/**
 * The merge patch that turns `from` into `to` (the inverse of {@link applyMergePatch} for JSON
 * documents without `null` values). Arrays are replaced wholesale.
 *
 * @example
 * createMergePatch({ a: 1, b: 2 }, { a: 1, c: 3 }) // { b: null, c: 3 }
 */
export const createMergePatch = (from: unknown, to: unknown): unknown => {
  if (!isObject(from) || !isObject(to)) return deepClone(to)
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(from)) {
    if (!Object.hasOwn(to, key)) out[key] = null
  }
  for (const key of Object.keys(to)) {
    const a = from[key]
    const b = to[key]
    if (!Object.hasOwn(from, key)) {
      out[key] = deepClone(b)
    } else if (isObject(a) && isObject(b)) {
      const sub = createMergePatch(a, b)
      if (isObject(sub) && Object.keys(sub).length > 0) out[key] = sub
    } else if (!deepEqual(a, b)) {
      out[key] = deepClone(b)
    }
  }
  return out
}
