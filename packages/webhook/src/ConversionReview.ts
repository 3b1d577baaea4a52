/**
 * `apiextensions.k8s.io/v1 ConversionReview`: what the apiserver sends to a CRD conversion
 * webhook and the answer it expects, as Schemas.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { Status } from "@effect-kube/core/Meta"

/**
 * The `apiVersion` of the only ConversionReview version served (`conversionReviewVersions: ["v1"]`).
 *
 * @since 0.1.0
 */
export const apiVersion = "apiextensions.k8s.io/v1"

/**
 * `ConversionRequest`: convert every object in `objects` to `desiredAPIVersion`.
 *
 * @example
 * const request: ConversionRequest = { uid: "u-1", desiredAPIVersion: "example.com/v2", objects: [website] }
 * @since 0.1.0
 */
export const ConversionRequest = Schema.Struct({
  uid: Schema.NonEmptyString,
  desiredAPIVersion: Schema.NonEmptyString,
  objects: Schema.Array(Schema.Unknown)
})
/** @since 0.1.0 */
export type ConversionRequest = typeof ConversionRequest.Type

/**
 * `ConversionResponse`: all objects converted, in order (`result.status: "Success"`), or none
 * (`result.status: "Failure"` with a message).
 *
 * @example
 * const response: ConversionResponse = { uid: "u-1", convertedObjects: [], result: { status: "Failure", message: "no" } }
 * @since 0.1.0
 */
export const ConversionResponse = Schema.Struct({
  uid: Schema.String,
  convertedObjects: Schema.Array(Schema.Unknown),
  result: Status
})
/** @since 0.1.0 */
export type ConversionResponse = typeof ConversionResponse.Type

/**
 * The review envelope.
 *
 * @example
 * const decoded = Schema.decodeUnknownEither(ConversionReview)(JSON.parse(body))
 * @since 0.1.0
 */
export const ConversionReview = Schema.Struct({
  apiVersion: Schema.Literal(apiVersion),
  kind: Schema.Literal("ConversionReview"),
  request: Schema.optional(ConversionRequest),
  response: Schema.optional(ConversionResponse)
})
/** @since 0.1.0 */
export type ConversionReview = typeof ConversionReview.Type

/**
 * A review as the apiserver sends it: only `request` is read. The apiserver also sends an
 * empty `response` (`{"uid":"","convertedObjects":null,"result":{"metadata":{}}}`), which is
 * ignored rather than validated.
 *
 * @example
 * const decoded = Schema.decodeUnknownEither(ConversionReviewRequest)(JSON.parse(body))
 * @since 0.1.0
 */
export const ConversionReviewRequest = Schema.Struct({
  apiVersion: Schema.Literal(apiVersion),
  kind: Schema.Literal("ConversionReview"),
  request: Schema.optional(ConversionRequest)
})
/** @since 0.1.0 */
export type ConversionReviewRequest = typeof ConversionReviewRequest.Type

/**
 * A review carrying `response`.
 *
 * @example
 * const body = ConversionReview.respond({ uid, convertedObjects, result: { status: "Success" } })
 * @since 0.1.0
 */
export const respond = (response: ConversionResponse): ConversionReview => ({
  apiVersion,
  kind: "ConversionReview",
  response
})
