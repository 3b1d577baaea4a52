/**
 * CustomResourceDefinitions: validation of a CRD, its defaults, the status the apiextensions
 * controllers write (NamesAccepted, Established), and the kind spec it registers.
 *
 * @internal
 */
import { isObject, type JsonObject } from "./json.js"
import { CustomResourceVerbs, type KindSpec, type VersionSpec } from "./kinds.js"
import { type FieldError, FieldErrors, Printed } from "./status.js"
import { isDNS1035Label, isDNS1123Subdomain, NameRules } from "./validation.js"

const str = (u: unknown): string => (typeof u === "string" ? u : "")
const strings = (u: unknown): ReadonlyArray<string> =>
  Array.isArray(u) ? u.filter((x): x is string => typeof x === "string") : []
const obj = (u: unknown): JsonObject => (isObject(u) ? u : {})

/** The CRD finalizer the apiextensions server adds on delete. */
export const CleanupFinalizer = "customresourcecleanup.apiextensions.k8s.io"

/** Defaults of a v1 CRD (names.singular, names.listKind, conversion strategy). */
export const defaultCRD = (crd: Record<string, unknown>): void => {
  const spec: Record<string, unknown> = { ...obj(crd.spec) }
  const names: Record<string, unknown> = { ...obj(spec.names) }
  const kind = str(names.kind)
  if (names.singular === undefined && kind !== "") names.singular = kind.toLowerCase()
  if (names.listKind === undefined && kind !== "") names.listKind = `${kind}List`
  spec.names = names
  if (spec.conversion === undefined) spec.conversion = { strategy: "None" }
  crd.spec = spec
}

/** `ValidateCustomResourceDefinition` (the common cases). */
export const validateCRD = (crd: JsonObject): Array<FieldError> => {
  const errs: Array<FieldError> = []
  const meta = obj(crd.metadata)
  const spec = obj(crd.spec)
  const names = obj(spec.names)
  const group = str(spec.group)
  const plural = str(names.plural)
  const name = str(meta.name)
  if (name !== `${plural}.${group}`) {
    errs.push(FieldErrors.invalid("metadata.name", name, 'must be spec.names.plural+"."+spec.group'))
  }
  if (group === "") errs.push(FieldErrors.required("spec.group", ""))
  else {
    for (const msg of isDNS1123Subdomain(group)) errs.push(FieldErrors.invalid("spec.group", group, msg))
    if (group.split(".").length < 2) {
      errs.push(FieldErrors.invalid("spec.group", group, "should be a domain with at least one dot"))
    }
  }
  const scope = str(spec.scope)
  if (scope === "") errs.push(FieldErrors.required("spec.scope", ""))
  else if (scope !== "Cluster" && scope !== "Namespaced") {
    errs.push(FieldErrors.notSupported("spec.scope", scope, ["Cluster", "Namespaced"]))
  }
  if (plural === "") errs.push(FieldErrors.required("spec.names.plural", ""))
  else for (const msg of isDNS1035Label(plural)) errs.push(FieldErrors.invalid("spec.names.plural", plural, msg))
  const singular = str(names.singular)
  if (singular === "") errs.push(FieldErrors.required("spec.names.singular", ""))
  else for (const msg of isDNS1035Label(singular)) errs.push(FieldErrors.invalid("spec.names.singular", singular, msg))
  const kind = str(names.kind)
  if (kind === "") errs.push(FieldErrors.required("spec.names.kind", ""))
  const listKind = str(names.listKind)
  if (listKind === "") errs.push(FieldErrors.required("spec.names.listKind", ""))
  else if (kind !== "" && listKind === kind) {
    errs.push(FieldErrors.invalid("spec.names.listKind", listKind, "kind and listKind cannot be the same"))
  }
  const versions = Array.isArray(spec.versions) ? spec.versions : []
  if (versions.length === 0)
    errs.push(
      FieldErrors.invalid(
        "spec.versions",
        new Printed("[]apiextensions.CustomResourceDefinitionVersion(nil)"),
        "must have exactly one version marked as storage version"
      )
    )
  else {
    const storage = versions.filter((v) => isObject(v) && v.storage === true).length
    if (storage !== 1) {
      errs.push(
        FieldErrors.invalid(
          "spec.versions",
          new Printed("[]apiextensions.CustomResourceDefinitionVersion{...}"),
          "must have exactly one version marked as storage version"
        )
      )
    }
    const seen = new Set<string>()
    versions.forEach((raw, i) => {
      const v = obj(raw)
      const vname = str(v.name)
      const path = `spec.versions[${i}]`
      if (vname === "") errs.push(FieldErrors.required(`${path}.name`, ""))
      else for (const msg of isDNS1035Label(vname)) errs.push(FieldErrors.invalid(`${path}.name`, vname, msg))
      if (seen.has(vname))
        errs.push(
          FieldErrors.invalid(
            "spec.versions",
            new Printed("[]apiextensions.CustomResourceDefinitionVersion{...}"),
            "must contain unique version names"
          )
        )
      seen.add(vname)
      if (!isObject(obj(v.schema).openAPIV3Schema)) {
        errs.push(FieldErrors.required(`${path}.schema.openAPIV3Schema`, "schemas are required"))
      }
    })
    if (!versions.some((v) => isObject(v) && v.served === true)) {
      errs.push(
        FieldErrors.invalid(
          "spec.versions",
          new Printed("[]apiextensions.CustomResourceDefinitionVersion{...}"),
          "must have at least one version marked as served"
        )
      )
    }
  }
  return errs
}

/** The kind spec a (valid) CRD serves. */
export const specFromCRD = (crd: JsonObject): KindSpec => {
  const spec = obj(crd.spec)
  const names = obj(spec.names)
  const kind = str(names.kind)
  const versions: Array<VersionSpec> = (Array.isArray(spec.versions) ? spec.versions : []).map((raw) => {
    const v = obj(raw)
    const selectable = Array.isArray(v.selectableFields) ? v.selectableFields : []
    return {
      name: str(v.name),
      served: v.served === true,
      storage: v.storage === true,
      status: isObject(obj(v.subresources).status),
      schema: obj(v.schema).openAPIV3Schema,
      selectableFields: selectable.map((f) => str(obj(f).jsonPath).replace(/^\./, "")).filter((f) => f !== "")
    }
  })
  return {
    group: str(spec.group),
    kind,
    plural: str(names.plural),
    singular: str(names.singular) || kind.toLowerCase(),
    listKind: str(names.listKind) || `${kind}List`,
    scope: spec.scope === "Cluster" ? "Cluster" : "Namespaced",
    shortNames: strings(names.shortNames),
    categories: strings(names.categories),
    versions,
    custom: true,
    crdName: str(obj(crd.metadata).name),
    generation: "nonMetadata",
    nameRule: NameRules.subdomain,
    allowCreateOnUpdate: false,
    allowUnconditionalUpdate: false,
    returnDeletedObject: false,
    verbs: CustomResourceVerbs,
    statusUpdate: "statusOnly"
  }
}

/** The status the strategy writes on create (conditions come later from the controllers). */
export const initialStatus = (crd: JsonObject): JsonObject => {
  const raw = obj(crd.spec).versions
  const versions: ReadonlyArray<unknown> = Array.isArray(raw) ? raw : []
  const storage = versions.map(obj).find((v) => v.storage === true)
  // The typed status has no omitempty on conditions: a new CRD answers `"conditions": null`.
  return {
    conditions: null,
    acceptedNames: { plural: "", kind: "" },
    storedVersions: storage === undefined ? [] : [str(storage.name)]
  }
}

/** The status after the naming and establishing controllers ran. */
export const establishedStatus = (crd: JsonObject, now: string): JsonObject => {
  const spec = obj(crd.spec)
  const names = obj(spec.names)
  const status = obj(crd.status)
  const accepted: Record<string, unknown> = {
    plural: str(names.plural),
    singular: str(names.singular),
    ...(strings(names.shortNames).length > 0 ? { shortNames: strings(names.shortNames) } : {}),
    kind: str(names.kind),
    listKind: str(names.listKind),
    ...(strings(names.categories).length > 0 ? { categories: strings(names.categories) } : {})
  }
  return {
    ...status,
    conditions: [
      {
        type: "NamesAccepted",
        status: "True",
        lastTransitionTime: now,
        reason: "NoConflicts",
        message: "no conflicts found"
      },
      {
        type: "Established",
        status: "True",
        lastTransitionTime: now,
        reason: "InitialNamesAccepted",
        message: "the initial names have been accepted"
      }
    ],
    acceptedNames: accepted
  }
}

/** The status the CRD registry writes when a delete starts. */
export const deletionPendingStatus = (crd: JsonObject, now: string): JsonObject =>
  withTerminating(
    crd,
    now,
    "InstanceDeletionPending",
    "CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon"
  )

/** The status while the CRD's instances are being deleted. */
export const terminatingStatus = (crd: JsonObject, now: string): JsonObject =>
  withTerminating(crd, now, "InstanceDeletionInProgress", "CustomResource deletion is in progress")

const withTerminating = (crd: JsonObject, now: string, reason: string, message: string): JsonObject => {
  const status = obj(crd.status)
  const conditions = Array.isArray(status.conditions)
    ? status.conditions.filter((c) => obj(c).type !== "Terminating")
    : []
  return {
    ...status,
    conditions: [
      ...conditions,
      {
        type: "Terminating",
        status: "True",
        lastTransitionTime: now,
        reason,
        message
      }
    ]
  }
}
