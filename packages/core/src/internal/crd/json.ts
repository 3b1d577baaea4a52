import type { Json } from "./types.js"

/** Whether `u` is plain JSON (what a CRD `default` or `enum` may hold). */
export const isJson = (u: unknown): u is Json => {
  if (u === null || typeof u === "string" || typeof u === "boolean") return true
  if (typeof u === "number") return Number.isFinite(u)
  if (Array.isArray(u)) return u.every(isJson)
  if (typeof u === "object") {
    const proto = Object.getPrototypeOf(u)
    if (proto !== Object.prototype && proto !== null) return false
    return Object.values(u).every(isJson)
  }
  return false
}

/** A string equal for structurally equal JSON-ish values (object keys sorted). */
export const canonical = (u: unknown): string => {
  if (Array.isArray(u)) return `[${u.map(canonical).join(",")}]`
  if (typeof u === "object" && u !== null) {
    const entries = Object.entries(u)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`
  }
  return JSON.stringify(u) ?? "undefined"
}
