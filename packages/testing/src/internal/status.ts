/**
 * `Status` bodies exactly as kube-apiserver builds them (k8s.io/apimachinery/pkg/api/errors) and
 * field errors as `k8s.io/apimachinery/pkg/util/validation/field` prints them.
 *
 * Inside the mock a failed request is unwound by throwing a {@link StatusFailure}; the request
 * entry point catches it and answers with its Status. Nothing is thrown out of the package.
 *
 * @internal
 */
import type { Status, StatusCause } from "@effect-kube/core/Meta"
import { quote } from "./json.js"

/** `schema.GroupResource`: `configmaps`, `deployments.apps`. */
export interface GroupResource {
  readonly group: string
  readonly resource: string
}

/** `schema.GroupKind`: `ConfigMap`, `Deployment.apps`. */
export interface GroupKind {
  readonly group: string
  readonly kind: string
}

/** `GroupResource.String()`. */
export const grString = (gr: GroupResource): string => (gr.group === "" ? gr.resource : `${gr.resource}.${gr.group}`)
/** `GroupKind.String()`. */
export const gkString = (gk: GroupKind): string => (gk.group === "" ? gk.kind : `${gk.kind}.${gk.group}`)

/** The mock's way to unwind a request with an error Status (caught at the request boundary). */
export class StatusFailure {
  constructor(
    readonly code: number,
    readonly status: Status,
    readonly headers: Readonly<Record<string, string>> = {},
    /** A non-JSON body (the text 404), sent instead of `status`. */
    readonly text?: string
  ) {}
}

type Details = NonNullable<Status["details"]>

/** A `Status` body with the real server's field order; `details` keeps only set fields. */
export const statusBody = (code: number, reason: string | undefined, message: string, details?: Details): Status => {
  const body: {
    kind: string
    apiVersion: string
    metadata: Status["metadata"]
    status: string
    message: string
    reason?: string
    details?: Details
    code: number
  } = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, code }
  if (reason !== undefined && reason !== "") body.reason = reason
  if (details !== undefined) body.details = compactDetails(details)
  // Re-create in the real order: kind, apiVersion, metadata, status, message, reason, details, code.
  const { kind, apiVersion, metadata, status } = body
  return {
    kind,
    apiVersion,
    metadata,
    status,
    message,
    ...(body.reason !== undefined ? { reason: body.reason } : {}),
    ...(body.details !== undefined ? { details: body.details } : {}),
    code
  }
}

const compactDetails = (d: Details): Details => {
  const out: {
    name?: string
    group?: string
    kind?: string
    uid?: string
    causes?: ReadonlyArray<StatusCause>
    retryAfterSeconds?: number
  } = {}
  if (d.name) out.name = d.name
  if (d.group) out.group = d.group
  if (d.kind) out.kind = d.kind
  if (d.uid) out.uid = d.uid
  if (d.causes && d.causes.length > 0) out.causes = d.causes
  if (d.retryAfterSeconds) out.retryAfterSeconds = d.retryAfterSeconds
  return out
}

const fail = (code: number, status: Status, headers?: Readonly<Record<string, string>>): StatusFailure =>
  new StatusFailure(code, status, headers)

// ---------------------------------------------------------------------------------------------
// field errors

/** `field.ErrorType`. */
export type FieldErrorType =
  | "FieldValueNotFound"
  | "FieldValueRequired"
  | "FieldValueDuplicate"
  | "FieldValueInvalid"
  | "FieldValueNotSupported"
  | "FieldValueForbidden"
  | "FieldValueTooLong"
  | "FieldValueTooMany"
  | "InternalError"
  | "FieldValueTypeInvalid"

const typeText: Readonly<Record<FieldErrorType, string>> = {
  FieldValueNotFound: "Not found",
  FieldValueRequired: "Required value",
  FieldValueDuplicate: "Duplicate value",
  FieldValueInvalid: "Invalid value",
  FieldValueNotSupported: "Unsupported value",
  FieldValueForbidden: "Forbidden",
  FieldValueTooLong: "Too long",
  FieldValueTooMany: "Too many",
  InternalError: "Internal error",
  FieldValueTypeInvalid: "Invalid value"
}

/** A value already printed the way Go's `%v`/`%#v` prints it (`[]string{"a"}`, a struct…). */
export class Printed {
  constructor(readonly text: string) {}
}

/** `field.Error`. `value` undefined means "no value printed" (Required, Forbidden, …). */
export interface FieldError {
  readonly type: FieldErrorType
  readonly field: string
  readonly value?: unknown
  readonly hasValue: boolean
  readonly detail: string
}

const printValue = (value: unknown): string => {
  if (value instanceof Printed) return value.text
  if (value === null || value === undefined) return "null"
  if (typeof value === "string") return quote(value)
  if (typeof value === "number" || typeof value === "boolean") return String(value)
  return JSON.stringify(value)
}

/** `ErrorBody()`: the message without the field name. */
export const errorBody = (e: FieldError): string => {
  const head = typeText[e.type]
  const valued =
    e.hasValue &&
    e.type !== "FieldValueRequired" &&
    e.type !== "FieldValueForbidden" &&
    e.type !== "FieldValueTooLong" &&
    e.type !== "InternalError"
  const s = valued ? `${head}: ${printValue(e.value)}` : head
  return e.detail === "" ? s : `${s}: ${e.detail}`
}

/** `Error()`: `field: body`. */
export const errorString = (e: FieldError): string => `${e.field}: ${errorBody(e)}`

/** Constructors mirroring the `field` package. */
export const FieldErrors = {
  invalid: (field: string, value: unknown, detail: string): FieldError => ({
    type: "FieldValueInvalid",
    field,
    value,
    hasValue: true,
    detail
  }),
  typeInvalid: (field: string, value: unknown, detail: string): FieldError => ({
    type: "FieldValueTypeInvalid",
    field,
    value,
    hasValue: true,
    detail
  }),
  required: (field: string, detail: string): FieldError => ({
    type: "FieldValueRequired",
    field,
    hasValue: false,
    detail
  }),
  forbidden: (field: string, detail: string): FieldError => ({
    type: "FieldValueForbidden",
    field,
    hasValue: false,
    detail
  }),
  notSupported: (field: string, value: unknown, valid: ReadonlyArray<string>): FieldError => ({
    type: "FieldValueNotSupported",
    field,
    value,
    hasValue: true,
    detail: valid.length === 0 ? "" : `supported values: ${valid.map(quote).join(", ")}`
  }),
  duplicate: (field: string, value: unknown): FieldError => ({
    type: "FieldValueDuplicate",
    field,
    value,
    hasValue: true,
    detail: ""
  }),
  tooLong: (field: string, maxLength: number): FieldError => ({
    type: "FieldValueTooLong",
    field,
    hasValue: false,
    detail: `must have at most ${maxLength} bytes`
  }),
  tooMany: (field: string, actual: number, max: number): FieldError => ({
    type: "FieldValueTooMany",
    field,
    value: actual,
    hasValue: true,
    detail: `must have at most ${max} items`
  })
} as const

/** `ErrorList.ToAggregate().Error()`: duplicates dropped; one message bare, several in brackets. */
export const aggregate = (errors: ReadonlyArray<FieldError>): string => {
  const seen: Array<string> = []
  for (const e of errors) {
    const s = errorString(e)
    if (!seen.includes(s)) seen.push(s)
  }
  return seen.length === 1 ? seen[0] : `[${seen.join(", ")}]`
}

// ---------------------------------------------------------------------------------------------
// apierrors constructors

/** `NewNotFound`. */
export const notFound = (gr: GroupResource, name: string): StatusFailure =>
  fail(
    404,
    statusBody(404, "NotFound", `${grString(gr)} ${quote(name)} not found`, {
      name,
      group: gr.group,
      kind: gr.resource
    })
  )

/** `NewAlreadyExists`. */
export const alreadyExists = (gr: GroupResource, name: string, prefix = ""): StatusFailure =>
  fail(
    409,
    statusBody(409, "AlreadyExists", `${prefix}${grString(gr)} ${quote(name)} already exists`, {
      name,
      group: gr.group,
      kind: gr.resource
    })
  )

/** `NewConflict`. */
export const conflict = (gr: GroupResource, name: string, cause: string): StatusFailure =>
  fail(
    409,
    statusBody(409, "Conflict", `Operation cannot be fulfilled on ${grString(gr)} ${quote(name)}: ${cause}`, {
      name,
      group: gr.group,
      kind: gr.resource
    })
  )

/** The registry's optimistic-lock message. */
export const OptimisticLockErrorMsg =
  "the object has been modified; please apply your changes to the latest version and try again"

/** `NewInvalid`. */
export const invalid = (gk: GroupKind, name: string, errors: ReadonlyArray<FieldError>): StatusFailure =>
  fail(
    422,
    statusBody(422, "Invalid", `${gkString(gk)} ${quote(name)} is invalid: ${aggregate(errors)}`, {
      name,
      group: gk.group,
      kind: gk.kind,
      causes: errors.map((e) => ({ reason: e.type, message: errorBody(e), field: e.field }))
    })
  )

/** `NewBadRequest`. */
export const badRequest = (message: string): StatusFailure => fail(400, statusBody(400, "BadRequest", message))

/** `NewForbidden`. */
export const forbidden = (
  gr: GroupResource,
  name: string,
  cause: string,
  causes?: ReadonlyArray<StatusCause>
): StatusFailure => {
  const message =
    gr.resource === "" && gr.group === ""
      ? `forbidden: ${cause}`
      : name === ""
        ? `${grString(gr)} is forbidden: ${cause}`
        : `${grString(gr)} ${quote(name)} is forbidden: ${cause}`
  return fail(403, statusBody(403, "Forbidden", message, { name, group: gr.group, kind: gr.resource, causes }))
}

/** `NewResourceExpired` (410 Expired). */
export const expiredStatus = (message: string): Status => statusBody(410, "Expired", message)

/** `NewResourceExpired` as a failure. */
export const expired = (message: string, continueToken?: string): StatusFailure => {
  const status = expiredStatus(message)
  return fail(410, continueToken === undefined ? status : { ...status, metadata: { continue: continueToken } })
}

/** `NewInternalError`. */
export const internalError = (message: string): StatusFailure =>
  fail(500, statusBody(500, "InternalError", `Internal error occurred: ${message}`, { causes: [{ message }] }))

/** A non-Status error the server reports with reason Unknown (omitted) and code 500. */
export const unknownError = (message: string): StatusFailure => fail(500, statusBody(500, undefined, message))

/** `NewTimeoutError`. */
export const timeout = (
  message: string,
  retryAfterSeconds: number,
  causes?: ReadonlyArray<StatusCause>
): StatusFailure => fail(504, statusBody(504, "Timeout", `Timeout: ${message}`, { retryAfterSeconds, causes }))

/** `storage.NewTooLargeResourceVersionError`. */
export const tooLargeResourceVersion = (requested: number, current: number): StatusFailure =>
  timeout(`Too large resource version: ${requested}, current: ${current}`, 1, [
    { reason: "ResourceVersionTooLarge", message: "Too large resource version" }
  ])

/** The generic 404 of a path no route serves. */
export const routeNotFound = (): StatusFailure =>
  fail(404, { ...statusBody(404, "NotFound", "the server could not find the requested resource"), details: {} })

/** The body of {@link pageNotFound}. */
export const PageNotFoundText = "404 page not found\n"

/**
 * What a client makes of a non-JSON error body: a `Status` carrying the text as its message
 * (reason unset), as `HttpTransport` does for a proxy's or the catch-all handler's answer. The
 * in-memory transport hands out the same shape, so both targets report the same error.
 */
export const textStatus = (code: number, text: string): Status => ({
  kind: "Status",
  apiVersion: "v1",
  status: "Failure",
  code,
  message: text
})

/** Whether a `Status` is the client-side shape of {@link pageNotFound} (sent back as plain text over HTTP). */
export const isPageNotFound = (code: number, status: Status): boolean =>
  code === 404 && status.reason === undefined && status.message === PageNotFoundText

/** The plain-text 404 of a path outside every API group (the server's catch-all handler). */
export const pageNotFound = (): StatusFailure =>
  new StatusFailure(404, {}, { "content-type": "text/plain; charset=utf-8" }, PageNotFoundText)

/** 405 for a method a route does not serve. */
export const methodNotAllowed = (): StatusFailure =>
  fail(405, {
    ...statusBody(405, "MethodNotAllowed", "the server does not allow this method on the requested resource"),
    details: {}
  })

/** `negotiation.NewUnsupportedMediaTypeError`. */
export const unsupportedMediaType = (accepted: ReadonlyArray<string>): StatusFailure =>
  fail(
    415,
    statusBody(
      415,
      "UnsupportedMediaType",
      `the body of the request was in an unknown format - accepted media types include: ${accepted.join(", ")}`
    )
  )

/** go-restful's 415 for a Content-Type a route does not consume. */
export const routerUnsupportedMediaType = (): StatusFailure =>
  fail(415, { ...statusBody(415, "UnsupportedMediaType", "415: Unsupported Media Type"), details: {} })

/** A failure with a ready Status (patch engines compute their own). */
export const fromStatus = (code: number, status: Status): StatusFailure => fail(code, status)

/** `NewGenericServerResponse` for an injected fault (429, 500, 503, …). */
export const injected = (code: number, retryAfterSeconds: number | undefined): StatusFailure => {
  const headers: Record<string, string> =
    retryAfterSeconds === undefined ? {} : { "retry-after": String(retryAfterSeconds) }
  switch (code) {
    case 429:
      return fail(
        429,
        statusBody(429, "TooManyRequests", "Too many requests, please try again later.", {
          retryAfterSeconds: retryAfterSeconds ?? 1
        }),
        { "retry-after": String(retryAfterSeconds ?? 1), ...headers }
      )
    case 503:
      return fail(
        503,
        statusBody(503, "ServiceUnavailable", "the server is currently unable to handle the request", {
          retryAfterSeconds
        }),
        headers
      )
    case 504:
      return fail(
        504,
        statusBody(504, "Timeout", "Timeout: request did not complete within requested timeout"),
        headers
      )
    case 409:
      return fail(409, statusBody(409, "Conflict", "the server reported a conflict"), headers)
    default:
      return code >= 500
        ? fail(
            code,
            statusBody(code, "InternalError", "Internal error occurred: injected fault", {
              causes: [{ message: "injected fault" }]
            }),
            headers
          )
        : fail(code, statusBody(code, undefined, `the server responded with the status code ${code}`), headers)
  }
}
