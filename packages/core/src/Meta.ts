/**
 * Kubernetes object metadata: the schemas every kind shares (ObjectMeta, OwnerReference,
 * ListMeta, Condition, Status) and {@link KubeObject}, the untyped shape the hot path uses.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * `metadata.ownerReferences[]`.
 *
 * @example
 * const ref: OwnerReference = { apiVersion: "v1", kind: "ConfigMap", name: "a", uid: "u-1", controller: true }
 * @since 0.1.0
 */
export const OwnerReference = Schema.Struct({
  apiVersion: Schema.String,
  kind: Schema.String,
  name: Schema.String,
  uid: Schema.String,
  controller: Schema.optional(Schema.Boolean),
  blockOwnerDeletion: Schema.optional(Schema.Boolean)
})
/** @since 0.1.0 */
export type OwnerReference = typeof OwnerReference.Type

/**
 * `metadata.managedFields[]` (server-side apply bookkeeping). `fieldsV1` is kept opaque.
 *
 * @since 0.1.0
 */
export const ManagedFieldsEntry = Schema.Struct({
  manager: Schema.optional(Schema.String),
  operation: Schema.optional(Schema.String),
  apiVersion: Schema.optional(Schema.String),
  time: Schema.optional(Schema.String),
  fieldsType: Schema.optional(Schema.String),
  fieldsV1: Schema.optional(Schema.Unknown),
  subresource: Schema.optional(Schema.String)
})
/** @since 0.1.0 */
export type ManagedFieldsEntry = typeof ManagedFieldsEntry.Type

const StringMap = Schema.Record({ key: Schema.String, value: Schema.String })

/**
 * `metadata` of every persisted object. All fields are optional on the wire (a create may omit
 * `name` when `generateName` is set); timestamps stay RFC 3339 strings — no Date allocation per
 * event.
 *
 * @example
 * const meta: ObjectMeta = { name: "web", namespace: "default", labels: { app: "web" } }
 * @since 0.1.0
 */
export const ObjectMeta = Schema.Struct({
  name: Schema.optional(Schema.String),
  generateName: Schema.optional(Schema.String),
  namespace: Schema.optional(Schema.String),
  uid: Schema.optional(Schema.String),
  resourceVersion: Schema.optional(Schema.String),
  generation: Schema.optional(Schema.Number),
  creationTimestamp: Schema.optional(Schema.String),
  deletionTimestamp: Schema.optional(Schema.String),
  deletionGracePeriodSeconds: Schema.optional(Schema.Number),
  labels: Schema.optional(StringMap),
  annotations: Schema.optional(StringMap),
  ownerReferences: Schema.optional(Schema.Array(OwnerReference)),
  finalizers: Schema.optional(Schema.Array(Schema.String)),
  managedFields: Schema.optional(Schema.Array(ManagedFieldsEntry))
})
/** @since 0.1.0 */
export type ObjectMeta = typeof ObjectMeta.Type

/**
 * `metadata` of a list response: the snapshot's resourceVersion and the continue token.
 *
 * @since 0.1.0
 */
export const ListMeta = Schema.Struct({
  resourceVersion: Schema.optional(Schema.String),
  continue: Schema.optional(Schema.String),
  remainingItemCount: Schema.optional(Schema.Number),
  selfLink: Schema.optional(Schema.String)
})
/** @since 0.1.0 */
export type ListMeta = typeof ListMeta.Type

/**
 * A `metav1.Condition` (`status.conditions[]`).
 *
 * @example
 * const ready: Condition = { type: "Ready", status: "True", reason: "Reconciled", message: "", lastTransitionTime: "2026-01-01T00:00:00Z" }
 * @since 0.1.0
 */
export const Condition = Schema.Struct({
  type: Schema.String,
  status: Schema.Literal("True", "False", "Unknown"),
  reason: Schema.String,
  message: Schema.String,
  lastTransitionTime: Schema.String,
  observedGeneration: Schema.optional(Schema.Number)
})
/** @since 0.1.0 */
export type Condition = typeof Condition.Type

/**
 * One cause in `Status.details.causes` (for Invalid: the offending field).
 *
 * @since 0.1.0
 */
export const StatusCause = Schema.Struct({
  reason: Schema.optional(Schema.String),
  message: Schema.optional(Schema.String),
  field: Schema.optional(Schema.String)
})
/** @since 0.1.0 */
export type StatusCause = typeof StatusCause.Type

/**
 * The `Status` object the apiserver returns for failures (and some deletes).
 *
 * @example
 * const s: Status = { kind: "Status", apiVersion: "v1", status: "Failure", reason: "NotFound", code: 404, message: "configmaps \"x\" not found" }
 * @since 0.1.0
 */
export const Status = Schema.Struct({
  kind: Schema.optional(Schema.String),
  apiVersion: Schema.optional(Schema.String),
  metadata: Schema.optional(ListMeta),
  status: Schema.optional(Schema.String),
  message: Schema.optional(Schema.String),
  reason: Schema.optional(Schema.String),
  code: Schema.optional(Schema.Number),
  details: Schema.optional(
    Schema.Struct({
      name: Schema.optional(Schema.String),
      group: Schema.optional(Schema.String),
      kind: Schema.optional(Schema.String),
      uid: Schema.optional(Schema.String),
      causes: Schema.optional(Schema.Array(StatusCause)),
      retryAfterSeconds: Schema.optional(Schema.Number)
    })
  )
})
/** @since 0.1.0 */
export type Status = typeof Status.Type

/**
 * The untyped shape of any Kubernetes object: `metadata` typed, everything else `unknown`.
 * This is what flows through the reflector, store and informers — no Schema decode per event;
 * typed decode happens at the controller boundary.
 *
 * @example
 * const cm: KubeObject = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", namespace: "default" }, data: { k: "v" } }
 * @since 0.1.0
 */
export interface KubeObject {
  readonly apiVersion?: string
  readonly kind?: string
  readonly metadata: ObjectMeta
  readonly [field: string]: unknown
}

/**
 * `PartialObjectMetadata` — what metadata-only lists and watches return.
 *
 * @since 0.1.0
 */
export interface PartialObjectMetadata {
  readonly apiVersion?: string
  readonly kind?: string
  readonly metadata: ObjectMeta
}

const isRecord = (u: unknown): u is { readonly [k: string]: unknown } =>
  typeof u === "object" && u !== null && !Array.isArray(u)

/**
 * A cheap structural check (not a decode): an object whose `metadata` is an object. Used on the
 * hot path where a full Schema decode per event would cost more than the JSON parse.
 *
 * @example
 * isKubeObject(JSON.parse('{"metadata":{"name":"a"}}')) // true
 * @since 0.1.0
 */
export const isKubeObject = (u: unknown): u is KubeObject => isRecord(u) && isRecord(u.metadata)

/**
 * Whether a value is a plain JSON object (not null, not an array).
 *
 * @since 0.1.0
 */
export const isPlainObject = isRecord
