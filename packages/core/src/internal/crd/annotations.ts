/**
 * The Schema annotations that carry Kubernetes-only knobs (CEL rules, list/map topology,
 * embedded resources, …) from a kind's Schema to its CRD. Ids are registered symbols so that
 * two copies of the package agree on them.
 */
import type * as AST from "effect/SchemaAST"
import type { Format, ListType, MapType, ValidationRule } from "./types.js"

/** `x-kubernetes-validations` (CEL rules); rules on nested wrappers of one field accumulate. */
export const ValidationsId: unique symbol = Symbol.for("@effect-kube/core/Crd/Validations")
/** `x-kubernetes-list-type`. */
export const ListTypeId: unique symbol = Symbol.for("@effect-kube/core/Crd/ListType")
/** `x-kubernetes-list-map-keys`. */
export const ListMapKeysId: unique symbol = Symbol.for("@effect-kube/core/Crd/ListMapKeys")
/** `x-kubernetes-map-type`. */
export const MapTypeId: unique symbol = Symbol.for("@effect-kube/core/Crd/MapType")
/** `x-kubernetes-embedded-resource`. */
export const EmbeddedResourceId: unique symbol = Symbol.for("@effect-kube/core/Crd/EmbeddedResource")
/** `x-kubernetes-preserve-unknown-fields`. */
export const PreserveUnknownFieldsId: unique symbol = Symbol.for("@effect-kube/core/Crd/PreserveUnknownFields")
/** OpenAPI `format`. */
export const FormatId: unique symbol = Symbol.for("@effect-kube/core/Crd/Format")

/** The kube knobs read from one annotated node (a Schema node or a property signature). */
export interface Knobs {
  readonly validations?: ReadonlyArray<ValidationRule>
  readonly listType?: ListType
  readonly listMapKeys?: ReadonlyArray<string>
  readonly mapType?: MapType
  readonly embeddedResource?: boolean
  readonly preserveUnknownFields?: boolean
  readonly format?: Format
}

const listTypes: ReadonlyArray<unknown> = ["atomic", "set", "map"]
const mapTypes: ReadonlyArray<unknown> = ["granular", "atomic"]

const isStringArray = (u: unknown): u is ReadonlyArray<string> =>
  Array.isArray(u) && u.every((s) => typeof s === "string")

const isRule = (u: unknown): u is ValidationRule =>
  typeof u === "object" && u !== null && "rule" in u && typeof u.rule === "string"

const isListType = (u: unknown): u is ListType => listTypes.includes(u)
const isMapType = (u: unknown): u is MapType => mapTypes.includes(u)
const isFormat = (u: unknown): u is Format => typeof u === "string"

/**
 * Reads the knobs of one node. Values of the wrong shape (only possible when the ids are used
 * by hand, not through the `Crd` helpers) are reported as `invalid` rather than ignored.
 */
export const read = (
  annotations: AST.Annotations
): { readonly knobs: Knobs; readonly invalid: ReadonlyArray<string> } => {
  const invalid: Array<string> = []
  const knobs: {
    validations?: ReadonlyArray<ValidationRule>
    listType?: ListType
    listMapKeys?: ReadonlyArray<string>
    mapType?: MapType
    embeddedResource?: boolean
    preserveUnknownFields?: boolean
    format?: Format
  } = {}
  const validations = annotations[ValidationsId]
  if (validations !== undefined) {
    if (Array.isArray(validations) && validations.every(isRule)) knobs.validations = validations
    else invalid.push("x-kubernetes-validations must be a list of { rule, message? }")
  }
  const listType = annotations[ListTypeId]
  if (listType !== undefined) {
    if (isListType(listType)) knobs.listType = listType
    else invalid.push(`x-kubernetes-list-type must be atomic, set or map, not ${String(listType)}`)
  }
  const listMapKeys = annotations[ListMapKeysId]
  if (listMapKeys !== undefined) {
    if (isStringArray(listMapKeys)) knobs.listMapKeys = listMapKeys
    else invalid.push("x-kubernetes-list-map-keys must be a list of property names")
  }
  const mapType = annotations[MapTypeId]
  if (mapType !== undefined) {
    if (isMapType(mapType)) knobs.mapType = mapType
    else invalid.push(`x-kubernetes-map-type must be granular or atomic, not ${String(mapType)}`)
  }
  const embedded = annotations[EmbeddedResourceId]
  if (embedded !== undefined) {
    if (typeof embedded === "boolean") knobs.embeddedResource = embedded
    else invalid.push("x-kubernetes-embedded-resource must be a boolean")
  }
  const preserve = annotations[PreserveUnknownFieldsId]
  if (preserve !== undefined) {
    if (typeof preserve === "boolean") knobs.preserveUnknownFields = preserve
    else invalid.push("x-kubernetes-preserve-unknown-fields must be a boolean")
  }
  const format = annotations[FormatId]
  if (format !== undefined) {
    if (isFormat(format)) knobs.format = format
    else invalid.push("format must be a string")
  }
  return { knobs, invalid }
}

/** Whether a node carries a CEL rule (a filter it annotates is then expressed on the server). */
export const hasValidations = (annotations: AST.Annotations): boolean => {
  const v = annotations[ValidationsId]
  return Array.isArray(v) && v.length > 0
}
