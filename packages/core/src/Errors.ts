/**
 * Typed Kubernetes API errors. Every non-2xx response becomes one of these, built from the
 * `Status` body the apiserver returns; transport and decode failures have their own tags.
 * Each error says whether retrying the same request may succeed (`retryable`).
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Predicate from "effect/Predicate"
import type { Status, StatusCause } from "./Meta.js"
import { isPlainObject } from "./Meta.js"

/**
 * Fields shared by every error that came back from the apiserver as a `Status`.
 *
 * @since 0.1.0
 */
export interface StatusErrorFields {
  /** Human readable message (the Status `message`, or a synthesised one). */
  readonly message: string
  /** HTTP status code. */
  readonly code: number
  /** The Status `reason` (`NotFound`, `Conflict`, …) or "" when absent. */
  readonly reason: string
  /** The raw Status, when the server sent one. */
  readonly status: Status
}

/** @since 0.1.0 */
export class NotFound extends Data.TaggedError("NotFound")<StatusErrorFields> {
  readonly retryable = false
}
/** @since 0.1.0 */
export class AlreadyExists extends Data.TaggedError("AlreadyExists")<StatusErrorFields> {
  readonly retryable = false
}
/** Optimistic-concurrency failure: re-read and retry. @since 0.1.0 */
export class Conflict extends Data.TaggedError("Conflict")<StatusErrorFields> {
  readonly retryable = true
}
/**
 * 410: `reason` is `Gone` or `Expired` (a watch or continue token older than the server's
 * history). A watcher answers it with a relist, not a retry of the same request.
 *
 * @since 0.1.0
 */
export class Gone extends Data.TaggedError("Gone")<StatusErrorFields> {
  readonly retryable = false
}
/** 422: the object failed validation; `causes` name the fields. @since 0.1.0 */
export class Invalid extends Data.TaggedError("Invalid")<
  StatusErrorFields & { readonly causes: ReadonlyArray<StatusCause> }
> {
  readonly retryable = false
}
/** @since 0.1.0 */
export class BadRequest extends Data.TaggedError("BadRequest")<StatusErrorFields> {
  readonly retryable = false
}
/** @since 0.1.0 */
export class Unauthorized extends Data.TaggedError("Unauthorized")<StatusErrorFields> {
  readonly retryable = false
}
/** RBAC said no. @since 0.1.0 */
export class Forbidden extends Data.TaggedError("Forbidden")<StatusErrorFields> {
  readonly retryable = false
}
/** @since 0.1.0 */
export class MethodNotAllowed extends Data.TaggedError("MethodNotAllowed")<StatusErrorFields> {
  readonly retryable = false
}
/** @since 0.1.0 */
export class UnsupportedMediaType extends Data.TaggedError("UnsupportedMediaType")<StatusErrorFields> {
  readonly retryable = false
}
/** 429: back off for `retryAfterSeconds` (from the Retry-After header or Status details). @since 0.1.0 */
export class TooManyRequests extends Data.TaggedError("TooManyRequests")<
  StatusErrorFields & { readonly retryAfterSeconds: number | undefined }
> {
  readonly retryable = true
}
/** 504 / reason Timeout: the request timed out server-side. @since 0.1.0 */
export class Timeout extends Data.TaggedError("Timeout")<StatusErrorFields> {
  readonly retryable = true
}
/** 500 with reason ServerTimeout. @since 0.1.0 */
export class ServerTimeout extends Data.TaggedError("ServerTimeout")<
  StatusErrorFields & { readonly retryAfterSeconds: number | undefined }
> {
  readonly retryable = true
}
/** @since 0.1.0 */
export class InternalError extends Data.TaggedError("InternalError")<StatusErrorFields> {
  readonly retryable = true
}
/** @since 0.1.0 */
export class ServiceUnavailable extends Data.TaggedError("ServiceUnavailable")<
  StatusErrorFields & { readonly retryAfterSeconds: number | undefined }
> {
  readonly retryable = true
}
/** Any other non-2xx (406, 413, …). @since 0.1.0 */
export class UnexpectedStatus extends Data.TaggedError("UnexpectedStatus")<StatusErrorFields> {
  get retryable(): boolean {
    return this.code >= 500
  }
}

/**
 * The connection failed, was reset, timed out client-side, or went idle past the watch
 * inactivity timeout. Always retryable.
 *
 * @since 0.1.0
 */
export class TransportError extends Data.TaggedError("TransportError")<{
  readonly message: string
  readonly method?: string
  readonly url?: string
  readonly cause?: unknown
}> {
  readonly retryable = true
}

/**
 * A response, watch frame or object did not have the expected shape. `input` is a short
 * description (never the object content: objects may hold secrets).
 *
 * @since 0.1.0
 */
export class DecodeError extends Data.TaggedError("DecodeError")<{
  readonly message: string
  readonly kind?: string
  readonly key?: string
  /**
   * `metadata.resourceVersion` of the object that failed to decode, when it had one: lets a
   * watcher skip past a malformed object instead of re-reading it forever.
   */
  readonly resourceVersion?: string
  readonly cause?: unknown
}> {
  readonly retryable = false
}

/**
 * An error the apiserver answered with a Status.
 *
 * @since 0.1.0
 */
export type StatusError =
  | NotFound
  | AlreadyExists
  | Conflict
  | Gone
  | Invalid
  | BadRequest
  | Unauthorized
  | Forbidden
  | MethodNotAllowed
  | UnsupportedMediaType
  | TooManyRequests
  | Timeout
  | ServerTimeout
  | InternalError
  | ServiceUnavailable
  | UnexpectedStatus

/**
 * Everything a `KubeApi` call can fail with.
 *
 * @since 0.1.0
 */
export type KubeError = StatusError | TransportError | DecodeError

const statusErrorTags: ReadonlySet<string> = new Set([
  "NotFound",
  "AlreadyExists",
  "Conflict",
  "Gone",
  "Invalid",
  "BadRequest",
  "Unauthorized",
  "Forbidden",
  "MethodNotAllowed",
  "UnsupportedMediaType",
  "TooManyRequests",
  "Timeout",
  "ServerTimeout",
  "InternalError",
  "ServiceUnavailable",
  "UnexpectedStatus"
])

/**
 * Whether a value is a {@link StatusError}.
 *
 * @example
 * Effect.catchIf(isStatusError, (e) => Effect.log(e.code))
 * @since 0.1.0
 */
export const isStatusError = (u: unknown): u is StatusError =>
  Predicate.hasProperty(u, "_tag") && typeof u._tag === "string" && statusErrorTags.has(u._tag)

/**
 * Whether retrying may succeed (transport failures, 429, 5xx, conflicts after a re-read).
 *
 * @example
 * isRetryable(new TransportError({ message: "reset" })) // true
 * @since 0.1.0
 */
export const isRetryable = (error: KubeError): boolean => error.retryable

/**
 * Whether the error is a 410 (Gone or Expired): the caller must relist.
 *
 * @since 0.1.0
 */
export const isGone = (error: KubeError): error is Gone => error._tag === "Gone"

const asString = (u: unknown): string | undefined => (typeof u === "string" ? u : undefined)
const asNumber = (u: unknown): number | undefined => (typeof u === "number" && Number.isFinite(u) ? u : undefined)

/**
 * Reads a `Status` out of an untrusted JSON value, keeping only well-typed fields. Never fails:
 * a body that is not a Status yields `{}`.
 *
 * @since 0.1.0
 */
export const statusFromUnknown = (body: unknown): Status => {
  if (!isPlainObject(body)) return {}
  const details = isPlainObject(body.details) ? body.details : undefined
  const causes =
    details && Array.isArray(details.causes)
      ? details.causes.filter(isPlainObject).map(
          (c): StatusCause => ({
            reason: asString(c.reason),
            message: asString(c.message),
            field: asString(c.field)
          })
        )
      : undefined
  return {
    kind: asString(body.kind),
    apiVersion: asString(body.apiVersion),
    status: asString(body.status),
    message: asString(body.message),
    reason: asString(body.reason),
    code: asNumber(body.code),
    details: details
      ? {
          name: asString(details.name),
          group: asString(details.group),
          kind: asString(details.kind),
          uid: asString(details.uid),
          causes,
          retryAfterSeconds: asNumber(details.retryAfterSeconds)
        }
      : undefined
  }
}

/**
 * Maps an HTTP status code plus response body (ideally a `Status`) to a typed error. The Status
 * `reason` wins over the code (a 500 with reason `ServerTimeout` is a {@link ServerTimeout});
 * `retryAfterSeconds` comes from the Retry-After header, else from Status details.
 *
 * @example
 * fromStatus(404, { kind: "Status", reason: "NotFound", message: "nope", code: 404 })._tag // "NotFound"
 * @since 0.1.0
 */
export const fromStatus = (code: number, body: unknown, retryAfterHeader?: string | null): StatusError => {
  const status = statusFromUnknown(body)
  const reason = status.reason ?? ""
  const message = status.message ?? `the server responded with HTTP ${code}${reason ? ` (${reason})` : ""}`
  const fields: StatusErrorFields = { message, code, reason, status }
  const headerSeconds = retryAfterHeader != null && retryAfterHeader !== "" ? Number(retryAfterHeader) : Number.NaN
  const retryAfterSeconds = Number.isFinite(headerSeconds) ? headerSeconds : status.details?.retryAfterSeconds
  switch (reason) {
    case "NotFound":
      return new NotFound(fields)
    case "AlreadyExists":
      return new AlreadyExists(fields)
    case "Conflict":
      return new Conflict(fields)
    case "Gone":
    case "Expired":
      return new Gone(fields)
    case "Invalid":
      return new Invalid({ ...fields, causes: status.details?.causes ?? [] })
    case "BadRequest":
      return new BadRequest(fields)
    case "Unauthorized":
      return new Unauthorized(fields)
    case "Forbidden":
      return new Forbidden(fields)
    case "MethodNotAllowed":
      return new MethodNotAllowed(fields)
    case "UnsupportedMediaType":
      return new UnsupportedMediaType(fields)
    case "TooManyRequests":
      return new TooManyRequests({ ...fields, retryAfterSeconds })
    case "Timeout":
      return new Timeout(fields)
    case "ServerTimeout":
      return new ServerTimeout({ ...fields, retryAfterSeconds })
    case "InternalError":
      return new InternalError(fields)
    case "ServiceUnavailable":
      return new ServiceUnavailable({ ...fields, retryAfterSeconds })
  }
  switch (code) {
    case 400:
      return new BadRequest(fields)
    case 401:
      return new Unauthorized(fields)
    case 403:
      return new Forbidden(fields)
    case 404:
      return new NotFound(fields)
    case 405:
      return new MethodNotAllowed(fields)
    case 409:
      return new Conflict(fields)
    case 410:
      return new Gone(fields)
    case 415:
      return new UnsupportedMediaType(fields)
    case 422:
      return new Invalid({ ...fields, causes: status.details?.causes ?? [] })
    case 429:
      return new TooManyRequests({ ...fields, retryAfterSeconds })
    case 500:
      return new InternalError(fields)
    case 503:
      return new ServiceUnavailable({ ...fields, retryAfterSeconds })
    case 504:
      return new Timeout(fields)
  }
  return new UnexpectedStatus(fields)
}
