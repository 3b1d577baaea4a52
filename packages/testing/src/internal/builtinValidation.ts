/**
 * Validation of built-in kinds beyond object metadata, with kube-apiserver's messages
 * (`pkg/apis/core/validation`): the kube finalizer-name rule, ConfigMap / Secret keys and
 * immutability, the Pod containers a controller most often gets wrong. Not every rule of the
 * real server: only these, each checked against kube-apiserver v1.37.
 *
 * @internal
 */
import type { ObjectMeta } from "@effect-kube/core/Meta"
import { deepEqual, isObject, type JsonObject } from "./json.js"
import type { KindSpec } from "./kinds.js"
import { type FieldError, FieldErrors } from "./status.js"
import { isDNS1123Label } from "./validation.js"

/**
 * Kinds whose strategies validate metadata with apimachinery's `ValidateObjectMeta` rather than
 * core's (which adds the kube finalizer-name rule): checked on kube-apiserver v1.37.
 */
const apimachineryMeta = new Set([
  "apiextensions.k8s.io/customresourcedefinitions",
  "admissionregistration.k8s.io/validatingwebhookconfigurations",
  "admissionregistration.k8s.io/mutatingwebhookconfigurations",
  "coordination.k8s.io/leases",
  "policy/poddisruptionbudgets",
  // core/v1 Events are validated by the legacy event rules (events.k8s.io/v1 ones are not).
  "/events"
])

/** `helper.IsStandardFinalizerName`. */
const standardFinalizers = new Set(["kubernetes", "orphan", "foregroundDeletion"])

/** `validateKubeFinalizerName` over `metadata.finalizers`: an unqualified name must be a standard one. */
const kubeFinalizers = (meta: ObjectMeta): Array<FieldError> => {
  const errs: Array<FieldError> = []
  ;(meta.finalizers ?? []).forEach((f, i) => {
    if (!f.includes("/") && !standardFinalizers.has(f)) {
      errs.push(
        FieldErrors.invalid(
          `metadata.finalizers[${i}]`,
          f,
          "name is neither a standard finalizer name nor is it fully qualified"
        )
      )
    }
  })
  return errs
}

const configKeyRe = /^[-._a-zA-Z0-9]+$/
const configKeyMessage =
  "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"

/** `validation.IsConfigMapKey`. */
export const isConfigMapKey = (key: string): Array<string> => {
  const errs: Array<string> = []
  if (key.length > 253) errs.push("must be no more than 253 characters")
  if (!configKeyRe.test(key)) errs.push(configKeyMessage)
  if (key === ".") errs.push("must not be '.'")
  else if (key === "..") errs.push("must not be '..'")
  else if (key.startsWith("..")) errs.push("must not start with '..'")
  return errs
}

const keysOf = (value: unknown): ReadonlyArray<string> => (isObject(value) ? Object.keys(value) : [])

/** The key errors of a data map (Go iterates maps randomly; sorted here, deterministic). */
const dataKeys = (object: JsonObject, field: string, duplicatesIn?: string): Array<FieldError> => {
  const errs: Array<FieldError> = []
  const other = duplicatesIn === undefined ? undefined : object[duplicatesIn]
  for (const key of [...keysOf(object[field])].sort()) {
    for (const msg of isConfigMapKey(key)) errs.push(FieldErrors.invalid(`${field}[${key}]`, key, msg))
    if (isObject(other) && Object.hasOwn(other, key)) {
      errs.push(FieldErrors.invalid(`${field}[${key}]`, key, "duplicate of key present in binaryData"))
    }
  }
  return errs
}

/** `ValidateConfigMapUpdate` / `ValidateSecretUpdate`: nothing but metadata changes once immutable. */
const immutableData = (next: JsonObject, prev: JsonObject, fields: ReadonlyArray<string>): Array<FieldError> => {
  if (prev.immutable !== true) return []
  const errs: Array<FieldError> = []
  const message = "field is immutable when `immutable` is set"
  if (next.immutable !== true) errs.push(FieldErrors.forbidden("immutable", message))
  for (const field of fields) {
    if (!deepEqual(next[field] ?? null, prev[field] ?? null)) errs.push(FieldErrors.forbidden(field, message))
  }
  return errs
}

/** Container names (required, DNS-1123 label, unique) and images of `spec.containers`. */
const podContainers = (object: JsonObject): Array<FieldError> => {
  const spec = isObject(object.spec) ? object.spec : {}
  const containers = Array.isArray(spec.containers) ? spec.containers : []
  if (containers.length === 0) return [FieldErrors.required("spec.containers", "")]
  const errs: Array<FieldError> = []
  const seen = new Set<string>()
  containers.forEach((c: unknown, i) => {
    const container = isObject(c) ? c : {}
    const path = `spec.containers[${i}]`
    const name = typeof container.name === "string" ? container.name : ""
    if (name === "") errs.push(FieldErrors.required(`${path}.name`, ""))
    else {
      for (const msg of isDNS1123Label(name)) errs.push(FieldErrors.invalid(`${path}.name`, name, msg))
      if (seen.has(name)) errs.push(FieldErrors.duplicate(`${path}.name`, name))
      seen.add(name)
    }
    const image = typeof container.image === "string" ? container.image : ""
    if (image === "") errs.push(FieldErrors.required(`${path}.image`, ""))
  })
  return errs
}

const kindKey = (spec: KindSpec): string => `${spec.group}/${spec.plural}`

/**
 * Errors of a built-in kind's create validation that follow the metadata ones (custom kinds and
 * CRDs get none here).
 */
export const validateBuiltinCreate = (spec: KindSpec, object: JsonObject, meta: ObjectMeta): Array<FieldError> => {
  if (spec.custom) return []
  const key = kindKey(spec)
  const errs = apimachineryMeta.has(key) ? [] : kubeFinalizers(meta)
  switch (key) {
    case "/configmaps":
      errs.push(...dataKeys(object, "data", "binaryData"), ...dataKeys(object, "binaryData"))
      break
    case "/secrets":
      errs.push(...dataKeys(object, "data"))
      break
    case "/pods":
      errs.push(...podContainers(object))
      break
  }
  return errs
}

/** Errors of a built-in kind's update validation that follow the metadata ones. */
export const validateBuiltinUpdate = (
  spec: KindSpec,
  next: JsonObject,
  meta: ObjectMeta,
  prev: JsonObject
): Array<FieldError> => {
  if (spec.custom) return []
  const key = kindKey(spec)
  const errs = apimachineryMeta.has(key) ? [] : kubeFinalizers(meta)
  switch (key) {
    case "/configmaps":
      errs.push(
        ...immutableData(next, prev, ["data", "binaryData"]),
        ...dataKeys(next, "data", "binaryData"),
        ...dataKeys(next, "binaryData")
      )
      break
    case "/secrets":
      errs.push(...immutableData(next, prev, ["data"]), ...dataKeys(next, "data"))
      break
  }
  return errs
}
