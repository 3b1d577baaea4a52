/**
 * Object metadata validation with kube-apiserver's messages (k8s.io/apimachinery
 * `util/validation`, `api/validation/objectmeta.go`, `apis/meta/v1/validation`).
 *
 * @internal
 */
import type { ObjectMeta } from "@effect-kube/core/Meta"
import { deepEqual, goStringSlice, isObject } from "./json.js"
import { type FieldError, FieldErrors, Printed } from "./status.js"

const regexError = (msg: string, fmt: string, ...examples: ReadonlyArray<string>): string => {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`
  let out = `${msg} (e.g. `
  examples.forEach((example, i) => {
    if (i > 0) out += " or "
    out += `'${example}', `
  })
  return `${out}regex used for validation is '${fmt}')`
}
const maxLenError = (n: number): string => `must be no more than ${n} characters`
const emptyError = "must be non-empty"

const dns1123LabelFmt = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
const dns1123LabelErrMsg =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"
const dns1123LabelRe = new RegExp(`^${dns1123LabelFmt}$`)
const dns1123SubdomainFmt = `${dns1123LabelFmt}(\\.${dns1123LabelFmt})*`
const dns1123SubdomainErrMsg =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"
const dns1123SubdomainRe = new RegExp(`^${dns1123SubdomainFmt}$`)
const dns1035LabelFmt = "[a-z]([-a-z0-9]*[a-z0-9])?"
const dns1035LabelErrMsg =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character"
const dns1035LabelRe = new RegExp(`^${dns1035LabelFmt}$`)
const qualifiedNameFmt = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
const qualifiedNameErrMsg =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
const qualifiedNameRe = new RegExp(`^${qualifiedNameFmt}$`)
const labelValueFmt = `(${qualifiedNameFmt})?`
const labelValueErrMsg =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
const labelValueRe = new RegExp(`^${labelValueFmt}$`)

/** `IsDNS1123Label`. */
export const isDNS1123Label = (value: string): Array<string> => {
  const errs: Array<string> = []
  if (value.length > 63) errs.push(maxLenError(63))
  if (!dns1123LabelRe.test(value)) errs.push(regexError(dns1123LabelErrMsg, dns1123LabelFmt, "my-name", "123-abc"))
  return errs
}

/** `IsDNS1123Subdomain`. */
export const isDNS1123Subdomain = (value: string): Array<string> => {
  const errs: Array<string> = []
  if (value.length > 253) errs.push(maxLenError(253))
  if (!dns1123SubdomainRe.test(value)) errs.push(regexError(dns1123SubdomainErrMsg, dns1123SubdomainFmt, "example.com"))
  return errs
}

/** `IsDNS1035Label`. */
export const isDNS1035Label = (value: string): Array<string> => {
  const errs: Array<string> = []
  if (value.length > 63) errs.push(maxLenError(63))
  if (!dns1035LabelRe.test(value)) errs.push(regexError(dns1035LabelErrMsg, dns1035LabelFmt, "my-name", "abc-123"))
  return errs
}

/** `IsQualifiedName` (annotation keys, finalizers); label keys say "a valid label key". */
export const isQualifiedName = (value: string, what = "a qualified name"): Array<string> => {
  const errs: Array<string> = []
  const parts = value.split("/")
  let name: string
  switch (parts.length) {
    case 1:
      name = parts[0]
      break
    case 2: {
      const prefix = parts[0]
      name = parts[1]
      if (prefix.length === 0) errs.push(`prefix part ${emptyError}`)
      else for (const msg of isDNS1123Subdomain(prefix)) errs.push(`prefix part ${msg}`)
      break
    }
    default:
      return [
        `${what} ${regexError(qualifiedNameErrMsg, qualifiedNameFmt, "MyName", "my.name", "123-abc")} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`
      ]
  }
  if (name.length === 0) errs.push(`name part ${emptyError}`)
  else if (name.length > 63) errs.push(`name part ${maxLenError(63)}`)
  if (!qualifiedNameRe.test(name)) {
    errs.push(`name part ${regexError(qualifiedNameErrMsg, qualifiedNameFmt, "MyName", "my.name", "123-abc")}`)
  }
  return errs
}

/** `IsValidLabelValue`. */
export const isValidLabelValue = (value: string): Array<string> => {
  const errs: Array<string> = []
  if (Buffer.byteLength(value, "utf8") > 63) errs.push("must be no more than 63 bytes")
  if (!labelValueRe.test(value)) errs.push(regexError(labelValueErrMsg, labelValueFmt, "MyValue", "my_value", "12345"))
  return errs
}

/** `path.IsValidPathSegmentName`. */
export const isValidPathSegmentName = (name: string): Array<string> => {
  for (const illegal of [".", ".."]) if (name === illegal) return [`may not be '${illegal}'`]
  const errs: Array<string> = []
  for (const illegal of ["/", "%"]) if (name.includes(illegal)) errs.push(`may not contain '${illegal}'`)
  return errs
}

/** A `ValidateNameFunc`: messages for a name (or, with `prefix`, a generateName). */
export type NameValidator = (name: string, prefix: boolean) => Array<string>

const maskTrailingDash = (name: string): string =>
  name.length > 1 && name.endsWith("-") ? `${name.slice(0, -1)}a` : name

/** The name rules kinds use. */
export const NameRules: Readonly<
  Record<"subdomain" | "label" | "dns1035" | "pathSegment" | "namespace", NameValidator>
> = {
  subdomain: (name, prefix) => isDNS1123Subdomain(prefix ? maskTrailingDash(name) : name),
  // ValidateNamespaceName: a DNS-1123 label, with its own message for dots.
  namespace: (name, prefix) =>
    name.includes(".") ? ["must not contain dots"] : isDNS1123Label(prefix ? maskTrailingDash(name) : name),
  label: (name, prefix) => isDNS1123Label(prefix ? maskTrailingDash(name) : name),
  dns1035: (name, prefix) => isDNS1035Label(prefix ? maskTrailingDash(name) : name),
  pathSegment: (name, prefix) => (prefix ? isValidPathSegmentName(name) : isValidPathSegmentName(name))
}

const stringMap = (u: unknown): ReadonlyArray<readonly [string, unknown]> => (isObject(u) ? Object.entries(u) : [])

/** `ValidateLabels`. */
export const validateLabels = (labels: unknown, field: string): Array<FieldError> => {
  const errs: Array<FieldError> = []
  for (const [k, v] of stringMap(labels)) {
    for (const msg of isQualifiedName(k, "a valid label key")) errs.push(FieldErrors.invalid(field, k, msg))
    const value = typeof v === "string" ? v : ""
    for (const msg of isValidLabelValue(value)) errs.push(FieldErrors.invalid(field, value, msg))
  }
  return errs
}

const totalAnnotationSizeLimit = 256 * 1024

/** `ValidateAnnotations`. */
export const validateAnnotations = (annotations: unknown, field: string): Array<FieldError> => {
  const errs: Array<FieldError> = []
  let size = 0
  for (const [k, v] of stringMap(annotations)) {
    for (const msg of isQualifiedName(k.toLowerCase())) errs.push(FieldErrors.invalid(field, k, msg))
    size += k.length + (typeof v === "string" ? v.length : 0)
  }
  if (size > totalAnnotationSizeLimit) errs.push(FieldErrors.tooLong(field, totalAnnotationSizeLimit))
  return errs
}

/** `ValidateFinalizers`. */
export const validateFinalizers = (finalizers: ReadonlyArray<string> | undefined, field: string): Array<FieldError> => {
  const errs: Array<FieldError> = []
  if (finalizers === undefined) return errs
  for (const f of finalizers) for (const msg of isQualifiedName(f)) errs.push(FieldErrors.invalid(field, f, msg))
  if (finalizers.includes("orphan") && finalizers.includes("foregroundDeletion")) {
    errs.push(
      FieldErrors.invalid(
        field,
        new Printed(goStringSlice(finalizers)),
        "finalizer orphan and foregroundDeletion cannot be both set"
      )
    )
  }
  return errs
}

/** `ValidateOwnerReferences`. */
export const validateOwnerReferences = (refs: ObjectMeta["ownerReferences"], field: string): Array<FieldError> => {
  const errs: Array<FieldError> = []
  if (refs === undefined) return errs
  let firstController = ""
  for (const ref of refs) {
    const apiVersion = typeof ref.apiVersion === "string" ? ref.apiVersion : ""
    const version = apiVersion.includes("/") ? apiVersion.slice(apiVersion.indexOf("/") + 1) : apiVersion
    if (version === "") errs.push(FieldErrors.invalid(`${field}.apiVersion`, apiVersion, "version must not be empty"))
    if (!ref.kind) errs.push(FieldErrors.invalid(`${field}.kind`, ref.kind ?? "", "must not be empty"))
    if (!ref.name) errs.push(FieldErrors.invalid(`${field}.name`, ref.name ?? "", "must not be empty"))
    if (!ref.uid) errs.push(FieldErrors.invalid(`${field}.uid`, ref.uid ?? "", "must not be empty"))
    if (apiVersion === "v1" && ref.kind === "Event") {
      errs.push(FieldErrors.invalid(field, new Printed("{}"), "/v1, Kind=Event is disallowed from being an owner"))
    }
    if (ref.controller === true) {
      const current = `${ref.kind}/${ref.name}`
      if (firstController !== "") {
        errs.push(
          FieldErrors.invalid(
            field,
            new Printed("[]"),
            `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${current}`
          )
        )
      } else firstController = current
    }
  }
  return errs
}

/** The parts of `ValidateObjectMetaAccessor` shared by create and update. */
const validateCommon = (meta: ObjectMeta, namespaced: boolean): Array<FieldError> => {
  const errs: Array<FieldError> = []
  const namespace = meta.namespace ?? ""
  if (namespaced) {
    if (namespace === "") errs.push(FieldErrors.required("metadata.namespace", ""))
    else
      for (const msg of isDNS1123Label(namespace)) errs.push(FieldErrors.invalid("metadata.namespace", namespace, msg))
  } else if (namespace !== "") {
    errs.push(FieldErrors.forbidden("metadata.namespace", "not allowed on this type"))
  }
  if (typeof meta.generation === "number" && meta.generation < 0) {
    errs.push(FieldErrors.invalid("metadata.generation", meta.generation, "must be greater than or equal to 0"))
  }
  errs.push(...validateLabels(meta.labels, "metadata.labels"))
  errs.push(...validateAnnotations(meta.annotations, "metadata.annotations"))
  errs.push(...validateOwnerReferences(meta.ownerReferences, "metadata.ownerReferences"))
  errs.push(...validateFinalizers(meta.finalizers, "metadata.finalizers"))
  return errs
}

/** `ValidateObjectMetaAccessor` on create, with the kind's name rule. */
export const validateObjectMetaCreate = (
  meta: ObjectMeta,
  namespaced: boolean,
  nameRule: NameValidator
): Array<FieldError> => {
  const errs: Array<FieldError> = []
  const generateName = meta.generateName ?? ""
  if (generateName !== "") {
    for (const msg of nameRule(generateName, true)) {
      errs.push(FieldErrors.invalid("metadata.generateName", generateName, msg))
    }
  }
  const name = meta.name ?? ""
  if (name === "") errs.push(FieldErrors.required("metadata.name", "name or generateName is required"))
  else for (const msg of nameRule(name, false)) errs.push(FieldErrors.invalid("metadata.name", name, msg))
  errs.push(...validateCommon(meta, namespaced))
  return errs
}

const immutable = (next: unknown, prev: unknown, field: string): Array<FieldError> =>
  deepEqual(next ?? null, prev ?? null) ? [] : [FieldErrors.invalid(field, next ?? null, "field is immutable")]

/** `validateCommonFields` of an update: path-segment name rule plus `ValidateObjectMetaAccessorUpdate`. */
export const validateObjectMetaUpdate = (
  next: ObjectMeta,
  prev: ObjectMeta,
  namespaced: boolean
): Array<FieldError> => {
  const errs: Array<FieldError> = []
  const name = next.name ?? ""
  if (name === "") errs.push(FieldErrors.required("metadata.name", "name or generateName is required"))
  else for (const msg of isValidPathSegmentName(name)) errs.push(FieldErrors.invalid("metadata.name", name, msg))
  errs.push(...validateCommon(next, namespaced))
  if (prev.deletionTimestamp !== undefined) {
    const old = new Set(prev.finalizers ?? [])
    const extra = [...new Set(next.finalizers ?? [])].filter((f) => !old.has(f)).sort()
    if (extra.length > 0) {
      errs.push(
        FieldErrors.forbidden(
          "metadata.finalizers",
          `no new finalizers can be added if the object is being deleted, found new finalizers ${goStringSlice(extra)}`
        )
      )
    }
  }
  if ((next.resourceVersion ?? "") === "") {
    errs.push(FieldErrors.invalid("metadata.resourceVersion", "", "must be specified for an update"))
  }
  if ((next.generation ?? 0) < (prev.generation ?? 0)) {
    errs.push(FieldErrors.invalid("metadata.generation", next.generation ?? 0, "must not be decremented"))
  }
  errs.push(...immutable(next.name, prev.name, "metadata.name"))
  errs.push(...immutable(next.namespace ?? "", prev.namespace ?? "", "metadata.namespace"))
  errs.push(...immutable(next.uid, prev.uid, "metadata.uid"))
  errs.push(...immutable(next.creationTimestamp, prev.creationTimestamp, "metadata.creationTimestamp"))
  errs.push(...immutable(next.deletionTimestamp, prev.deletionTimestamp, "metadata.deletionTimestamp"))
  errs.push(
    ...immutable(
      next.deletionGracePeriodSeconds,
      prev.deletionGracePeriodSeconds,
      "metadata.deletionGracePeriodSeconds"
    )
  )
  return errs
}
