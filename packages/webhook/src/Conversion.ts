/**
 * CRD conversion webhooks, hub and spoke (controller-runtime's model): one version of a kind is
 * the hub, every other version (a spoke) converts to and from it. Converting between two spokes
 * goes through the hub, so n versions need 2(n-1) functions, not n².
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import type { KubeObject } from "@effect-kube/core/Meta"
import { isPlainObject } from "@effect-kube/core/Meta"
import type * as Resource from "@effect-kube/core/Resource"
import type { ConversionRequest, ConversionResponse } from "./ConversionReview.js"
import { apiVersion, type ConversionReview, ConversionReviewRequest, respond } from "./ConversionReview.js"
import * as InternalStatus from "./internal/status.js"

/**
 * Why one object could not be converted; the apiserver shows `message` to the client.
 *
 * @example
 * toHub: (v1) => v1.spec.size > 0 ? Effect.succeed(up(v1)) : Effect.fail(new ConversionFailure({ message: "size must be positive" }))
 * @since 0.1.0
 */
export class ConversionFailure extends Data.TaggedError("ConversionFailure")<{
  readonly message: string
  readonly cause?: unknown
}> {}

/**
 * One non-hub version of a kind with its conversions to and from the hub type `H`. The
 * version's own type is hidden once built, so spokes of different types sit in one list.
 *
 * @example
 * const spokes: ReadonlyArray<Conversion.Spoke<WebsiteV2>> = [Conversion.spoke(WebsiteV1, { toHub, fromHub })]
 * @since 0.1.0
 */
export interface Spoke<H, R = never> {
  readonly _tag: "Spoke"
  readonly resource: Resource.Any
  /** Decodes an object of this version and converts it to the hub type. */
  readonly toHub: (object: unknown) => Effect.Effect<H, ConversionFailure, R>
  /** Converts a hub value to this version and encodes it. */
  readonly fromHub: (hub: H) => Effect.Effect<unknown, ConversionFailure, R>
}

const describe = (error: unknown): string =>
  typeof error === "object" && error !== null && "message" in error && typeof error.message === "string"
    ? error.message
    : String(error)

const failWith = (message: string) => (error: unknown) =>
  new ConversionFailure({ message: `${message}: ${describe(error)}`, cause: error })

/**
 * A spoke version: its Resource (same group and kind as the hub, another version) and the two
 * conversions. Objects are decoded with the spoke's Schema before `toHub` and encoded with it
 * after `fromHub`.
 *
 * @example
 * const v1 = Conversion.spoke(WebsiteV1, {
 *   toHub: (old) => Effect.succeed({ ...old, apiVersion: "example.com/v2", spec: { ...old.spec, replicas: old.spec.size } }),
 *   fromHub: (hub) => Effect.succeed({ ...hub, apiVersion: "example.com/v1", spec: { image: hub.spec.image, size: hub.spec.replicas } })
 * })
 * @since 0.1.0
 */
export const spoke = <S extends KubeObject, SI, H, E = never, R = never>(
  resource: Resource.Resource<S, SI>,
  conversions: {
    readonly toHub: (object: S) => Effect.Effect<H, E, R>
    readonly fromHub: (hub: H) => Effect.Effect<S, E, R>
  }
): Spoke<H, R> => ({
  _tag: "Spoke",
  resource,
  toHub: (object) =>
    Either.match(resource.decode(object), {
      onLeft: (error) => Effect.fail(new ConversionFailure({ message: error.message, cause: error })),
      onRight: (decoded) =>
        Effect.mapError(conversions.toHub(decoded), failWith(`converting ${resource.apiVersion} to the hub`))
    }),
  fromHub: (hub) =>
    Effect.flatMap(
      Effect.mapError(conversions.fromHub(hub), failWith(`converting the hub to ${resource.apiVersion}`)),
      (converted) =>
        Either.match(resource.encode(converted), {
          onLeft: (error) => Effect.fail(new ConversionFailure({ message: error.message, cause: error })),
          onRight: Effect.succeed
        })
    )
})

/**
 * A conversion webhook for one kind: every version it converts between, and the conversion of
 * one object. Several kinds share one path (`/convert`); the server dispatches by group and kind.
 *
 * @example
 * const websites: Conversion.Webhook = Conversion.hub(WebsiteV2, [Conversion.spoke(WebsiteV1, { toHub, fromHub })])
 * websites.versions // ["v2", "v1"]
 * @since 0.1.0
 */
export interface Webhook<R = never> {
  readonly _tag: "ConversionWebhook"
  readonly path: string
  readonly group: string
  readonly kind: string
  /** The hub (stored, usually) version. */
  readonly hubVersion: string
  /** Every version this webhook converts between: the hub first, then the spokes. */
  readonly versions: ReadonlyArray<string>
  /** The Resource of every version, the hub first (what a CRD generator lists as `spec.versions`). */
  readonly resources: ReadonlyArray<Resource.Any>
  /**
   * Converts one object to `desiredAPIVersion`. `apiVersion` is set to the desired one, and
   * `metadata` is the original's except `labels` and `annotations` (the only metadata a
   * conversion may change; the apiserver rejects anything else).
   */
  readonly convert: (object: unknown, desiredAPIVersion: string) => Effect.Effect<unknown, ConversionFailure, R>
}

/**
 * Any conversion webhook, whatever its functions need.
 *
 * @example
 * const all: ReadonlyArray<Conversion.Any> = [websites, databases]
 * @since 0.1.0
 */
export type Any = Webhook<unknown>

/**
 * The default conversion path (controller-runtime's).
 *
 * @example
 * Conversion.defaultPath // "/convert"
 * @since 0.1.0
 */
export const defaultPath = "/convert"

const versionOf = (group: string, apiVersion: string): string | undefined => {
  const slash = apiVersion.indexOf("/")
  if (slash < 0) return group === "" ? apiVersion : undefined
  return apiVersion.slice(0, slash) === group ? apiVersion.slice(slash + 1) : undefined
}

const groupOf = (apiVersion: string): string => {
  const slash = apiVersion.indexOf("/")
  return slash < 0 ? "" : apiVersion.slice(0, slash)
}

/** The original metadata with the converted labels and annotations. */
const mergeMetadata = (original: { readonly [key: string]: unknown }, converted: unknown) => {
  const out: { [key: string]: unknown } = { ...original }
  const source = isPlainObject(converted) ? converted : {}
  for (const key of ["labels", "annotations"]) {
    if (source[key] === undefined) delete out[key]
    else out[key] = source[key]
  }
  return out
}

/**
 * The conversion webhook of a kind from its hub version and its spokes.
 *
 * Guarantees: converting to the version an object already has returns it unchanged; any
 * failure (an object of an unknown version, a decode failure, a conversion's typed error) is a
 * {@link ConversionFailure} naming the object.
 *
 * @example
 * const websites = Conversion.hub(WebsiteV2, [Conversion.spoke(WebsiteV1, { toHub, fromHub })])
 * const server = WebhookServer.layer({ webhooks: [websites] })
 * @since 0.1.0
 */
export const hub = <H extends KubeObject, HI, R = never>(
  hubResource: Resource.Resource<H, HI>,
  spokes: ReadonlyArray<Spoke<H, R>>,
  options: { readonly path?: string } = {}
): Webhook<R> => {
  const { group, kind } = hubResource
  const byVersion = new Map<string, Spoke<H, R>>()
  for (const s of spokes) byVersion.set(s.resource.version, s)
  const known = [hubResource.version, ...byVersion.keys()]
  const unknownVersion = (apiVersion: string) =>
    new ConversionFailure({
      message: `${kind}: cannot convert ${apiVersion}; this webhook converts ${known.map((v) => `${group}/${v}`).join(", ")}`
    })

  const toHub = (
    object: { readonly [key: string]: unknown },
    version: string
  ): Effect.Effect<H, ConversionFailure, R> => {
    if (version === hubResource.version) {
      return Either.match(hubResource.decode(object), {
        onLeft: (error) => Effect.fail(new ConversionFailure({ message: error.message, cause: error })),
        onRight: Effect.succeed
      })
    }
    const s = byVersion.get(version)
    return s === undefined ? Effect.fail(unknownVersion(`${group}/${version}`)) : s.toHub(object)
  }

  const fromHub = (value: H, version: string): Effect.Effect<unknown, ConversionFailure, R> => {
    if (version === hubResource.version) {
      return Either.match(hubResource.encode(value), {
        onLeft: (error) => Effect.fail(new ConversionFailure({ message: error.message, cause: error })),
        onRight: Effect.succeed
      })
    }
    const s = byVersion.get(version)
    return s === undefined ? Effect.fail(unknownVersion(`${group}/${version}`)) : s.fromHub(value)
  }

  return {
    _tag: "ConversionWebhook",
    path: options.path ?? defaultPath,
    group,
    kind,
    hubVersion: hubResource.version,
    versions: known,
    resources: [hubResource, ...spokes.map((s) => s.resource)],
    convert: (object, desiredAPIVersion) =>
      Effect.gen(function* () {
        if (!isPlainObject(object) || !isPlainObject(object.metadata) || typeof object.apiVersion !== "string") {
          return yield* new ConversionFailure({ message: `${kind}: expected an object with apiVersion and metadata` })
        }
        if (object.apiVersion === desiredAPIVersion) return object
        const from = versionOf(group, object.apiVersion)
        if (from === undefined) return yield* unknownVersion(object.apiVersion)
        const to = versionOf(group, desiredAPIVersion)
        if (to === undefined) return yield* unknownVersion(desiredAPIVersion)
        const converted = yield* Effect.flatMap(toHub(object, from), (h) => fromHub(h, to))
        if (!isPlainObject(converted)) {
          return yield* new ConversionFailure({ message: `${kind}: the conversion did not produce an object` })
        }
        return {
          ...converted,
          apiVersion: desiredAPIVersion,
          kind: object.kind ?? kind,
          metadata: mergeMetadata(object.metadata, converted.metadata)
        }
      })
  }
}

// ---------------------------------------------------------------------------------------------
// Reviews

/**
 * What the server answers to one conversion call: the HTTP status and the review body.
 *
 * @example
 * const reply = yield* Conversion.handleReview([websites], body) // { status: 200, body: { response: { … } } }
 * @since 0.1.0
 */
export interface Reply {
  readonly status: number
  readonly body: ConversionReview
}

const decodeReview = Schema.decodeUnknownEither(ConversionReviewRequest, { errors: "all", onExcessProperty: "ignore" })

const failureResponse = (uid: string, code: number, message: string): ConversionResponse => ({
  uid,
  convertedObjects: [],
  result: InternalStatus.failure(code, code >= 500 ? "InternalError" : "BadRequest", message)
})

const uidHint = (body: unknown): string =>
  isPlainObject(body) && isPlainObject(body.request) && typeof body.request.uid === "string" ? body.request.uid : ""

const kindOf = (object: unknown): { readonly group: string; readonly kind: string } | undefined =>
  isPlainObject(object) && typeof object.apiVersion === "string" && typeof object.kind === "string"
    ? { group: groupOf(object.apiVersion), kind: object.kind }
    : undefined

/**
 * Converts every object of a request with the webhook registered for its group and kind. All
 * or nothing: the first failure answers `result.status: "Failure"` with no objects (the
 * apiserver needs every object converted). Conversions are pure, so they get a deadline of
 * 30 s (the apiserver's own) and a defect answers a failure, never a crash.
 *
 * @example
 * const response = yield* Conversion.review([websites], request)
 * @since 0.1.0
 */
export const review = <R>(
  webhooks: ReadonlyArray<Webhook<R>>,
  request: ConversionRequest
): Effect.Effect<ConversionResponse, never, R> =>
  Effect.forEach(request.objects, (object, index) => {
    const k = kindOf(object)
    const webhook = k && webhooks.find((w) => w.group === k.group && w.kind === k.kind)
    if (webhook === undefined) {
      return Effect.fail(
        new ConversionFailure({
          message: k
            ? `no conversion registered for ${k.kind}${k.group === "" ? "" : `.${k.group}`}`
            : `objects[${index}] has no apiVersion and kind`
        })
      )
    }
    return webhook.convert(object, request.desiredAPIVersion)
  }).pipe(
    Effect.timeoutOption(Duration.seconds(30)),
    Effect.exit,
    Effect.flatMap(
      (exit): Effect.Effect<ConversionResponse> =>
        Exit.match(exit, {
          onSuccess: Option.match({
            onNone: () => Effect.succeed(failureResponse(request.uid, 500, "the conversion did not finish within 30s")),
            onSome: (convertedObjects) =>
              Effect.succeed({ uid: request.uid, convertedObjects, result: { status: "Success" } })
          }),
          onFailure: (cause) =>
            Option.match(Cause.failureOption(cause), {
              onSome: (failure) => Effect.succeed(failureResponse(request.uid, 400, failure.message)),
              onNone: () =>
                Effect.as(
                  Effect.logError("conversion failed unexpectedly", cause),
                  failureResponse(request.uid, 500, InternalStatus.fromCause(cause).message ?? "internal error")
                )
            })
        })
    )
  )

/**
 * Answers one parsed ConversionReview body: what the HTTP server does per call, usable directly
 * in tests. A body that is not an `apiextensions.k8s.io/v1` ConversionReview with a request is
 * answered with 400 and a failed result; everything else with 200.
 *
 * @example
 * const reply = yield* Conversion.handleReview([websites], JSON.parse(body))
 * @since 0.1.0
 */
export const handleReview = <R>(webhooks: ReadonlyArray<Webhook<R>>, body: unknown): Effect.Effect<Reply, never, R> => {
  const decoded = decodeReview(body)
  if (Either.isLeft(decoded)) {
    const issues = ParseResult.ArrayFormatter.formatErrorSync(decoded.left)
      .slice(0, 5)
      .map((i) => (i.path.length === 0 ? i.message : `${i.path.map(String).join(".")}: ${i.message}`))
    return Effect.succeed({
      status: 400,
      body: respond(failureResponse(uidHint(body), 400, `not an ${apiVersion} ConversionReview: ${issues.join("; ")}`))
    })
  }
  const request = decoded.right.request
  if (request === undefined) {
    return Effect.succeed({
      status: 400,
      body: respond(failureResponse(uidHint(body), 400, "the ConversionReview has no request"))
    })
  }
  return Effect.map(review(webhooks, request), (response) => ({ status: 200, body: respond(response) }))
}
