/**
 * Name and label validation with the exact rules and message texts of Kubernetes 1.37
 * (`k8s.io/apimachinery/pkg/api/validate/content`, `pkg/api/validation`), plus the field-error
 * formatting the apiserver uses for `Invalid` responses — so the mock apiserver rejects what the
 * real one rejects, with the same words.
 *
 * Validators return the list of problems (empty = valid), as apimachinery's do.
 *
 * @since 0.1.0
 */
import type { Status, StatusCause } from "./Meta.js"

/** @since 0.1.0 */
export const DNS1123LabelMaxLength = 63
/** @since 0.1.0 */
export const DNS1123SubdomainMaxLength = 253
/** @since 0.1.0 */
export const DNS1035LabelMaxLength = 63
/** Max length of a label value and of the name part of a label key. @since 0.1.0 */
export const LabelValueMaxLength = 63

/**
 * `must be no more than N characters`: the wording of the DNS name checks
 * (`util/validation`, what object names are validated with). The length counted is UTF-8 bytes.
 *
 * @since 0.1.0
 */
export const maxLenError = (length: number): string => `must be no more than ${length} characters`

/**
 * `must be no more than N bytes`: the wording of the label key/value checks
 * (`api/validate/content`), including a label key's subdomain prefix.
 *
 * @since 0.1.0
 */
export const maxBytesError = (length: number): string => `must be no more than ${length} bytes`

/**
 * The regex failure text: `msg (e.g. 'a' or 'b', regex used for validation is 'fmt')`.
 *
 * @example
 * regexError("bad", "[a-z]+", "abc") // "bad (e.g. 'abc', regex used for validation is '[a-z]+')"
 * @since 0.1.0
 */
export const regexError = (msg: string, fmt: string, ...examples: ReadonlyArray<string>): string => {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`
  return `${msg} (e.g. ${examples.map((e) => `'${e}', `).join(" or ")}regex used for validation is '${fmt}')`
}

/** @since 0.1.0 */
export const emptyError = "must be non-empty"

// Go's len() counts UTF-8 bytes; length limits must agree with the apiserver on non-ASCII input.
const byteLength = (s: string): number => {
  let n = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) n += 1
    else if (c < 0x800) n += 2
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4
      i++
    } else n += 3
  }
  return n
}

const dns1123LabelFmt = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
const dns1123LabelErrMsg =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"
const dns1123SubdomainFmt = `${dns1123LabelFmt}(\\.${dns1123LabelFmt})*`
const dns1123SubdomainErrMsg =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"
const dns1035LabelFmt = "[a-z]([-a-z0-9]*[a-z0-9])?"
const dns1035LabelErrMsg =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character"
const labelKeyFmt = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
const labelKeyErrMsg =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
const labelValueFmt = `(${labelKeyFmt})?`
const labelValueErrMsg =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"

const dns1123LabelRe = new RegExp(`^${dns1123LabelFmt}$`)
const dns1123SubdomainRe = new RegExp(`^${dns1123SubdomainFmt}$`)
const dns1035LabelRe = new RegExp(`^${dns1035LabelFmt}$`)
const labelKeyRe = new RegExp(`^${labelKeyFmt}$`)
const labelValueRe = new RegExp(`^${labelValueFmt}$`)

/**
 * RFC 1123 label (≤ 63, `[a-z0-9]([-a-z0-9]*[a-z0-9])?`): namespace and service names.
 *
 * @example
 * isDNS1123Label("web-1") // []
 * isDNS1123Label("a.b")   // ["must not contain dots"]
 * @since 0.1.0
 */
export const isDNS1123Label = (value: string): ReadonlyArray<string> => {
  const errs: Array<string> = []
  if (byteLength(value) > DNS1123LabelMaxLength) errs.push(maxLenError(DNS1123LabelMaxLength))
  if (!dns1123LabelRe.test(value)) {
    // a valid subdomain that is not a valid label (length already checked) can only have dots
    errs.push(
      dns1123SubdomainRe.test(value)
        ? "must not contain dots"
        : regexError(dns1123LabelErrMsg, dns1123LabelFmt, "my-name", "123-abc")
    )
  }
  return errs
}

/**
 * RFC 1123 subdomain (≤ 253, dot-separated labels): the name rule of most kinds.
 *
 * @example
 * isDNS1123Subdomain("example.com") // []
 * @since 0.1.0
 */
export const isDNS1123Subdomain = (value: string): ReadonlyArray<string> => dns1123Subdomain(value, maxLenError)

const dns1123Subdomain = (value: string, tooLong: (n: number) => string): ReadonlyArray<string> => {
  const errs: Array<string> = []
  if (byteLength(value) > DNS1123SubdomainMaxLength) errs.push(tooLong(DNS1123SubdomainMaxLength))
  if (!dns1123SubdomainRe.test(value)) {
    errs.push(regexError(dns1123SubdomainErrMsg, dns1123SubdomainFmt, "example.com"))
  }
  return errs
}

/**
 * RFC 1035 label (≤ 63, starts with a letter).
 *
 * @example
 * isDNS1035Label("1abc").length // 1
 * @since 0.1.0
 */
export const isDNS1035Label = (value: string): ReadonlyArray<string> => {
  const errs: Array<string> = []
  if (byteLength(value) > DNS1035LabelMaxLength) errs.push(maxLenError(DNS1035LabelMaxLength))
  if (!dns1035LabelRe.test(value)) errs.push(regexError(dns1035LabelErrMsg, dns1035LabelFmt, "my-name", "abc-123"))
  return errs
}

/**
 * A label (or annotation) key — a "qualified name": optional DNS-1123 subdomain prefix and `/`,
 * then a name of ≤ 63 characters matching `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`.
 *
 * @example
 * isLabelKey("app.kubernetes.io/name") // []
 * isLabelKey("a/b/c").length           // 1
 * @since 0.1.0
 */
export const isLabelKey = (value: string): ReadonlyArray<string> => {
  const errs: Array<string> = []
  const parts = value.split("/")
  let name: string
  if (parts.length === 1) {
    name = value
  } else if (parts.length === 2) {
    const prefix = parts[0] ?? ""
    name = parts[1] ?? ""
    if (prefix.length === 0) errs.push(`prefix part ${emptyError}`)
    else for (const msg of dns1123Subdomain(prefix, maxBytesError)) errs.push(`prefix part ${msg}`)
  } else {
    errs.push(
      `a valid label key ${regexError(labelKeyErrMsg, labelKeyFmt, "MyName", "my.name", "123-abc")} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`
    )
    return errs
  }
  if (name.length === 0) errs.push(`name part ${emptyError}`)
  else if (byteLength(name) > LabelValueMaxLength) errs.push(`name part ${maxBytesError(LabelValueMaxLength)}`)
  if (!labelKeyRe.test(name))
    errs.push(`name part ${regexError(labelKeyErrMsg, labelKeyFmt, "MyName", "my.name", "123-abc")}`)
  return errs
}

/**
 * apimachinery's older name for {@link isLabelKey}.
 *
 * @since 0.1.0
 */
export const isQualifiedName = isLabelKey

/**
 * A label value: empty, or ≤ 63 characters matching the label-key name pattern.
 *
 * @example
 * isLabelValue("") // []
 * isLabelValue("-x").length // 1
 * @since 0.1.0
 */
export const isLabelValue = (value: string): ReadonlyArray<string> => {
  const errs: Array<string> = []
  if (byteLength(value) > LabelValueMaxLength) errs.push(maxBytesError(LabelValueMaxLength))
  if (!labelValueRe.test(value)) errs.push(regexError(labelValueErrMsg, labelValueFmt, "MyValue", "my_value", "12345"))
  return errs
}

/**
 * What every name must satisfy to be a URL path segment: not `.`/`..`, no `/` or `%`.
 *
 * @example
 * isPathSegmentName("..") // ["may not be '..'"]
 * @since 0.1.0
 */
export const isPathSegmentName = (name: string): ReadonlyArray<string> => {
  if (name === "." || name === "..") return [`may not be '${name}'`]
  return isPathSegmentPrefix(name)
}

/**
 * {@link isPathSegmentName} for a `generateName` prefix (`.`/`..` allowed: a suffix follows).
 *
 * @since 0.1.0
 */
export const isPathSegmentPrefix = (name: string): ReadonlyArray<string> => {
  const errs: Array<string> = []
  if (name.includes("/")) errs.push("may not contain '/'")
  if (name.includes("%")) errs.push("may not contain '%'")
  return errs
}

/**
 * An object-name rule, as the apiserver applies it. `prefix` is true when validating a
 * `generateName` (a random suffix will follow, so a trailing `-` is fine).
 *
 * @since 0.1.0
 */
export type NameValidator = (name: string, prefix: boolean) => ReadonlyArray<string>

// apimachinery masks a trailing dash of a generateName by replacing the last *two* characters
// with "a"; copied as is so that the mock accepts and rejects exactly the same prefixes.
const maskTrailingDash = (name: string): string =>
  name.length > 1 && name.endsWith("-") ? `${name.slice(0, -2)}a` : name

/**
 * Names that must be DNS-1123 subdomains (ConfigMap, Secret, Pod, Deployment, Lease, Event,
 * Node, custom resources, …).
 *
 * @example
 * nameIsDNSSubdomain("web-", true) // [] (generateName)
 * @since 0.1.0
 */
export const nameIsDNSSubdomain: NameValidator = (name, prefix) =>
  isDNS1123Subdomain(prefix ? maskTrailingDash(name) : name)

/**
 * Names that must be DNS-1123 labels (Namespace; Service since 1.37).
 *
 * @since 0.1.0
 */
export const nameIsDNSLabel: NameValidator = (name, prefix) => isDNS1123Label(prefix ? maskTrailingDash(name) : name)

/**
 * Names that must be DNS-1035 labels (Services before 1.37).
 *
 * @since 0.1.0
 */
export const nameIsDNS1035Label: NameValidator = (name, prefix) =>
  isDNS1035Label(prefix ? maskTrailingDash(name) : name)

/**
 * The name rule the 1.37 apiserver applies to a kind: DNS-1123 label for `v1` Namespace and
 * Service, DNS-1123 subdomain for every other built-in and for custom resources. (A CRD's name
 * must additionally be `<plural>.<group>`: see {@link crdNameErrors}.)
 *
 * @example
 * nameValidatorFor({ group: "", kind: "Namespace" }) === nameIsDNSLabel // true
 * @since 0.1.0
 */
export const nameValidatorFor = (kind: { readonly group: string; readonly kind: string }): NameValidator =>
  kind.group === "" && (kind.kind === "Namespace" || kind.kind === "Service") ? nameIsDNSLabel : nameIsDNSSubdomain

/**
 * The extra CRD name rule: `metadata.name` must be `spec.names.plural + "." + spec.group`.
 *
 * @example
 * crdNameErrors("websites.example.com", "websites", "example.com") // []
 * @since 0.1.0
 */
export const crdNameErrors = (name: string, plural: string, group: string): ReadonlyArray<string> =>
  name === `${plural}.${group}` ? [] : [`must be spec.names.plural+"."+spec.group`]

// ---------------------------------------------------------------------------------------------
// Field errors (k8s.io/apimachinery/pkg/util/validation/field)

/**
 * The type of a field error; the value is the Status cause `reason`.
 *
 * @since 0.1.0
 */
export type FieldErrorType =
  | "FieldValueNotFound"
  | "FieldValueRequired"
  | "FieldValueDuplicate"
  | "FieldValueInvalid"
  | "FieldValueNotSupported"
  | "FieldValueForbidden"
  | "FieldValueTooLong"
  | "FieldValueTooMany"
  | "FieldValueTooFew"
  | "FieldValueTooShort"
  | "FieldValueTypeInvalid"
  | "InternalError"

/**
 * One validation failure of one field, as the apiserver reports it.
 *
 * @example
 * const e: FieldError = { type: "FieldValueInvalid", field: "metadata.name", badValue: "Bad_Name", detail: "…" }
 * @since 0.1.0
 */
export interface FieldError {
  readonly type: FieldErrorType
  /** The field path, e.g. `metadata.name` or `spec.containers[0].image`. */
  readonly field: string
  readonly badValue?: unknown
  readonly detail: string
}

const typeText: Record<FieldErrorType, string> = {
  FieldValueNotFound: "Not found",
  FieldValueRequired: "Required value",
  FieldValueDuplicate: "Duplicate value",
  FieldValueInvalid: "Invalid value",
  FieldValueNotSupported: "Unsupported value",
  FieldValueForbidden: "Forbidden",
  FieldValueTooLong: "Too long",
  FieldValueTooMany: "Too many",
  FieldValueTooFew: "Too few",
  FieldValueTooShort: "Too short",
  FieldValueTypeInvalid: "Invalid value",
  InternalError: "Internal error"
}

// Types whose body never shows the value.
const valueless: ReadonlySet<FieldErrorType> = new Set([
  "FieldValueRequired",
  "FieldValueForbidden",
  "FieldValueTooLong",
  "FieldValueTooShort",
  "InternalError"
])

/**
 * `Invalid value` error of a field.
 *
 * @example
 * invalid("metadata.name", "Bad_Name", "a lowercase RFC 1123 subdomain …")
 * @since 0.1.0
 */
export const invalid = (field: string, badValue: unknown, detail: string): FieldError => ({
  type: "FieldValueInvalid",
  field,
  badValue,
  detail
})

/**
 * `Required value` error of a field.
 *
 * @example
 * required("metadata.name", "name or generateName is required")
 * @since 0.1.0
 */
export const required = (field: string, detail: string): FieldError => ({ type: "FieldValueRequired", field, detail })

/**
 * The body of a field error without the field: `Invalid value: "x": detail` (the Status cause
 * `message`). Strings are quoted, numbers and booleans printed bare, the rest as JSON.
 *
 * @example
 * fieldErrorBody(invalid("metadata.name", "x", "bad")) // 'Invalid value: "x": bad'
 * @since 0.1.0
 */
export const fieldErrorBody = (error: FieldError): string => {
  let s = typeText[error.type]
  if (!valueless.has(error.type) && error.badValue !== undefined) {
    const v = error.badValue
    const shown =
      typeof v === "string"
        ? JSON.stringify(v)
        : typeof v === "number" || typeof v === "boolean"
          ? String(v)
          : (JSON.stringify(v) ?? String(v))
    s += `: ${shown}`
  }
  if (error.detail.length > 0) s += `: ${error.detail}`
  return s
}

/**
 * `field: body`, as in an aggregated message.
 *
 * @since 0.1.0
 */
export const fieldErrorString = (error: FieldError): string => `${error.field}: ${fieldErrorBody(error)}`

/**
 * Several errors as one message: one error → its text; several → `[a, b]` with duplicates
 * dropped (apimachinery's aggregate).
 *
 * @example
 * aggregate(["a", "b"]) // "[a, b]"
 * @since 0.1.0
 */
export const aggregate = (messages: ReadonlyArray<string>): string => {
  if (messages.length === 1) return messages[0] ?? ""
  const unique = [...new Set(messages)]
  return unique.length === 1 ? (unique[0] ?? "") : `[${unique.join(", ")}]`
}

/**
 * The Status cause of a field error (`reason` = type, `message` = body, `field`).
 *
 * @since 0.1.0
 */
export const toStatusCause = (error: FieldError): StatusCause => ({
  reason: error.type,
  message: fieldErrorBody(error),
  field: error.field
})

/**
 * The 422 `Invalid` Status the apiserver returns for an object that failed validation:
 * message `Kind.group "name" is invalid: <aggregate>`, one cause per error.
 *
 * @example
 * invalidStatus({ group: "", kind: "ConfigMap" }, "Bad_Name", validateObjectName({ name: "Bad_Name" }, nameIsDNSSubdomain))
 * @since 0.1.0
 */
export const invalidStatus = (
  kind: { readonly group: string; readonly kind: string },
  name: string,
  errors: ReadonlyArray<FieldError>
): Status => {
  const qualified = kind.group === "" ? kind.kind : `${kind.kind}.${kind.group}`
  const message =
    errors.length === 0
      ? `${qualified} ${JSON.stringify(name)} is invalid`
      : `${qualified} ${JSON.stringify(name)} is invalid: ${aggregate(errors.map(fieldErrorString))}`
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason: "Invalid",
    // omitempty on the wire: no empty name or group, no empty causes list
    details: {
      ...(name !== "" ? { name } : {}),
      ...(kind.group !== "" ? { group: kind.group } : {}),
      kind: kind.kind,
      ...(errors.length > 0 ? { causes: errors.map(toStatusCause) } : {})
    },
    code: 422
  }
}

/**
 * The name checks of `ValidateObjectMeta` on create: `generateName` against the rule as a
 * prefix, then `name` required ("name or generateName is required" — call it after name
 * generation) and valid. Field paths are `metadata.name` / `metadata.generateName`.
 *
 * @example
 * validateObjectName({ name: "Bad_Name" }, nameIsDNSSubdomain)[0]?.field // "metadata.name"
 * @since 0.1.0
 */
export const validateObjectName = (
  meta: { readonly name?: string | undefined; readonly generateName?: string | undefined },
  validator: NameValidator
): ReadonlyArray<FieldError> => {
  const errors: Array<FieldError> = []
  const generateName = meta.generateName ?? ""
  if (generateName.length > 0) {
    for (const msg of validator(generateName, true)) errors.push(invalid("metadata.generateName", generateName, msg))
  }
  const name = meta.name ?? ""
  if (name.length === 0) {
    errors.push(required("metadata.name", "name or generateName is required"))
  } else {
    for (const msg of validator(name, false)) errors.push(invalid("metadata.name", name, msg))
  }
  return errors
}
