/**
 * Admission webhooks: validating handlers that allow or deny, mutating handlers that return the
 * changed object (the server answers with the RFC 6902 patch), and the two webhooks every kind
 * gets for free from its Schema — {@link defaulting} and {@link validatingFromSchema}.
 *
 * Handlers are plain Effects and must be idempotent: the apiserver may call a webhook more than
 * once for one write (retries, `reinvocationPolicy: IfNeeded`), and calls with `dryRun: true`
 * must not have side effects (see {@link unlessDryRun}).
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import type { Structured as LabelSelector } from "@effect-kube/core/LabelSelector"
import type { KubeObject, Status, StatusCause } from "@effect-kube/core/Meta"
import { isPlainObject } from "@effect-kube/core/Meta"
import type * as Resource from "@effect-kube/core/Resource"
import type { AdmissionRequest, AdmissionResponse, Operation, UserInfo } from "./AdmissionReview.js"
import { type AdmissionReview, AdmissionReviewRequest, apiVersion, respond } from "./AdmissionReview.js"
import { diff } from "./JsonPatchDiff.js"
import * as InternalStatus from "./internal/status.js"

/**
 * One admission call as a handler sees it: the object (and for updates the previous object)
 * decoded with the kind's Schema, plus who asks and whether it is a dry run.
 *
 * @example
 * const handler = (req: Admission.Request<Website>) =>
 *   Effect.succeed(req.userInfo.username === "admin" ? Admission.allowed() : Admission.denied("admins only"))
 * @since 0.1.0
 */
export interface Request<A> {
  readonly uid: string
  readonly operation: Operation
  /** The object's name; empty on a create with `generateName`. */
  readonly name: string | undefined
  readonly namespace: string | undefined
  /** The subresource written (`status`, `scale`), if any. */
  readonly subResource: string | undefined
  /** A dry run: the write will not be persisted, so the handler must not have side effects. */
  readonly dryRun: boolean
  readonly userInfo: UserInfo
  /** The new object: set on CREATE and UPDATE. Schema defaults are applied. */
  readonly object: A | undefined
  /**
   * The stored object: set on UPDATE and DELETE when it still matches the Schema. A Schema made
   * stricter after objects were stored must not make those objects impossible to fix or delete,
   * so an old object that no longer decodes is `undefined` here (the JSON is in `raw.oldObject`).
   */
  readonly oldObject: A | undefined
  /** The request as the apiserver sent it. */
  readonly raw: AdmissionRequest
}

/**
 * The answer of a validating handler.
 *
 * @example
 * const decide = (site: Website): Admission.Decision =>
 *   site.spec.replicas > 5 ? Admission.denied("at most 5 replicas") : Admission.allowed()
 * @since 0.1.0
 */
export type Decision = Allowed | Denied

/**
 * The request may proceed; `warnings` are shown to the client (kubectl prints them).
 *
 * @example
 * const ok: Admission.Allowed = { _tag: "Allowed", warnings: [], auditAnnotations: undefined }
 * @since 0.1.0
 */
export interface Allowed {
  readonly _tag: "Allowed"
  readonly warnings: ReadonlyArray<string>
  readonly auditAnnotations: { readonly [key: string]: string } | undefined
}

/**
 * The request is rejected with `status` (code, reason, message, field causes).
 *
 * @example
 * const no = Admission.denied("no") // { _tag: "Denied", status: { code: 403, reason: "Forbidden", … }, warnings: [] }
 * @since 0.1.0
 */
export interface Denied {
  readonly _tag: "Denied"
  readonly status: Status
  readonly warnings: ReadonlyArray<string>
}

/**
 * Allows the request.
 *
 * @example
 * return Admission.allowed({ warnings: ["spec.image uses the latest tag"] })
 * @since 0.1.0
 */
export const allowed = (
  options: {
    readonly warnings?: ReadonlyArray<string>
    readonly auditAnnotations?: { readonly [key: string]: string }
  } = {}
): Decision => ({ _tag: "Allowed", warnings: options.warnings ?? [], auditAnnotations: options.auditAnnotations })

/**
 * Denies the request with a message the user sees as
 * `admission webhook "<name>" denied the request: <message>`. Default code 403, reason
 * `Forbidden` (controller-runtime's `Denied`); pass `code: 422, reason: "Invalid"` with field
 * `causes` for validation failures.
 *
 * @example
 * return Admission.denied("spec.replicas must be odd", { code: 422, reason: "Invalid", causes: [{ field: "spec.replicas", message: "must be odd" }] })
 * @since 0.1.0
 */
export const denied = (
  message: string,
  options: {
    readonly code?: number
    readonly reason?: string
    readonly causes?: ReadonlyArray<StatusCause>
    readonly warnings?: ReadonlyArray<string>
  } = {}
): Decision => ({
  _tag: "Denied",
  status: InternalStatus.failure(options.code ?? 403, options.reason ?? "Forbidden", message, options.causes),
  warnings: options.warnings ?? []
})

/**
 * A mutating handler's result that also carries warnings for the client.
 *
 * @example
 * return Admission.withWarnings({ ...site, spec: { ...site.spec, replicas: 1 } }, ["replicas defaulted to 1"])
 * @since 0.1.0
 */
export class Mutated<A> {
  constructor(
    readonly object: A,
    readonly warnings: ReadonlyArray<string>
  ) {}
}

/**
 * Wraps a mutated object with warnings.
 *
 * @example
 * return Admission.withWarnings(updated, ["image tag pinned"])
 * @since 0.1.0
 */
export const withWarnings = <A>(object: A, warnings: ReadonlyArray<string>): Mutated<A> => new Mutated(object, warnings)

/**
 * Runs `effect` only when the request is not a dry run: the way to keep a handler with side
 * effects correct under `kubectl --dry-run=server` (declare such a webhook with
 * `sideEffects: "NoneOnDryRun"`).
 *
 * @example
 * yield* Admission.unlessDryRun(req, audit.record(req.uid))
 * @since 0.1.0
 */
export const unlessDryRun = <A, E, R>(
  request: Request<unknown>,
  effect: Effect.Effect<A, E, R>
): Effect.Effect<Option.Option<A>, E, R> => (request.dryRun ? Effect.succeedNone : Effect.asSome(effect))

/**
 * One `rules[]` entry of a webhook configuration.
 *
 * @example
 * const rule: Admission.Rule = { operations: ["CREATE"], apiGroups: ["apps"], apiVersions: ["v1"], resources: ["deployments"], scope: "Namespaced" }
 * @since 0.1.0
 */
export interface Rule {
  readonly operations: ReadonlyArray<Operation | "*">
  readonly apiGroups: ReadonlyArray<string>
  readonly apiVersions: ReadonlyArray<string>
  readonly resources: ReadonlyArray<string>
  readonly scope: "Namespaced" | "Cluster" | "*"
}

/**
 * A CEL `matchConditions[]` entry (evaluated by the apiserver before calling the webhook).
 *
 * @example
 * const notSystem: Admission.MatchCondition = { name: "not-system", expression: "!request.userInfo.username.startsWith('system:')" }
 * @since 0.1.0
 */
export interface MatchCondition {
  readonly name: string
  readonly expression: string
}

/**
 * Registration options shared by every admission webhook; they end up in the generated
 * `ValidatingWebhookConfiguration` / `MutatingWebhookConfiguration`.
 *
 * @example
 * Admission.validatingFromSchema(Website, { failurePolicy: "Ignore", objectSelector: { matchLabels: { managed: "true" } } })
 * @since 0.1.0
 */
export interface Options {
  /** The webhook's fully qualified name (≥ 3 DNS segments). Default `v<singular>.<group>` / `m…`. */
  readonly name?: string
  /** The URL path served. Default `/validate-<group>-<version>-<kind>` / `/mutate-…` (controller-runtime's). */
  readonly path?: string
  /** Operations routed to this webhook. Default CREATE and UPDATE. */
  readonly operations?: ReadonlyArray<Operation>
  /** Subresources also routed here (`["status"]` adds `<plural>/status` to the rule). */
  readonly subresources?: ReadonlyArray<string>
  /** What the apiserver does when the call fails. Default `Fail`. */
  readonly failurePolicy?: "Fail" | "Ignore"
  /** Default `None`; a handler that writes elsewhere declares `NoneOnDryRun` and uses {@link unlessDryRun}. */
  readonly sideEffects?: "None" | "NoneOnDryRun"
  /** 1–30; default 10. The server also stops the handler after this long. */
  readonly timeoutSeconds?: number
  /** Default `Equivalent`: requests for other versions of the kind are converted to this version. */
  readonly matchPolicy?: "Exact" | "Equivalent"
  readonly namespaceSelector?: LabelSelector
  readonly objectSelector?: LabelSelector
  readonly matchConditions?: ReadonlyArray<MatchCondition>
}

/**
 * An admission webhook ready to be served (`WebhookServer`) and described
 * (`Manifests`). `R` is what its handler needs.
 *
 * @example
 * const webhook: Admission.Webhook = Admission.defaulting(Website)
 * webhook.path // "/mutate-example-com-v1-website"
 * @since 0.1.0
 */
export interface Webhook<R = never> {
  readonly _tag: "AdmissionWebhook"
  readonly type: "Validating" | "Mutating"
  readonly name: string
  readonly path: string
  readonly rules: ReadonlyArray<Rule>
  readonly failurePolicy: "Fail" | "Ignore"
  readonly sideEffects: "None" | "NoneOnDryRun"
  readonly timeoutSeconds: number
  readonly matchPolicy: "Exact" | "Equivalent"
  readonly namespaceSelector: LabelSelector | undefined
  readonly objectSelector: LabelSelector | undefined
  readonly matchConditions: ReadonlyArray<MatchCondition> | undefined
  /** Mutating webhooks only: whether the apiserver calls us again after later mutations. */
  readonly reinvocationPolicy: "Never" | "IfNeeded" | undefined
  /**
   * Answers one request. Never fails: handler errors, defects, timeouts and undecodable objects
   * all become `allowed: false` responses carrying the request's uid.
   */
  readonly review: (request: AdmissionRequest) => Effect.Effect<AdmissionResponse, never, R>
}

/**
 * Any admission webhook, whatever its handler needs.
 *
 * @example
 * const all: ReadonlyArray<Admission.Any> = [Admission.defaulting(Website), Admission.validatingFromSchema(Website)]
 * @since 0.1.0
 */
export type Any = Webhook<unknown>

// ---------------------------------------------------------------------------------------------
// Defaults

const defaultOperations: ReadonlyArray<Operation> = ["CREATE", "UPDATE"]

const pathSegment = (resource: Resource.Any): string =>
  `${resource.group === "" ? "core" : resource.group.replaceAll(".", "-")}-${resource.version}-${resource.kind.toLowerCase()}`

/**
 * The default path of a webhook for a kind: `/validate-example-com-v1-website`,
 * `/mutate-apps-v1-deployment`, `/validate-core-v1-pod`.
 *
 * @example
 * Admission.defaultPath("Validating", Website) // "/validate-example-com-v1-website"
 * @since 0.1.0
 */
export const defaultPath = (type: "Validating" | "Mutating", resource: Resource.Any): string =>
  `/${type === "Validating" ? "validate" : "mutate"}-${pathSegment(resource)}`

/**
 * The default webhook name: `v<singular>.<group>` / `m<singular>.<group>`, suffixed with
 * `.effect-kube.io` when that has fewer than the three DNS segments the apiserver requires
 * (`vpod.core.effect-kube.io`, `mdeployment.apps.effect-kube.io`).
 *
 * @example
 * Admission.defaultName("Validating", Website) // "vwebsite.example.com"
 * @since 0.1.0
 */
export const defaultName = (type: "Validating" | "Mutating", resource: Resource.Any): string => {
  const name = `${type === "Validating" ? "v" : "m"}${resource.singular}.${resource.group === "" ? "core" : resource.group}`
  return name.split(".").length >= 3 ? name : `${name}.effect-kube.io`
}

const ruleFor = (
  resource: Resource.Any,
  operations: ReadonlyArray<Operation>,
  subresources: ReadonlyArray<string>
) => ({
  operations,
  apiGroups: [resource.group],
  apiVersions: [resource.version],
  resources: [resource.plural, ...subresources.map((s) => `${resource.plural}/${s}`)],
  scope: resource.scope
})

// ---------------------------------------------------------------------------------------------
// The request pipeline

const allowAll: Allowed = { _tag: "Allowed", warnings: [], auditAnnotations: undefined }

const allowedResponse = (uid: string, decision: Allowed): AdmissionResponse => ({
  uid,
  allowed: true,
  status: { code: 200, status: "Success" },
  ...(decision.warnings.length > 0 ? { warnings: [...decision.warnings] } : {}),
  ...(decision.auditAnnotations !== undefined ? { auditAnnotations: decision.auditAnnotations } : {})
})

const deniedResponse = (uid: string, status: Status, warnings: ReadonlyArray<string> = []): AdmissionResponse => ({
  uid,
  allowed: false,
  status,
  ...(warnings.length > 0 ? { warnings: [...warnings] } : {})
})

/**
 * An `allowed: false` answer with `code` (reason `BadRequest`, or `InternalError` from 500 up):
 * what a webhook answers to a request it cannot handle.
 *
 * @example
 * const response = Admission.errored(request.uid, 400, "no object in the request")
 * @since 0.1.0
 */
export const errored = (uid: string, code: number, message: string): AdmissionResponse =>
  deniedResponse(uid, InternalStatus.failure(code, code >= 500 ? "InternalError" : "BadRequest", message))

/**
 * The apiserver (Go's `metav1.Time`) sends `metadata.creationTimestamp: null` for objects not
 * yet stored (the object a mutating webhook sees on CREATE). Null metadata fields carry no
 * information, and `ObjectMeta` types them as absent-or-string, so they are dropped before
 * decoding and before diffing.
 */
const normalise = (u: unknown): unknown => {
  if (!isPlainObject(u) || !isPlainObject(u.metadata)) return u
  const entries = Object.entries(u.metadata)
  if (!entries.some(([, value]) => value === null)) return u
  // fromEntries defines own properties: a "__proto__" key stays a key.
  return { ...u, metadata: Object.fromEntries(entries.filter(([, value]) => value !== null)) }
}

const isPresent = (u: unknown): boolean => u !== undefined && u !== null

const kindMatches = (resource: Resource.Any, request: AdmissionRequest): boolean =>
  request.kind.group === resource.group &&
  request.kind.version === resource.version &&
  request.kind.kind === resource.kind

const wrongKind = (resource: Resource.Any, request: AdmissionRequest): AdmissionResponse => {
  const { group, version, kind } = request.kind
  const got = `${group === "" ? "" : `${group}/`}${version}, Kind=${kind}`
  return errored(request.uid, 400, `this webhook admits ${resource.apiVersion}, Kind=${resource.kind}; got ${got}`)
}

type Decoded<A> =
  | { readonly _tag: "Ok"; readonly request: Request<A>; readonly rawObject: unknown }
  | { readonly _tag: "Rejected"; readonly response: AdmissionResponse }

const decodeRequest = <A extends KubeObject, I>(
  resource: Resource.Resource<A, I>,
  raw: AdmissionRequest
): Decoded<A> => {
  if (!kindMatches(resource, raw)) return { _tag: "Rejected", response: wrongKind(resource, raw) }
  const base = {
    uid: raw.uid,
    operation: raw.operation,
    name: raw.name,
    namespace: raw.namespace,
    subResource: raw.subResource === "" ? undefined : raw.subResource,
    dryRun: raw.dryRun === true,
    userInfo: raw.userInfo,
    raw
  }
  // CONNECT carries the connect options (PodExecOptions, …), not an object of this kind.
  if (raw.operation === "CONNECT") {
    return { _tag: "Ok", request: { ...base, object: undefined, oldObject: undefined }, rawObject: undefined }
  }
  const rawObject = isPresent(raw.object) ? normalise(raw.object) : undefined
  let object: A | undefined
  if (rawObject !== undefined) {
    const decoded = resource.decode(rawObject)
    if (Either.isLeft(decoded)) {
      return {
        _tag: "Rejected",
        response: deniedResponse(
          raw.uid,
          InternalStatus.invalid(resource.kind, raw.name, decoded.left.cause, decoded.left.message)
        )
      }
    }
    object = decoded.right
  }
  const oldObject = isPresent(raw.oldObject)
    ? Either.getOrUndefined(resource.decode(normalise(raw.oldObject)))
    : undefined
  return { _tag: "Ok", request: { ...base, object, oldObject }, rawObject }
}

/** Runs a handler with the webhook's deadline; every way it can end becomes a response. */
const runHandler = <X, E, R>(
  path: string,
  uid: string,
  timeoutSeconds: number,
  handler: Effect.Effect<X, E, R>,
  onSuccess: (x: X) => AdmissionResponse
): Effect.Effect<AdmissionResponse, never, R> =>
  handler.pipe(
    Effect.timeoutOption(Duration.seconds(timeoutSeconds)),
    Effect.exit,
    Effect.flatMap(
      (exit): Effect.Effect<AdmissionResponse> =>
        Exit.match(exit, {
          onSuccess: (result) =>
            Option.match(result, {
              onNone: () =>
                Effect.as(
                  Effect.logWarning(`admission handler did not answer within ${timeoutSeconds}s`),
                  errored(uid, 500, `the webhook handler did not answer within ${timeoutSeconds}s`)
                ),
              onSome: (x) => Effect.sync(() => onSuccess(x))
            }),
          onFailure: (cause) =>
            Cause.isFailType(cause)
              ? Effect.succeed(deniedResponse(uid, InternalStatus.fromCause(cause)))
              : Effect.as(
                  Effect.logError("admission handler failed unexpectedly", cause),
                  deniedResponse(uid, InternalStatus.fromCause(cause))
                )
        })
    ),
    Effect.annotateLogs({ webhook: path, uid })
  )

const decisionResponse =
  (uid: string) =>
  (decision: Decision): AdmissionResponse =>
    decision._tag === "Allowed"
      ? allowedResponse(uid, decision)
      : deniedResponse(uid, decision.status, decision.warnings)

interface Built {
  readonly resource: Resource.Any
  readonly type: "Validating" | "Mutating"
  readonly options: Options
  readonly operations: ReadonlyArray<Operation>
  readonly reinvocationPolicy: "Never" | "IfNeeded" | undefined
}

const build = <R>(
  built: Built,
  review: (
    request: AdmissionRequest,
    timeoutSeconds: number,
    path: string
  ) => Effect.Effect<AdmissionResponse, never, R>
): Webhook<R> => {
  const { resource, type, options } = built
  const path = options.path ?? defaultPath(type, resource)
  const timeoutSeconds = options.timeoutSeconds ?? 10
  return {
    _tag: "AdmissionWebhook",
    type,
    name: options.name ?? defaultName(type, resource),
    path,
    rules: [ruleFor(resource, built.operations, options.subresources ?? [])],
    failurePolicy: options.failurePolicy ?? "Fail",
    sideEffects: options.sideEffects ?? "None",
    timeoutSeconds,
    matchPolicy: options.matchPolicy ?? "Equivalent",
    namespaceSelector: options.namespaceSelector,
    objectSelector: options.objectSelector,
    matchConditions: options.matchConditions,
    reinvocationPolicy: built.reinvocationPolicy,
    review: (request) =>
      // An operation outside the rules reaches us only through a misconfigured webhook: let it be.
      built.operations.includes(request.operation)
        ? review(request, timeoutSeconds, path)
        : Effect.succeed(allowedResponse(request.uid, allowAll))
  }
}

// ---------------------------------------------------------------------------------------------
// Constructors

/**
 * A validating webhook: the handler sees the decoded request and answers with a
 * {@link Decision}. A typed failure of the handler denies the request with its message (403,
 * or the code and reason of a Kubernetes API error); a defect or a timeout answers 500.
 *
 * @example
 * const noLatest = Admission.validating({
 *   resource: Website,
 *   handler: (req) => Effect.succeed(
 *     req.object?.spec.image.endsWith(":latest") ? Admission.denied("pin the image tag") : Admission.allowed()
 *   )
 * })
 * @since 0.1.0
 */
export const validating = <A extends KubeObject, I, E, R>(
  options: Options & {
    readonly resource: Resource.Resource<A, I>
    readonly handler: (request: Request<A>) => Effect.Effect<Decision, E, R>
  }
): Webhook<R> =>
  build(
    {
      resource: options.resource,
      type: "Validating",
      options,
      operations: options.operations ?? defaultOperations,
      reinvocationPolicy: undefined
    },
    (raw, timeoutSeconds, path) => {
      const decoded = decodeRequest(options.resource, raw)
      if (decoded._tag === "Rejected") return Effect.succeed(decoded.response)
      return runHandler(path, raw.uid, timeoutSeconds, options.handler(decoded.request), decisionResponse(raw.uid))
    }
  )

/**
 * A validating webhook routed per operation (controller-runtime's `CustomValidator`): the
 * operations served are those given a handler. `update` receives the stored object when it
 * still decodes; a `delete` of an object that no longer decodes is allowed.
 *
 * @example
 * const websites = Admission.validator({
 *   resource: Website,
 *   create: (site) => checkQuota(site),
 *   update: (site, old) => old && site.spec.image !== old.spec.image ? Effect.succeed(Admission.denied("image is immutable")) : Effect.succeed(Admission.allowed())
 * })
 * @since 0.1.0
 */
export const validator = <A extends KubeObject, I, E = never, R = never>(
  options: Omit<Options, "operations"> & {
    readonly resource: Resource.Resource<A, I>
    readonly create?: (object: A, request: Request<A>) => Effect.Effect<Decision, E, R>
    readonly update?: (object: A, oldObject: A | undefined, request: Request<A>) => Effect.Effect<Decision, E, R>
    readonly delete?: (oldObject: A, request: Request<A>) => Effect.Effect<Decision, E, R>
  }
): Webhook<R> => {
  const operations: Array<Operation> = []
  if (options.create) operations.push("CREATE")
  if (options.update) operations.push("UPDATE")
  if (options.delete) operations.push("DELETE")
  const allow = Effect.succeed(allowed())
  return validating<A, I, E, R>({
    ...options,
    operations,
    handler: (request) => {
      const { object, oldObject } = request
      switch (request.operation) {
        case "CREATE":
          return options.create && object ? options.create(object, request) : allow
        case "UPDATE":
          return options.update && object ? options.update(object, oldObject, request) : allow
        case "DELETE":
          return options.delete && oldObject ? options.delete(oldObject, request) : allow
        case "CONNECT":
          return allow
      }
    }
  })
}

/**
 * A mutating webhook: the handler gets the decoded object (Schema defaults applied) and
 * returns the object it wants stored; the server answers with the JSON Patch from the object
 * the apiserver sent to the encoded result (no patch when nothing changed). Because the patch
 * starts from the object as sent, it also writes the Schema's defaults, as {@link defaulting}
 * does. The handler runs for CREATE and UPDATE by default; a request without an object
 * (DELETE) is allowed unchanged.
 *
 * @example
 * const defaults = Admission.mutating({
 *   resource: Website,
 *   handler: (site) => Effect.succeed({ ...site, metadata: { ...site.metadata, labels: { ...site.metadata.labels, managed: "true" } } })
 * })
 * @since 0.1.0
 */
export const mutating = <A extends KubeObject, I, E, R>(
  options: Options & {
    readonly resource: Resource.Resource<A, I>
    readonly handler: (object: A, request: Request<A>) => Effect.Effect<A | Mutated<A>, E, R>
    /** Default `Never`. */
    readonly reinvocationPolicy?: "Never" | "IfNeeded"
  }
): Webhook<R> =>
  build(
    {
      resource: options.resource,
      type: "Mutating",
      options,
      operations: options.operations ?? defaultOperations,
      reinvocationPolicy: options.reinvocationPolicy ?? "Never"
    },
    (raw, timeoutSeconds, path) => {
      const decoded = decodeRequest(options.resource, raw)
      if (decoded._tag === "Rejected") return Effect.succeed(decoded.response)
      const { request, rawObject } = decoded
      const object = request.object
      if (object === undefined) return Effect.succeed(allowedResponse(raw.uid, allowAll))
      return runHandler(path, raw.uid, timeoutSeconds, options.handler(object, request), (result) =>
        patchResponse(options.resource, raw.uid, rawObject, result)
      )
    }
  )

const patchResponse = <A extends KubeObject, I>(
  resource: Resource.Resource<A, I>,
  uid: string,
  rawObject: unknown,
  result: A | Mutated<A>
): AdmissionResponse => {
  const mutated = result instanceof Mutated ? result.object : result
  const warnings = result instanceof Mutated ? result.warnings : []
  const encoded = resource.encode(mutated)
  if (Either.isLeft(encoded)) {
    return errored(uid, 500, `the mutated object cannot be encoded: ${encoded.left.message}`)
  }
  const operations = diff(rawObject, encoded.right)
  const base = allowedResponse(uid, { _tag: "Allowed", warnings, auditAnnotations: undefined })
  if (operations.length === 0) return base
  return {
    ...base,
    patchType: "JSONPatch",
    patch: Buffer.from(JSON.stringify(operations)).toString("base64")
  }
}

/**
 * The defaulting webhook of a kind: decoding with the kind's Schema applies its defaults
 * (`Schema.optionalWith(…, { default })`), and the patch writes them into the stored object.
 * An object that does not decode is denied with `422 Invalid` naming every failing field.
 *
 * @example
 * const server = WebhookServer.layer({ webhooks: [Admission.defaulting(Website)] })
 * @since 0.1.0
 */
export const defaulting = <A extends KubeObject, I>(
  resource: Resource.Resource<A, I>,
  options: Options = {}
): Webhook => mutating<A, I, never, never>({ ...options, resource, handler: (object) => Effect.succeed(object) })

/**
 * The validating webhook of a kind: a create or update is allowed when the object decodes
 * with the kind's Schema (refinements such as `Schema.between` included) and denied with
 * `422 Invalid` naming every failing field otherwise.
 *
 * @example
 * const server = WebhookServer.layer({ webhooks: [Admission.validatingFromSchema(Website)] })
 * @since 0.1.0
 */
export const validatingFromSchema = <A extends KubeObject, I>(
  resource: Resource.Resource<A, I>,
  options: Options = {}
): Webhook => validating<A, I, never, never>({ ...options, resource, handler: () => Effect.succeed(allowed()) })

// ---------------------------------------------------------------------------------------------
// Reviews

/**
 * What the server answers to one admission call: the HTTP status and the review body.
 *
 * @example
 * const reply: Admission.Reply = { status: 200, body: AdmissionReview.respond({ uid: "u", allowed: true }) }
 * @since 0.1.0
 */
export interface Reply {
  readonly status: number
  readonly body: AdmissionReview
}

const decodeReview = Schema.decodeUnknownEither(AdmissionReviewRequest, { errors: "all", onExcessProperty: "ignore" })

const uidHint = (body: unknown): string => {
  if (!isPlainObject(body) || !isPlainObject(body.request)) return ""
  const uid = body.request.uid
  return typeof uid === "string" ? uid : ""
}

const badReview = (body: unknown, message: string): Reply => ({
  status: 400,
  body: respond(errored(uidHint(body), 400, message))
})

/**
 * Answers one parsed AdmissionReview body with `webhook`: what the HTTP server does per call,
 * usable directly to test a webhook without a server. A body that is not an
 * `admission.k8s.io/v1` AdmissionReview with a request (and a non-empty uid) is answered
 * with status 400 and a review whose response carries the reason; everything else is answered
 * with 200 (a denial is an answer, not an HTTP error).
 *
 * @example
 * const reply = yield* Admission.handleReview(webhook, JSON.parse(body))
 * reply.body.response?.allowed
 * @since 0.1.0
 */
export const handleReview = <R>(webhook: Webhook<R>, body: unknown): Effect.Effect<Reply, never, R> => {
  const decoded = decodeReview(body)
  if (Either.isLeft(decoded)) {
    const issues = ParseResult.ArrayFormatter.formatErrorSync(decoded.left)
      .slice(0, 5)
      .map((i) => (i.path.length === 0 ? i.message : `${i.path.map(String).join(".")}: ${i.message}`))
    return Effect.succeed(badReview(body, `not an ${apiVersion} AdmissionReview: ${issues.join("; ")}`))
  }
  const request = decoded.right.request
  if (request === undefined) return Effect.succeed(badReview(body, "the AdmissionReview has no request"))
  return Effect.map(webhook.review(request), (response) => ({ status: 200, body: respond(response) }))
}
