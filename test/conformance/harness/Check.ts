/**
 * Assertions for conformance cases: each check is an Effect that fails with a
 * {@link ConformanceFailure} describing what was expected and what the server did, so the
 * report says which case failed and why.
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { inspect, isDeepStrictEqual } from "node:util"
import type { StatusCause } from "@effect-kube/core/Meta"

/** A case's expectation did not hold. */
export class ConformanceFailure extends Data.TaggedError("ConformanceFailure")<{ readonly message: string }> {}

/** Renders a value compactly for a failure message. */
export const show = (value: unknown): string =>
  inspect(value, { depth: 6, breakLength: Number.POSITIVE_INFINITY, maxStringLength: 400, maxArrayLength: 20 })

/** Fails the case. */
export const fail = (message: string): Effect.Effect<never, ConformanceFailure> =>
  Effect.fail(new ConformanceFailure({ message }))

/** `condition` must hold. */
export const that = (label: string, condition: boolean, detail?: unknown): Effect.Effect<void, ConformanceFailure> =>
  condition ? Effect.void : fail(detail === undefined ? label : `${label} (got ${show(detail)})`)

/** Deep equality. */
export const equal = (label: string, actual: unknown, expected: unknown): Effect.Effect<void, ConformanceFailure> =>
  isDeepStrictEqual(actual, expected) ? Effect.void : fail(`${label}: expected ${show(expected)}, got ${show(actual)}`)

/** Deep inequality. */
export const notEqual = (
  label: string,
  actual: unknown,
  unexpected: unknown
): Effect.Effect<void, ConformanceFailure> =>
  isDeepStrictEqual(actual, unexpected)
    ? fail(`${label}: expected a value other than ${show(unexpected)}`)
    : Effect.void

/** `actual` is defined (not `undefined`/`null`), returned narrowed. */
export const defined = <A>(label: string, actual: A | undefined | null): Effect.Effect<A, ConformanceFailure> =>
  actual === undefined || actual === null
    ? fail(`${label}: expected a value, got ${show(actual)}`)
    : Effect.succeed(actual)

/** The string matches the pattern. */
export const matches = (label: string, actual: unknown, pattern: RegExp): Effect.Effect<void, ConformanceFailure> =>
  typeof actual === "string" && pattern.test(actual)
    ? Effect.void
    : fail(`${label}: expected to match ${pattern}, got ${show(actual)}`)

/** The string starts with the prefix. */
export const startsWith = (label: string, actual: unknown, prefix: string): Effect.Effect<void, ConformanceFailure> =>
  typeof actual === "string" && actual.startsWith(prefix)
    ? Effect.void
    : fail(`${label}: expected to start with ${show(prefix)}, got ${show(actual)}`)

/**
 * Every field of `expected` is present in `actual` with an equal value (recursively for plain
 * objects; arrays compare element-wise with the same rule and must have the same length).
 */
export const subset = (label: string, actual: unknown, expected: unknown): Effect.Effect<void, ConformanceFailure> => {
  const mismatch = findMismatch(actual, expected, "")
  return mismatch === undefined ? Effect.void : fail(`${label}: ${mismatch}; got ${show(actual)}`)
}

const isRecord = (u: unknown): u is { readonly [k: string]: unknown } =>
  typeof u === "object" && u !== null && !Array.isArray(u)

const findMismatch = (actual: unknown, expected: unknown, path: string): string | undefined => {
  if (isRecord(expected)) {
    if (!isRecord(actual)) return `${path || "value"}: expected an object, got ${show(actual)}`
    for (const [k, v] of Object.entries(expected)) {
      const m = findMismatch(actual[k], v, `${path}.${k}`)
      if (m !== undefined) return m
    }
    return undefined
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) {
      return `${path || "value"}: expected ${show(expected)}, got ${show(actual)}`
    }
    for (let i = 0; i < expected.length; i++) {
      const m = findMismatch(actual[i], expected[i], `${path}[${i}]`)
      if (m !== undefined) return m
    }
    return undefined
  }
  if (expected instanceof RegExp) {
    return typeof actual === "string" && expected.test(actual)
      ? undefined
      : `${path || "value"}: expected to match ${expected}, got ${show(actual)}`
  }
  return isDeepStrictEqual(actual, expected)
    ? undefined
    : `${path || "value"}: expected ${show(expected)}, got ${show(actual)}`
}

/** What an expected API error must look like. Omitted fields are not checked. */
export interface ExpectedError {
  readonly _tag: string
  readonly code?: number
  readonly reason?: string
  /** Exact message, or a pattern (for messages that carry server-chosen values). */
  readonly message?: string | RegExp
  /** `Status.details` fields that must match. */
  readonly details?: { readonly name?: string; readonly group?: string; readonly kind?: string }
  /** The `details.causes`, in order: each listed field must match. */
  readonly causes?: ReadonlyArray<
    StatusCause | { readonly reason?: string; readonly field?: string; readonly message?: RegExp }
  >
  /**
   * Compare `causes` sorted by field (for errors the real server collects from a Go map, whose
   * order varies from one request to the next).
   */
  readonly unorderedCauses?: boolean
  /** Substrings the message must contain (with an order-free `message` pattern). */
  readonly messageIncludes?: ReadonlyArray<string>
}

/** The error value of a failed API call as seen by a case. */
export interface SeenError {
  readonly _tag: string
  readonly code?: number
  readonly reason?: string
  readonly message?: string
  readonly status?: {
    readonly status?: string
    readonly kind?: string
    readonly details?: {
      readonly name?: string
      readonly group?: string
      readonly kind?: string
      readonly causes?: ReadonlyArray<StatusCause>
    }
  }
}

const describeError = (e: SeenError): string =>
  `${e._tag}${e.code === undefined ? "" : ` ${e.code}`}${e.reason ? ` ${e.reason}` : ""}: ${e.message ?? ""}`

const hasTag = (u: unknown): u is SeenError => isRecord(u) && typeof u._tag === "string"

/**
 * Runs `effect`, which must fail with the described error; returns the error for further checks.
 * Success, or a failure of another shape, fails the case with both sides shown.
 */
export const fails = <A, E, R>(
  label: string,
  effect: Effect.Effect<A, E, R>,
  expected: ExpectedError
): Effect.Effect<SeenError, ConformanceFailure, R> =>
  Effect.flatMap(Effect.either(effect), (result) => {
    if (Either.isRight(result)) {
      return fail(
        `${label}: expected ${expected._tag}${expected.code === undefined ? "" : ` ${expected.code}`}, but the call succeeded with ${show(result.right)}`
      )
    }
    const error: unknown = result.left
    if (!hasTag(error)) return fail(`${label}: expected ${expected._tag}, got ${show(error)}`)
    const problems: Array<string> = []
    if (error._tag !== expected._tag) problems.push(`_tag ${error._tag} ≠ ${expected._tag}`)
    if (expected.code !== undefined && error.code !== expected.code)
      problems.push(`code ${error.code} ≠ ${expected.code}`)
    if (expected.reason !== undefined && error.reason !== expected.reason) {
      problems.push(`reason ${show(error.reason)} ≠ ${show(expected.reason)}`)
    }
    if (expected.message !== undefined) {
      const ok =
        typeof expected.message === "string"
          ? error.message === expected.message
          : typeof error.message === "string" && expected.message.test(error.message)
      if (!ok) problems.push(`message ${show(error.message)} ≠ ${show(expected.message)}`)
    }
    if (expected.details !== undefined) {
      const m = findMismatch(error.status?.details ?? {}, expected.details, "details")
      if (m !== undefined) problems.push(m)
    }
    if (expected.causes !== undefined) {
      const byField = (a: { readonly field?: string }, b: { readonly field?: string }) =>
        String(a.field).localeCompare(String(b.field))
      const actual = error.status?.details?.causes ?? []
      const m = expected.unorderedCauses
        ? findMismatch([...actual].sort(byField), [...expected.causes].sort(byField), "details.causes (by field)")
        : findMismatch(actual, expected.causes, "details.causes")
      if (m !== undefined) problems.push(m)
    }
    for (const part of expected.messageIncludes ?? []) {
      if (typeof error.message !== "string" || !error.message.includes(part)) {
        problems.push(`message ${show(error.message)} does not include ${show(part)}`)
      }
    }
    return problems.length === 0
      ? Effect.succeed(error)
      : fail(
          `${label}: ${problems.join("; ")} — the server answered ${describeError(error)}${error.status?.details ? ` details ${show(error.status.details)}` : ""}`
        )
  })

/** Any failure is turned into a {@link ConformanceFailure} naming the step and the error. */
export const step = <A, E, R>(label: string, effect: Effect.Effect<A, E, R>): Effect.Effect<A, ConformanceFailure, R> =>
  Effect.mapError(
    effect,
    (e) => new ConformanceFailure({ message: `${label}: unexpected ${hasTag(e) ? describeError(e) : show(e)}` })
  )
