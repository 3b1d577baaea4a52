/**
 * Request parsing of the mock apiserver: bodies (JSON, YAML for apply), query parameters
 * (limit, resourceVersion) and the list/watch option validation, with kube-apiserver's messages.
 *
 * @internal
 */
import * as Yaml from "yaml"
import { clone, isObject, type JsonObject } from "./json.js"
import { badRequest, type FieldError, FieldErrors } from "./status.js"

export const NUL = String.fromCharCode(0)

/** etcd key order (byte order of `namespace/name`). */
export const compareKeys = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

export const safeParse = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** A lazily parsed request body: JSON text is parsed, values are deep-copied (never aliased). */
export const parseBody = (raw: unknown) => (): unknown => {
  if (raw === undefined || raw === null) {
    throw badRequest("couldn't get version/kind; json parse error: unexpected end of JSON input")
  }
  if (typeof raw === "string") {
    try {
      return JSON.parse(raw)
    } catch (e) {
      throw badRequest(`couldn't get version/kind; json parse error: ${e instanceof Error ? e.message : String(e)}`)
    }
  }
  if (raw instanceof Uint8Array) {
    const text = new TextDecoder().decode(raw)
    try {
      return JSON.parse(text)
    } catch (e) {
      throw badRequest(`couldn't get version/kind; json parse error: ${e instanceof Error ? e.message : String(e)}`)
    }
  }
  return clone(raw)
}

/** An apply body: YAML (or JSON, which is YAML) text, or an already parsed value. */
export const parseApplyBody = (raw: unknown): unknown => {
  const text = typeof raw === "string" ? raw : raw instanceof Uint8Array ? new TextDecoder().decode(raw) : undefined
  if (text === undefined) return raw === undefined ? undefined : clone(raw)
  try {
    return Yaml.parse(text)
  } catch (e) {
    throw badRequest(`error decoding YAML: ${e instanceof Error ? e.message : String(e)}`)
  }
}

export const requireObject = (value: unknown): JsonObject => {
  if (!isObject(value)) {
    throw badRequest(
      `couldn't get version/kind; json parse error: json: cannot unmarshal ${Array.isArray(value) ? "array" : typeof value} into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }`
    )
  }
  return value
}

export const requirePatchedObject = (value: unknown): JsonObject => {
  if (!isObject(value)) throw badRequest("the patched document is not a JSON object")
  return value
}

export const parseLimit = (raw: string | undefined): number => {
  if (raw === undefined || raw === "") return 0
  if (!/^-?\d+$/.test(raw)) throw badRequest(`strconv.ParseInt: parsing ${JSON.stringify(raw)}: invalid syntax`)
  const n = Number(raw)
  return Math.max(n, 0)
}

/** A resourceVersion parameter; non-numeric values are a BadRequest like the storage layer's. */
export const parseResourceVersion = (raw: string): number => {
  if (!/^\d+$/.test(raw)) {
    throw badRequest(
      `invalid resource version: resourceVersion: Invalid value: ${JSON.stringify(raw)}: strconv.ParseUint: parsing ${JSON.stringify(raw)}: invalid syntax`
    )
  }
  return Number(raw)
}

/** `ValidateListOptions` for a list (or deletecollection). */
export const validateListOptions = (query: Readonly<Record<string, string>>, _watch: boolean): Array<FieldError> => {
  const errs: Array<FieldError> = []
  const match = query.resourceVersionMatch ?? ""
  const rv = query.resourceVersion ?? ""
  if (match !== "") {
    if (rv === "") {
      errs.push(
        FieldErrors.forbidden(
          "resourceVersionMatch",
          "resourceVersionMatch is forbidden unless resourceVersion is provided"
        )
      )
    }
    if ((query.continue ?? "") !== "") {
      errs.push(
        FieldErrors.forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden when continue is provided")
      )
    }
    if (match !== "Exact" && match !== "NotOlderThan") {
      errs.push(FieldErrors.notSupported("resourceVersionMatch", match, ["Exact", "NotOlderThan", ""]))
    }
    if (match === "Exact" && rv === "0") {
      errs.push(
        FieldErrors.forbidden(
          "resourceVersionMatch",
          'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'
        )
      )
    }
  }
  if (query.sendInitialEvents !== undefined) {
    errs.push(FieldErrors.forbidden("sendInitialEvents", "sendInitialEvents is forbidden for list"))
  }
  return errs
}

/** `validateWatchOptions` (WatchList enabled). */
export const validateWatchOptions = (
  sendInitialEvents: boolean | undefined,
  match: string,
  continueToken: string
): Array<FieldError> => {
  const errs: Array<FieldError> = []
  if (sendInitialEvents !== undefined && match !== "NotOlderThan") {
    errs.push(
      FieldErrors.forbidden(
        "resourceVersionMatch",
        "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"
      )
    )
  }
  if (match !== "") {
    if (sendInitialEvents === undefined) {
      errs.push(
        FieldErrors.forbidden(
          "resourceVersionMatch",
          "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided"
        )
      )
    }
    if (match !== "NotOlderThan") errs.push(FieldErrors.notSupported("resourceVersionMatch", match, ["NotOlderThan"]))
    if (continueToken !== "") {
      errs.push(
        FieldErrors.forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden when continue is provided")
      )
    }
  }
  return errs
}

/** The JSON type name Go's decoder reports (`cannot unmarshal object into …`). */
export const goJsonType = (u: unknown): string =>
  u === null
    ? "null"
    : Array.isArray(u)
      ? "array"
      : typeof u === "object"
        ? "object"
        : typeof u === "string"
          ? "string"
          : typeof u === "number"
            ? "number"
            : "bool"

/** Go's `encoding/json` syntax error for the first offending character (the common cases). */
export const goJsonSyntaxError = (text: string): string => {
  const trimmed = text.trimStart()
  if (trimmed === "") return "unexpected end of JSON input"
  const c = trimmed[0]
  if (!'{["-0123456789tfn'.includes(c)) return `invalid character '${c}' looking for beginning of value`
  return "invalid JSON"
}
