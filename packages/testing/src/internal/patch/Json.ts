/**
 * JSON value helpers shared by the patch engines: plain-object test, deep equality, deep clone.
 *
 * @internal
 */

/** A JSON object as the engines see it. */
export type JsonObject = { readonly [key: string]: unknown }

/** A plain JSON object (not null, not an array). */
export const isObject = (u: unknown): u is JsonObject => typeof u === "object" && u !== null && !Array.isArray(u)

/** Structural JSON equality (object key order ignored). */
export const deepEqual = (a: unknown, b: unknown): boolean => {
  if (a === b) return true
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false
    return true
  }
  if (isObject(a)) {
    if (!isObject(b)) return false
    const ka = Object.keys(a)
    if (ka.length !== Object.keys(b).length) return false
    for (const k of ka) {
      if (!Object.hasOwn(b, k) || !deepEqual(a[k], b[k])) return false
    }
    return true
  }
  return false
}

/**
 * A deep copy of a JSON value. The engines copy only what they change (structural sharing
 * elsewhere); this is for values a patch inserts, so later edits of the result never reach into
 * the caller's patch document.
 */
export const deepClone = (u: unknown): unknown => {
  if (Array.isArray(u)) return u.map(deepClone)
  if (isObject(u)) {
    const out: Record<string, unknown> = {}
    for (const k of Object.keys(u)) out[k] = deepClone(u[k])
    return out
  }
  return u
}
