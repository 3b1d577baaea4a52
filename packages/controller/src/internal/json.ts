/**
 * Structural helpers over JSON-shaped values (objects as the apiserver returns them).
 *
 * @internal
 */

const isRecord = (u: unknown): u is { readonly [k: string]: unknown } =>
  typeof u === "object" && u !== null && !Array.isArray(u)

/**
 * Deep equality of JSON values. A property whose value is `undefined` counts as absent (that is
 * how it serialises), so `{ a: undefined }` equals `{}`.
 *
 * @internal
 */
export const jsonEqual = (a: unknown, b: unknown): boolean => {
  if (a === b) return true
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false
    return true
  }
  if (isRecord(a)) {
    if (!isRecord(b)) return false
    let aCount = 0
    for (const k in a) {
      if (a[k] === undefined) continue
      aCount++
      if (!jsonEqual(a[k], b[k])) return false
    }
    let bCount = 0
    for (const k in b) if (b[k] !== undefined) bCount++
    return aCount === bCount
  }
  return false
}

/**
 * The RFC 7386 merge patch that turns `from` into `to`: changed keys carry their new value,
 * removed keys `null`, nested objects recurse, arrays are replaced whole. `undefined` when
 * there is no difference.
 *
 * @internal
 */
export const mergePatchDiff = (from: unknown, to: unknown): unknown => {
  if (jsonEqual(from, to)) return undefined
  if (!isRecord(from) || !isRecord(to)) return to === undefined ? null : to
  const patch: { [k: string]: unknown } = {}
  let changed = false
  for (const k in to) {
    const value = to[k]
    if (value === undefined) continue
    const diff = mergePatchDiff(from[k], value)
    if (diff !== undefined) {
      patch[k] = diff
      changed = true
    }
  }
  for (const k in from) {
    if (from[k] !== undefined && to[k] === undefined) {
      patch[k] = null
      changed = true
    }
  }
  return changed ? patch : undefined
}

/**
 * A shallow view of a value as a JSON object (`{}` for anything else).
 *
 * @internal
 */
export const asRecord = (u: unknown): { readonly [k: string]: unknown } => (isRecord(u) ? u : {})

/** @internal */
export { isRecord }
