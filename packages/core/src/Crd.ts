/**
 * CustomResourceDefinitions generated from the same `Resource.custom` Schema that decodes the
 * objects, so the CRD the apiserver validates with and the types the controller decodes cannot
 * drift apart.
 *
 * The OpenAPI schema is structural (no `$ref`, every field typed) and follows the *encoded*
 * side of transformations (the wire form). Effect's built-in filters become OpenAPI
 * constraints; Kubernetes-only knobs (CEL rules, list/map topology, embedded resources,
 * preserved unknown fields, formats) come from the annotations in this module. A Schema that
 * cannot be expressed structurally is rejected with every offending field and the reason —
 * never silently widened.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Either from "effect/Either"
import type * as Schema from "effect/Schema"
import * as annotations from "./internal/crd/annotations.js"
import * as definition from "./internal/crd/definition.js"
import { fieldSchema } from "./internal/crd/schema.js"
import type {
  CustomResourceDefinition,
  Format,
  Issue,
  JSONSchemaProps,
  ListType,
  MapType,
  PrinterColumn,
  ValidationRule
} from "./internal/crd/types.js"

export type {
  CustomResourceConversion,
  CustomResourceDefinition,
  CustomResourceDefinitionNames,
  CustomResourceDefinitionVersion,
  Format,
  Issue,
  Json,
  JSONSchemaProps,
  ListType,
  MapType,
  OpenApiType,
  PrinterColumn,
  PrinterColumnType,
  ScaleSubresource,
  ValidationReason,
  ValidationRule,
  WebhookClientConfig
} from "./internal/crd/types.js"

// ---------------------------------------------------------------------------------------------
// errors

/**
 * The kind cannot become a CRD. `issues` lists every offending field (or definition part) and
 * why; `message` says the same in one string.
 *
 * @example
 * Either.match(Crd.make(Website), { onLeft: (e) => e.issues.map((i) => `${i.field}: ${i.reason}`), onRight: () => [] })
 * @since 0.1.0
 */
export class CrdGenerationError extends Data.TaggedError("CrdGenerationError")<{
  readonly message: string
  /** The kind (empty when there was none). */
  readonly kind: string
  readonly issues: ReadonlyArray<Issue>
}> {}

const generationError = (kind: string, issues: ReadonlyArray<Issue>): CrdGenerationError => {
  const lines = issues.map((i) => `${i.version === undefined ? "" : `${i.version}: `}${i.field}: ${i.reason}`)
  const subject = kind === "" ? "the Schema" : kind
  return new CrdGenerationError({
    message: `${subject} cannot be expressed as a CRD:\n  ${lines.join("\n  ")}`,
    kind,
    issues
  })
}

// ---------------------------------------------------------------------------------------------
// annotations

/**
 * Annotation id of `x-kubernetes-validations` (CEL rules). Prefer {@link validations}.
 *
 * @since 0.1.0
 */
export const ValidationsId: typeof annotations.ValidationsId = annotations.ValidationsId
/**
 * Annotation id of `x-kubernetes-list-type`. Prefer {@link listType}.
 *
 * @since 0.1.0
 */
export const ListTypeId: typeof annotations.ListTypeId = annotations.ListTypeId
/**
 * Annotation id of `x-kubernetes-list-map-keys`. Prefer {@link listMapKeys}.
 *
 * @since 0.1.0
 */
export const ListMapKeysId: typeof annotations.ListMapKeysId = annotations.ListMapKeysId
/**
 * Annotation id of `x-kubernetes-map-type`. Prefer {@link mapType}.
 *
 * @since 0.1.0
 */
export const MapTypeId: typeof annotations.MapTypeId = annotations.MapTypeId
/**
 * Annotation id of `x-kubernetes-embedded-resource`. Prefer {@link embeddedResource}.
 *
 * @since 0.1.0
 */
export const EmbeddedResourceId: typeof annotations.EmbeddedResourceId = annotations.EmbeddedResourceId
/**
 * Annotation id of `x-kubernetes-preserve-unknown-fields`. Prefer {@link preserveUnknownFields}.
 *
 * @since 0.1.0
 */
export const PreserveUnknownFieldsId: typeof annotations.PreserveUnknownFieldsId = annotations.PreserveUnknownFieldsId
/**
 * Annotation id of the OpenAPI `format`. Prefer {@link format}.
 *
 * @since 0.1.0
 */
export const FormatId: typeof annotations.FormatId = annotations.FormatId

/**
 * CEL validation rules (`x-kubernetes-validations`) for the annotated field; `self` is its
 * value. Rules on nested wrappers of one field accumulate. A CEL rule on a custom
 * `Schema.filter` also tells the generator the filter is expressed on the server.
 *
 * Caveat: the apiserver rejects rules whose estimated cost is too high; bound the lists and
 * strings a rule iterates (`maxItems`, `maxLength`).
 *
 * @example
 * const Spec = Schema.Struct({ min: Schema.Int, max: Schema.Int }).annotations(
 *   Crd.validations([{ rule: "self.min <= self.max", message: "min must not exceed max" }])
 * )
 * @since 0.1.0
 */
export const validations = (
  rules: ReadonlyArray<ValidationRule>
): { readonly [ValidationsId]: ReadonlyArray<ValidationRule> } => ({
  [ValidationsId]: rules
})

/**
 * `x-kubernetes-list-type`: how server-side apply merges the list — `atomic` (replaced whole),
 * `set` (scalar items, unique) or `map` (items keyed by {@link listMapKeys}).
 *
 * @example
 * const Ports = Schema.Array(Port).annotations({ ...Crd.listType("map"), ...Crd.listMapKeys(["name"]) })
 * @since 0.1.0
 */
export const listType = (type: ListType): { readonly [ListTypeId]: ListType } => ({ [ListTypeId]: type })

/**
 * `x-kubernetes-list-map-keys`: the item fields that identify an item of a `map` list. Each key
 * must be a scalar field that is required or has a default.
 *
 * @example
 * const Ports = Schema.Array(Port).annotations({ ...Crd.listType("map"), ...Crd.listMapKeys(["name"]) })
 * @since 0.1.0
 */
export const listMapKeys = (keys: ReadonlyArray<string>): { readonly [ListMapKeysId]: ReadonlyArray<string> } => ({
  [ListMapKeysId]: keys
})

/**
 * `x-kubernetes-map-type`: `atomic` makes server-side apply replace the object whole.
 *
 * @example
 * const Selector = Schema.Record({ key: Schema.String, value: Schema.String }).annotations(Crd.mapType("atomic"))
 * @since 0.1.0
 */
export const mapType = (type: MapType): { readonly [MapTypeId]: MapType } => ({ [MapTypeId]: type })

/**
 * `x-kubernetes-embedded-resource`: the field is a whole Kubernetes object (apiVersion, kind,
 * metadata validated by the apiserver). On a `Schema.Unknown` field it means "any object".
 *
 * @example
 * const Spec = Schema.Struct({ template: Schema.Unknown.annotations(Crd.embeddedResource()) })
 * @since 0.1.0
 */
export const embeddedResource = (): { readonly [EmbeddedResourceId]: true } => ({ [EmbeddedResourceId]: true })

/**
 * `x-kubernetes-preserve-unknown-fields`: the apiserver keeps fields of this object that the
 * schema does not name instead of pruning them (`Schema.Unknown` fields get it implicitly).
 *
 * @example
 * const Values = Schema.Struct({ replicas: Schema.optional(Schema.Int) }).annotations(Crd.preserveUnknownFields())
 * @since 0.1.0
 */
export const preserveUnknownFields = (): { readonly [PreserveUnknownFieldsId]: true } => ({
  [PreserveUnknownFieldsId]: true
})

/**
 * The OpenAPI `format` the apiserver checks (`date-time`, `uri`, `int64`, …). Caveat: it adds
 * a server-side check; the Schema should check the same (e.g. `Schema.DateTimeUtc`).
 *
 * @example
 * const Spec = Schema.Struct({ notAfter: Schema.String.annotations(Crd.format("date-time")) })
 * @since 0.1.0
 */
export const format = (value: Format): { readonly [FormatId]: Format } => ({ [FormatId]: value })

/**
 * An `additionalPrinterColumns` entry (for `Crd.make`'s `printerColumns`). `jsonPath` is
 * checked against the kind's schema, so a typo is an error rather than a `<none>` column.
 *
 * @example
 * Crd.printerColumn({ name: "Ready", type: "integer", jsonPath: ".status.readyReplicas" })
 * @since 0.1.0
 */
export const printerColumn = (column: PrinterColumn): PrinterColumn => column

// ---------------------------------------------------------------------------------------------
// generation

/**
 * A kind as `Crd.make` reads it: any `Resource` (typed by its Schema) fits.
 *
 * @since 0.1.0
 */
export type Source = definition.Source

/**
 * One version of a multi-version CRD: its kind, whether it is served (default `true`) and
 * whether it is the storage version (exactly one is).
 *
 * @since 0.1.0
 */
export type Version = definition.VersionInput

/**
 * CRD-wide options: printer columns (versions may override), conversion (`{ strategy: "None" }`
 * or a webhook with exactly one of `service`/`url`), and CRD metadata labels/annotations.
 *
 * @since 0.1.0
 */
export type Options = definition.Options

/**
 * Generates the CRD of a kind, or of several versions of one kind. The result is plain JSON
 * (`apiextensions.k8s.io/v1`), deterministic, ready to apply or print as YAML.
 *
 * Guarantees: the schema is structural and follows the encoded (wire) side of the kind's
 * Schema; every Schema construct is either expressed or reported — an error lists every
 * offending field with the reason; versions must agree on group, names and scope and have
 * exactly one storage version; printer column, selectable field and scale paths must name
 * fields of the kind.
 *
 * @example
 * const crd = Crd.make(Website, { printerColumns: [Crd.printerColumn({ name: "Image", type: "string", jsonPath: ".spec.image" })] })
 * const both = Crd.make([{ resource: WebsiteV1, served: true, storage: false }, { resource: WebsiteV2, storage: true }])
 * @since 0.1.0
 */
export const make = (
  resource: Source | ReadonlyArray<Version>,
  options: Options = {}
): Either.Either<CustomResourceDefinition, CrdGenerationError> => {
  const result = definition.make(resource, options)
  return result.crd !== undefined && result.issues.length === 0
    ? Either.right(result.crd)
    : Either.left(generationError(result.kind, result.issues))
}

/**
 * The structural OpenAPI v3 schema of one Schema (a field type, not a whole kind), with the
 * same rules as {@link make}: useful to check a shared type or to embed it elsewhere.
 *
 * @example
 * Crd.openAPIV3Schema(Schema.Int.pipe(Schema.between(1, 10))) // Right({ type: "integer", minimum: 1, maximum: 10 })
 * @since 0.1.0
 */
export const openAPIV3Schema = <A, I, R>(
  schema: Schema.Schema<A, I, R>
): Either.Either<JSONSchemaProps, CrdGenerationError> => {
  const result = fieldSchema(schema.ast)
  return result.schema !== undefined && result.issues.length === 0
    ? Either.right(result.schema)
    : Either.left(generationError("", result.issues))
}
