/**
 * The Website controller: reconciles each Website into an owned ConfigMap (the content), a
 * Deployment serving it and a Service, all by server-side apply; registers the site in an
 * external registry and removes it through a finalizer; reports `status.observedGeneration`,
 * `status.url` and a `Ready` condition; re-reconciles a Website when the Secret it references
 * changes.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { Api } from "@effect-kube/client/Api"
import { KubeApi } from "@effect-kube/client/KubeApi"
import * as Tracing from "@effect-kube/manager/Tracing"
import * as Action from "@effect-kube/controller/Action"
import * as Conditions from "@effect-kube/controller/Conditions"
import * as Controller from "@effect-kube/controller/Controller"
import * as EventRecorder from "@effect-kube/controller/EventRecorder"
import * as Finalizer from "@effect-kube/controller/Finalizer"
import * as Predicates from "@effect-kube/controller/Predicates"
import * as Status from "@effect-kube/controller/Status"
import * as Kinds from "@effect-kube/core/Kinds"
import type { KubeObject } from "@effect-kube/core/Meta"
import * as ObjectKey from "@effect-kube/core/ObjectKey"
import * as Resource from "@effect-kube/core/Resource"
import { Registry, urlOf } from "./Registry.js"
import { contentName, render } from "./render.js"
import { SecretIndex, secretRefIndex, Website } from "./Website.js"

/**
 * The finalizer that guarantees the registry entry is removed before a Website disappears.
 *
 * @since 0.1.0
 */
export const FinalizerName = "example.com/website-cleanup"

/**
 * The field manager of every write the operator makes.
 *
 * @since 0.1.0
 */
export const FieldManager = "website-operator"

/**
 * The Secret named in `spec.secretRef` does not exist (yet). The Website is reconciled again as
 * soon as it appears (the Secret watch), and retried with backoff meanwhile.
 *
 * @example
 * Effect.catchTag("SecretNotFound", (e) => Effect.logWarning(e.message))
 * @since 0.1.0
 */
export class SecretNotFound extends Data.TaggedError("SecretNotFound")<{
  readonly namespace: string
  readonly name: string
}> {
  override get message(): string {
    return `secret ${this.namespace}/${this.name} not found`
  }
}

const childApis = [Kinds.ConfigMap, Kinds.Deployment, Kinds.Service]

// The finalizer is added by a metadata-only write and deletion sets deletionTimestamp: both must
// reach the reconcile even though neither changes the spec.
const deletionRequested = Predicates.make({
  update: (e) => e.oldObject.metadata.deletionTimestamp !== e.newObject.metadata.deletionTimestamp
})

/** The Websites referencing a Secret, through the `for` cache's index. */
const secretToWebsites: Controller.MapFunction = (secret, { primary }) =>
  primary.keysByIndex(SecretIndex, ObjectKey.key(secret))

const secretVersionOf = (
  site: Website,
  context: Controller.ReconcileContext
): Effect.Effect<string | undefined, SecretNotFound> => {
  const ref = site.spec.secretRef
  if (ref === undefined) return Effect.succeed(undefined)
  const namespace = site.metadata.namespace ?? ""
  const secret = context.cache(Kinds.Secret)?.get(ObjectKey.key({ namespace, name: ref.name }))
  return secret === undefined
    ? Effect.fail(new SecretNotFound({ namespace, name: ref.name }))
    : Effect.succeed(secret.metadata.resourceVersion ?? "")
}

const setStatus = (
  websites: Api<Website>,
  site: Website,
  ready: { readonly status: "True" | "False"; readonly reason: string; readonly message: string }
) =>
  Status.update(
    websites,
    site,
    // After a conflict `current` is a fresh read, possibly of a newer generation than the one
    // reconciled: what is observed is `site`'s generation.
    (current) =>
      Effect.map(
        Conditions.set(current.status?.conditions, {
          type: "Ready",
          ...ready,
          observedGeneration: site.metadata.generation
        }),
        ({ conditions }): Website => ({
          ...current,
          status: {
            ...current.status,
            conditions,
            // observedGeneration says "the spec of this generation is in place": only on success.
            ...(ready.status === "True" ? { observedGeneration: site.metadata.generation, url: urlOf(site) } : {})
          }
        })
      ),
    { fieldManager: FieldManager }
  )

const describe = (error: { readonly _tag: string; readonly message?: string }): string =>
  error.message !== undefined && error.message !== "" ? error.message : error._tag

/** Ready=False with the error, and a Warning event; never fails (the original error matters). */
const reportFailure = (
  websites: Api<Website>,
  site: Website,
  error: { readonly _tag: string; readonly message?: string }
) =>
  Effect.zipRight(
    setStatus(websites, site, { status: "False", reason: error._tag, message: describe(error) }).pipe(
      Effect.catchAll((e) => Effect.logWarning(`could not report the failure on the status: ${e.message}`))
    ),
    EventRecorder.record(site, { type: "Warning", reason: error._tag, action: "Reconcile", note: describe(error) })
  )

const applyChildren = (site: Website, context: Controller.ReconcileContext, websites: Api<Website>) =>
  Effect.gen(function* () {
    const kube = yield* KubeApi
    const registry = yield* Registry
    const secretVersion = yield* secretVersionOf(site, context)
    const children = yield* render(site, secretVersion)
    for (const child of children) {
      const kind = childApis.find((k) => k.kind === child.kind) ?? Kinds.ConfigMap
      yield* kube
        .resource(Resource.untyped(kind), { namespace: site.metadata.namespace })
        .apply(child, { fieldManager: FieldManager, force: true })
    }
    yield* registry.register(site)
    const firstTimeForGeneration = site.status?.observedGeneration !== site.metadata.generation
    yield* setStatus(websites, site, {
      status: "True",
      reason: "Reconciled",
      message: `serving ${site.spec.replicas} replica(s) of ${site.spec.image}`
    })
    yield* Effect.logInfo(
      `applied ConfigMap ${contentName(site)}, Deployment ${site.metadata.name}, Service ${site.metadata.name} (generation ${site.metadata.generation})`
    )
    if (firstTimeForGeneration) {
      yield* EventRecorder.record(site, {
        type: "Normal",
        reason: "Deployed",
        action: "Reconcile",
        note: `generation ${site.metadata.generation}: ${site.spec.replicas} replica(s) of ${site.spec.image}`
      })
    }
    return Action.done
  }).pipe(Effect.tapError((error) => reportFailure(websites, site, error)))

const cleanup = (site: Website) =>
  Effect.gen(function* () {
    const registry = yield* Registry
    yield* registry.unregister(site)
    yield* Effect.logInfo(`cleanup: removed ${site.metadata.namespace}/${site.metadata.name} from the registry`)
    yield* EventRecorder.record(site, { type: "Normal", reason: "CleanedUp", action: "Delete" })
    return Action.done
  })

/**
 * The reconcile of one Website, through the finalizer state machine: add the finalizer; then
 * apply the children and the status; on deletion, clean up and release the finalizer.
 *
 * @example
 * const action = yield* reconcile(site, context)
 * @since 0.1.0
 */
export const reconcile = (site: Website, context: Controller.ReconcileContext) =>
  Effect.gen(function* () {
    // Whoever asked for this change may have left a trace context on the Website: link to it.
    yield* Tracing.linkTraceContext(site)
    const websites = (yield* KubeApi).resource(Website)
    // The cache can lag behind our own writes: a reconcile triggered by another source right
    // after the finalizer was added (or removed) would see the old state and add it again (or
    // clean up twice). The finalizer transitions are rare, so they work on a fresh read.
    const transition =
      site.metadata.deletionTimestamp !== undefined || !site.metadata.finalizers?.includes(FinalizerName)
    const current = transition
      ? yield* websites.get(site.metadata.name ?? "", { namespace: site.metadata.namespace }).pipe(
          Effect.map(Option.some),
          Effect.catchTag("NotFound", () => Effect.succeed(Option.none()))
        )
      : Option.some(site)
    if (Option.isNone(current)) return Action.done // already gone: its cleanup has run
    return yield* Finalizer.finalizer(websites, FinalizerName, current.value, {
      apply: (s) => applyChildren(s, context, websites),
      cleanup
    })
  })

/**
 * Builds the controller: `name` (default `website`) labels its metrics and logs, `namespace`
 * restricts it to one namespace (default all), `concurrency` defaults to 2.
 *
 * @example
 * const controller = makeController({ name: "website-team-a", namespace: "team-a" })
 * @since 0.1.0
 */
export const makeController = (
  options: { readonly name?: string; readonly namespace?: string; readonly concurrency?: number } = {}
) =>
  Controller.make({
    name: options.name ?? "website",
    for: Website,
    owns: [Kinds.ConfigMap, Kinds.Deployment, Kinds.Service],
    watches: [Controller.watches(Kinds.Secret, secretToWebsites, { metadataOnly: true })],
    indexers: { [SecretIndex]: secretRefIndex },
    predicates: [Predicates.or(Predicates.generationChanged, Predicates.finalizersChanged, deletionRequested)],
    ...(options.namespace !== undefined ? { namespace: options.namespace } : {}),
    concurrency: options.concurrency ?? 2,
    reconcile
  })

/**
 * The controller, watching every namespace.
 *
 * @since 0.1.0
 */
export const websiteController = makeController()

/**
 * A Website object, for creating one.
 *
 * @example
 * yield* websites.create(websiteObject("hello", "default", { image: "nginx:1.27", replicas: 2, content: "<h1>Hi</h1>" }))
 * @since 0.1.0
 */
export const websiteObject = (name: string, namespace: string, spec: Website["spec"]): KubeObject => ({
  apiVersion: Website.apiVersion,
  kind: Website.kind,
  metadata: { name, namespace },
  spec
})
