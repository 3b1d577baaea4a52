/**
 * JSON helpers of the mock apiserver: plain-object test, freezing of stored objects, and the
 * small path accessors the strategies use.
 *
 * @internal
 */
import type { ObjectMeta } from "@effect-kube/core/Meta"
import { deepEqual, isObject, type JsonObject } from "./patch/Json.js"

export { deepEqual, isObject, type JsonObject }

/** A mutable JSON object under construction (never one that is stored). */
export type Draft = Record<string, unknown>

/**
 * Freezes a JSON value in place, recursively. Stored objects are frozen so that a consumer that
 * mutates what it was handed (a watch event object) fails loudly instead of corrupting the store.
 */
export const deepFreeze = <A>(value: A): A => {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const key of Object.keys(value)) {
      deepFreeze(Reflect.get(value, key))
    }
  }
  return value
}

/** A deep, mutable copy of a JSON value (what handed-out response bodies are). */
export const clone = <A>(value: A): A => structuredClone(value)

/** `metadata` of an object, `{}` when absent or not an object. */
export const metaOf = (object: unknown): ObjectMeta =>
  isObject(object) && isObject(object.metadata) ? object.metadata : {}

/** A shallow mutable copy of an object with a shallow mutable copy of its metadata. */
export const draftOf = (object: JsonObject): { readonly draft: Draft; readonly meta: Draft } => {
  const meta: Draft = isObject(object.metadata) ? { ...object.metadata } : {}
  const draft: Draft = { ...object, metadata: meta }
  return { draft, meta }
}

/** Reads a value at a dotted path (`status.phase`); `undefined` when any step is missing. */
export const getPath = (object: unknown, path: ReadonlyArray<string>): unknown => {
  let current: unknown = object
  for (const step of path) {
    if (!isObject(current)) return undefined
    current = current[step]
  }
  return current
}

/** A value as a field-selector string: strings as is, booleans and numbers printed, else "". */
export const fieldString = (value: unknown): string =>
  typeof value === "string" ? value : typeof value === "boolean" || typeof value === "number" ? String(value) : ""

/** An object without the given top-level keys (used to compare "everything but metadata/status"). */
export const without = (object: JsonObject, keys: ReadonlyArray<string>): JsonObject => {
  const out: Draft = {}
  for (const key of Object.keys(object)) if (!keys.includes(key)) out[key] = object[key]
  return out
}

/** Go's `%q` for the strings the apiserver quotes in messages. */
export const quote = (s: string): string => JSON.stringify(s)

/** Go's `%#v` of a `[]string`. */
export const goStringSlice = (values: ReadonlyArray<string>): string =>
  `[]string{${values.map((v) => JSON.stringify(v)).join(", ")}}`
