/**
 * Turning handler failures, defects and decode errors into `metav1.Status` values the apiserver
 * shows to the user.
 */
import * as Cause from "effect/Cause"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Predicate from "effect/Predicate"
import type { Status, StatusCause } from "@effect-kube/core/Meta"
import { isPlainObject } from "@effect-kube/core/Meta"

/** Keeps messages readable and bounded: the apiserver copies them into the user's error. */
export const truncate = (text: string, max = 1024): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text)

/** `metav1.Status` of a failure (`status: "Failure"` is what the apiserver expects on a denial). */
export const failure = (
  code: number,
  reason: string,
  message: string,
  causes?: ReadonlyArray<StatusCause>
): Status => ({
  status: "Failure",
  code,
  reason,
  message: truncate(message),
  ...(causes !== undefined && causes.length > 0 ? { details: { causes } } : {})
})

/** A field path in the apiserver's notation: `spec.containers[0].image`. */
const fieldPath = (path: ReadonlyArray<PropertyKey>): string => {
  let out = ""
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`
    else out += out === "" ? String(segment) : `.${String(segment)}`
  }
  return out
}

/**
 * The field causes of a Schema decode failure, or `undefined` when `cause` is not a ParseError.
 */
export const fieldCauses = (cause: unknown): ReadonlyArray<StatusCause> | undefined => {
  if (!ParseResult.isParseError(cause)) return undefined
  // A union reports one issue per member (and an optional field adds "Expected undefined"):
  // one cause per field reads better — `Expected "web" | "batch", actual "gpu"`.
  const byField = new Map<string, { missing: boolean; messages: Array<string> }>()
  for (const issue of ParseResult.ArrayFormatter.formatErrorSync(cause)) {
    const field = fieldPath(issue.path)
    const entry = byField.get(field) ?? { missing: false, messages: [] }
    if (issue._tag === "Missing") entry.missing = true
    if (!entry.messages.includes(issue.message)) entry.messages.push(issue.message)
    byField.set(field, entry)
  }
  return [...byField].map(([field, { missing, messages }]) => ({
    reason: missing ? "FieldValueRequired" : "FieldValueInvalid",
    field,
    message: truncate(mergeMessages(messages), 256)
  }))
}

const expectedActual = /^Expected (.+), actual (.+)$/s

const mergeMessages = (messages: ReadonlyArray<string>): string => {
  const meaningful = messages.filter((m) => !m.startsWith("Expected undefined, actual "))
  const kept = meaningful.length > 0 ? meaningful : messages
  const parsed = kept.map((m) => expectedActual.exec(m))
  const actual = parsed[0]?.[2]
  if (kept.length > 1 && parsed.every((p) => p !== null && p[2] === actual)) {
    return `Expected ${parsed.map((p) => p?.[1]).join(" | ")}, actual ${actual}`
  }
  return kept.join("; ")
}

/**
 * `422 Invalid` naming every failing field, in the apiserver's own wording:
 * `Website "web" is invalid: spec.replicas: Expected …; spec.image: is missing`.
 */
export const invalid = (kind: string, name: string | undefined, cause: unknown, fallback: string): Status => {
  const causes = fieldCauses(cause)
  const subject = name !== undefined && name !== "" ? `${kind} "${name}"` : kind
  const detail =
    causes === undefined
      ? fallback
      : causes.map((c) => (c.field === "" ? (c.message ?? "") : `${c.field}: ${c.message ?? ""}`)).join("; ")
  return failure(422, "Invalid", `${subject} is invalid: ${detail}`, causes)
}

const isStatusLike = (u: unknown): u is Status => isPlainObject(u)

/** A short human description of any failure value. */
const describe = (error: unknown): string => {
  if (Predicate.hasProperty(error, "message") && typeof error.message === "string" && error.message !== "") {
    return error.message
  }
  if (Predicate.hasProperty(error, "_tag") && typeof error._tag === "string") return error._tag
  if (typeof error === "string") return error
  try {
    return JSON.stringify(error) ?? String(error)
  } catch {
    return String(error)
  }
}

/**
 * The Status of a typed handler failure. A Kubernetes API error (anything carrying a `Status`
 * and a numeric `code`, such as the client's typed errors) keeps its code, reason and details;
 * any other error is a `403 Forbidden` denial with the error's message (controller-runtime:
 * an `APIStatus` error is passed through, any other error becomes `Denied(err.Error())`).
 */
export const fromError = (error: unknown): Status => {
  if (
    Predicate.hasProperty(error, "status") &&
    isStatusLike(error.status) &&
    Predicate.hasProperty(error, "code") &&
    typeof error.code === "number" &&
    error.code >= 400
  ) {
    const status = error.status
    return {
      ...status,
      status: "Failure",
      code: error.code,
      reason: typeof status.reason === "string" && status.reason !== "" ? status.reason : undefined,
      message: truncate(typeof status.message === "string" && status.message !== "" ? status.message : describe(error))
    }
  }
  return failure(403, "Forbidden", describe(error))
}

/**
 * The Status of a failed handler run: a typed failure via {@link fromError}; a defect or an
 * interruption is `500 InternalError` (controller-runtime answers a recovered panic the same way).
 */
export const fromCause = <E>(cause: Cause.Cause<E>): Status =>
  Option.match(Cause.failureOption(cause), {
    onSome: fromError,
    onNone: () => {
      const defect = Cause.dieOption(cause)
      const message = Option.match(defect, {
        onSome: (d) => `internal error: ${describe(d)}`,
        onNone: () => "internal error: the handler was interrupted"
      })
      return failure(500, "InternalError", message)
    }
  })
