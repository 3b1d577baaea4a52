/**
 * `admission.k8s.io/v1 AdmissionReview`: the request the apiserver sends to an admission webhook
 * and the response it expects back, as Schemas.
 *
 * The objects inside a request (`object`, `oldObject`, `options`) stay `unknown` here: the
 * review is decoded once per call, and the object is decoded with its kind's Schema by the
 * webhook that handles it.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { Status } from "@effect-kube/core/Meta"

/**
 * The `apiVersion` of the only AdmissionReview version served (`admissionReviewVersions: ["v1"]`).
 *
 * @since 0.1.0
 */
export const apiVersion = "admission.k8s.io/v1"

/**
 * `metav1.GroupVersionKind` as it appears in a review (`group` is `""` for the core group).
 *
 * @example
 * const pod: GroupVersionKind = { group: "", version: "v1", kind: "Pod" }
 * @since 0.1.0
 */
export const GroupVersionKind = Schema.Struct({
  group: Schema.String,
  version: Schema.String,
  kind: Schema.String
})
/** @since 0.1.0 */
export type GroupVersionKind = typeof GroupVersionKind.Type

/**
 * `metav1.GroupVersionResource` as it appears in a review.
 *
 * @example
 * const pods: GroupVersionResource = { group: "", version: "v1", resource: "pods" }
 * @since 0.1.0
 */
export const GroupVersionResource = Schema.Struct({
  group: Schema.String,
  version: Schema.String,
  resource: Schema.String
})
/** @since 0.1.0 */
export type GroupVersionResource = typeof GroupVersionResource.Type

/**
 * The operation being admitted.
 *
 * @example
 * const op: Operation = "CREATE"
 * @since 0.1.0
 */
export const Operation = Schema.Literal("CREATE", "UPDATE", "DELETE", "CONNECT")
/** @since 0.1.0 */
export type Operation = typeof Operation.Type

/**
 * `authenticationv1.UserInfo` of the requesting user.
 *
 * @example
 * const user: UserInfo = { username: "alice", groups: ["system:authenticated"] }
 * @since 0.1.0
 */
export const UserInfo = Schema.Struct({
  username: Schema.optional(Schema.String),
  uid: Schema.optional(Schema.String),
  groups: Schema.optional(Schema.NullOr(Schema.Array(Schema.String))),
  extra: Schema.optional(Schema.NullOr(Schema.Record({ key: Schema.String, value: Schema.Array(Schema.String) })))
})
/** @since 0.1.0 */
export type UserInfo = typeof UserInfo.Type

/**
 * `AdmissionRequest`. `uid` must be non-empty: the response echoes it and the apiserver rejects
 * a response whose uid differs.
 *
 * @example
 * const request: AdmissionRequest = {
 *   uid: "705ab4f5", kind: { group: "", version: "v1", kind: "ConfigMap" },
 *   resource: { group: "", version: "v1", resource: "configmaps" },
 *   operation: "CREATE", userInfo: { username: "alice" }, object: { metadata: { name: "a" } }
 * }
 * @since 0.1.0
 */
export const AdmissionRequest = Schema.Struct({
  uid: Schema.NonEmptyString,
  kind: GroupVersionKind,
  resource: GroupVersionResource,
  subResource: Schema.optional(Schema.String),
  requestKind: Schema.optional(Schema.NullOr(GroupVersionKind)),
  requestResource: Schema.optional(Schema.NullOr(GroupVersionResource)),
  requestSubResource: Schema.optional(Schema.String),
  name: Schema.optional(Schema.String),
  namespace: Schema.optional(Schema.String),
  operation: Operation,
  userInfo: UserInfo,
  object: Schema.optional(Schema.Unknown),
  oldObject: Schema.optional(Schema.Unknown),
  dryRun: Schema.optional(Schema.NullOr(Schema.Boolean)),
  options: Schema.optional(Schema.Unknown)
})
/** @since 0.1.0 */
export type AdmissionRequest = typeof AdmissionRequest.Type

/**
 * `AdmissionResponse`. `patch` is the base64 of a JSON array of RFC 6902 operations and comes
 * with `patchType: "JSONPatch"`; `status` explains a denial.
 *
 * @example
 * const response: AdmissionResponse = { uid: "705ab4f5", allowed: false, status: { code: 403, reason: "Forbidden", message: "no" } }
 * @since 0.1.0
 */
export const AdmissionResponse = Schema.Struct({
  uid: Schema.String,
  allowed: Schema.Boolean,
  status: Schema.optional(Status),
  patch: Schema.optional(Schema.String),
  patchType: Schema.optional(Schema.Literal("JSONPatch")),
  warnings: Schema.optional(Schema.Array(Schema.String)),
  auditAnnotations: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String }))
})
/** @since 0.1.0 */
export type AdmissionResponse = typeof AdmissionResponse.Type

/**
 * The review envelope. A request carries `request`; our answer carries `response`.
 *
 * @example
 * const decoded = Schema.decodeUnknownEither(AdmissionReview)(JSON.parse(body))
 * @since 0.1.0
 */
export const AdmissionReview = Schema.Struct({
  apiVersion: Schema.Literal(apiVersion),
  kind: Schema.Literal("AdmissionReview"),
  request: Schema.optional(AdmissionRequest),
  response: Schema.optional(AdmissionResponse)
})
/** @since 0.1.0 */
export type AdmissionReview = typeof AdmissionReview.Type

/**
 * A review as the apiserver sends it: only `request` is read. Anything else, such as an empty
 * `response` placeholder, is ignored rather than validated.
 *
 * @example
 * const decoded = Schema.decodeUnknownEither(AdmissionReviewRequest)(JSON.parse(body))
 * @since 0.1.0
 */
export const AdmissionReviewRequest = Schema.Struct({
  apiVersion: Schema.Literal(apiVersion),
  kind: Schema.Literal("AdmissionReview"),
  request: Schema.optional(AdmissionRequest)
})
/** @since 0.1.0 */
export type AdmissionReviewRequest = typeof AdmissionReviewRequest.Type

/**
 * A review that answers `request` with `response`.
 *
 * @example
 * const body = AdmissionReview.respond({ uid: request.uid, allowed: true })
 * @since 0.1.0
 */
export const respond = (response: AdmissionResponse): AdmissionReview => ({
  apiVersion,
  kind: "AdmissionReview",
  response
})
