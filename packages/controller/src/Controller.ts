/**
 * The controller builder (controller-runtime's builder, kube-rs's `Controller`): what a
 * controller reconciles (`for`), which changes make it reconcile (`owns`, `watches`,
 * predicates), how (concurrency, timeout, rate limiter) and the reconcile itself.
 *
 * {@link make} only describes a controller; {@link start} / {@link run} (the runner) bring it to
 * life over the shared informers of an `InformerFactory`:
 *
 * - handlers on the `for`, `owns` and `watches` informers apply the predicates and enqueue keys
 *   (`namespace/name`) into a {@link WorkQueue} — initial-list adds and resyncs at `Low`
 *   priority, live changes at `Normal`;
 * - nothing is reconciled before every informer of the controller has synced;
 * - `concurrency` workers take keys; a key is never reconciled by two workers at once;
 * - each reconcile reads the object from the `for` cache (level-based: the current state, not
 *   the event), decodes it with the kind's Schema (memoised per uid + resourceVersion) and calls
 *   `reconcile(object, context)` — or `onGone(context)` when the object is no longer cached —
 *   under a timeout;
 * - the outcome drives the queue: `done` → forget; `requeueAfter(d)` → forget + add after `d`;
 *   `requeue` → rate-limited add; a typed error (a decode failure included) → rate-limited add;
 *   a {@link TerminalError} → forget (not requeued); a defect → recovered, counted as a panic,
 *   rate-limited add; a timeout → counted, rate-limited add;
 * - every reconcile runs in a span and with log annotations `controller`, `namespace`, `name`,
 *   `reconcileID`; the controller-runtime reconcile metrics are kept (pre-initialised to 0);
 * - closing the scope stops intake, lets in-flight reconciles finish (within the graceful
 *   shutdown timeout), then stops the informers.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Either from "effect/Either"
import * as Metric from "effect/Metric"
import type * as Scope from "effect/Scope"
import type * as Types from "effect/Types"
import type { DecodeError } from "@effect-kube/core/Errors"
import type { KubeObject } from "@effect-kube/core/Meta"
import type * as ObjectKey from "@effect-kube/core/ObjectKey"
import type * as Resource from "@effect-kube/core/Resource"
import type { InformerFactory } from "@effect-kube/processor/InformerFactory"
import type { CacheSyncTimeout } from "@effect-kube/processor/SharedInformer"
import type { Indexer, Store } from "@effect-kube/store/Store"
import type * as Action from "./Action.js"
import { InvalidController } from "./internal/controller/errors.js"
import * as internalMetrics from "./internal/controller/metrics.js"
import * as internalRunner from "./internal/controller/runner.js"
import type * as Predicates from "./Predicates.js"
import type * as RateLimiter from "./RateLimiter.js"
import type * as WorkQueue from "./WorkQueue.js"

export {
  /**
   * A controller that cannot start: empty or duplicate name, or a concurrency that is not a
   * positive integer.
   *
   * @example
   * Controller.run(websites).pipe(Effect.catchTag("InvalidController", (e) => Effect.logError(e.message)))
   * @since 0.1.0
   */
  InvalidController
}

/**
 * Marks a {@link Runnable} (and carries its requirements at the type level).
 *
 * @example
 * const isController = (u: object) => Controller.TypeId in u
 * @since 0.1.0
 */
export const TypeId: unique symbol = Symbol.for("@effect-kube/controller/Controller")

/**
 * The type of {@link TypeId}.
 *
 * @since 0.1.0
 */
export type TypeId = typeof TypeId

/**
 * What a reconcile knows besides the object: which controller and key, the reconcile's unique
 * id (also a log annotation), how often the key was retried, and the caches the controller
 * watches.
 *
 * @example
 * const reconcile = (site: Website, ctx: Controller.ReconcileContext) =>
 *   Effect.log(`reconcile ${ctx.key} (${ctx.reconcileID}), retry ${ctx.retries}`).pipe(Effect.as(Action.done))
 * @since 0.1.0
 */
export interface ReconcileContext {
  readonly controller: string
  /** The queue key: `namespace/name`, or `name` for cluster-scoped kinds. */
  readonly key: string
  readonly namespace: string | undefined
  readonly name: string
  /** A UUID per reconcile (controller-runtime's `reconcileID`). */
  readonly reconcileID: string
  /** Rate-limited requeues of this key since its last success. */
  readonly retries: number
  /**
   * The informer cache of a kind this controller watches (`for`, `owns`, `watches`), untyped;
   * `undefined` for other kinds. Read related objects here instead of asking the apiserver.
   */
  readonly cache: (resource: Resource.Any) => Store<KubeObject> | undefined
}

/**
 * What a `watches` map function gets besides the changed object.
 *
 * @example
 * const map: Controller.MapFunction = (secret, { primary }) => primary.keysByIndex("bySecret", ObjectKey.key(secret))
 * @since 0.1.0
 */
export interface MapContext {
  /** The cache of the controller's `for` kind, with the controller's `indexers`. */
  readonly primary: Store<KubeObject>
}

/**
 * Maps a changed object of a watched kind to the keys (of the `for` kind) to reconcile. Runs
 * synchronously on every event of the watched kind: read caches and indexes, no I/O.
 *
 * @example
 * const secretToWebsites: Controller.MapFunction = (secret, { primary }) =>
 *   primary.keysByIndex("bySecret", ObjectKey.key(secret))
 * @since 0.1.0
 */
export type MapFunction = (object: KubeObject, context: MapContext) => Iterable<string | ObjectKey.ObjectKey>

/**
 * Options of one `owns` / `watches` source.
 *
 * @example
 * Controller.owns(Kinds.Deployment, { predicates: [Predicates.generationChanged] })
 * @since 0.1.0
 */
export interface SourceOptions {
  /** Applied to this source's events only. */
  readonly predicates?: ReadonlyArray<Predicates.Predicate<KubeObject>>
  /** Namespace to watch; default the controller's `namespace` (absent: all namespaces). */
  readonly namespace?: string
  readonly labelSelector?: string
  readonly fieldSelector?: string
  /**
   * Cache only metadata (`PartialObjectMetadata`): enough for owner references, labels and
   * resourceVersions, and keeps large or sensitive objects (Secrets) out of memory.
   */
  readonly metadataOnly?: boolean
}

/**
 * An owned kind: a change of an object whose controller owner reference points at an object of
 * the `for` kind (same API group and kind; any version) reconciles that owner.
 *
 * @example
 * const source: Controller.Owns = Controller.owns(Kinds.Deployment)
 * @since 0.1.0
 */
export interface Owns {
  readonly _tag: "Owns"
  readonly resource: Resource.Any
  readonly options: SourceOptions
}

/**
 * A watched kind with a map function from its objects to keys of the `for` kind.
 *
 * @example
 * const source: Controller.Watch = Controller.watches(Kinds.Secret, secretToWebsites)
 * @since 0.1.0
 */
export interface Watch {
  readonly _tag: "Watch"
  readonly resource: Resource.Any
  readonly map: MapFunction
  readonly options: SourceOptions
}

/**
 * Declares an owned kind with options (a bare kind in `owns` means no options).
 *
 * @example
 * Controller.make({ ..., owns: [Kinds.ConfigMap, Controller.owns(Kinds.Deployment, { predicates: [Predicates.generationChanged] })] })
 * @since 0.1.0
 */
export const owns = (resource: Resource.Any, options: SourceOptions = {}): Owns => ({
  _tag: "Owns",
  resource,
  options
})

/**
 * Declares a watched kind: every add, update (old and new object) and delete of it is mapped
 * to keys of the `for` kind, which are reconciled.
 *
 * @example
 * // a Secret change re-reconciles every Website that references it (through a store index)
 * Controller.watches(Kinds.Secret, (secret, { primary }) => primary.keysByIndex("bySecret", ObjectKey.key(secret)), {
 *   metadataOnly: true
 * })
 * @since 0.1.0
 */
export const watches = (resource: Resource.Any, map: MapFunction, options: SourceOptions = {}): Watch => ({
  _tag: "Watch",
  resource,
  map,
  options
})

/**
 * The kind a controller reconciles, as far as the runner needs it: API placement and a decode
 * into `A`. Every `Resource<A, I>` is one.
 *
 * @example
 * const kind: Controller.Kind<Website> = Website
 * @since 0.1.0
 */
export interface Kind<A extends KubeObject> extends Omit<Resource.Any, "decode"> {
  readonly decode: (u: unknown) => Either.Either<A, DecodeError>
}

/**
 * Options of {@link make}.
 *
 * @example
 * const options: Controller.Options<Website, WebsiteEncoded, KubeError, KubeApi> = {
 *   name: "website", for: Website, reconcile: (site) => applyChildren(site)
 * }
 * @since 0.1.0
 */
export interface Options<A extends KubeObject, I, E, R> {
  /** Unique among running controllers: the `controller` label of metrics and logs. */
  readonly name: string
  /** The kind reconciled; its Schema decodes each object before `reconcile`. */
  readonly for: Resource.Resource<A, I>
  /** Kinds whose controller owner reference points at a `for` object. */
  readonly owns?: ReadonlyArray<Resource.Any | Owns>
  /** Other kinds, mapped to `for` keys (see {@link watches}). */
  readonly watches?: ReadonlyArray<Watch>
  /**
   * Filters of the `for` source's events (owned and watched kinds take their own in
   * {@link owns}/{@link watches}): all must pass. Resyncs bypass them — a resync is the periodic
   * re-reconcile the controller asked for.
   */
  readonly predicates?: ReadonlyArray<Predicates.Predicate<KubeObject>>
  /** Watch one namespace only (default: all namespaces). Applies to every source. */
  readonly namespace?: string
  /** Watch only `for` objects matching this label selector. */
  readonly labelSelector?: string
  /** Indexes of the `for` cache, e.g. for map functions (`primary.keysByIndex`). */
  readonly indexers?: Readonly<Record<string, Indexer<KubeObject>>> & { readonly namespace?: never }
  /** Reconciles running at once (different keys); default 1. */
  readonly concurrency?: number
  /** A reconcile running longer is interrupted, counted and requeued; default 5 minutes. */
  readonly reconcileTimeout?: Duration.DurationInput
  /** Give up starting when the caches have not synced by then; default 2 minutes. */
  readonly cacheSyncTimeout?: Duration.DurationInput
  /** On shutdown, in-flight reconciles get this long to finish; default 30 seconds. */
  readonly gracefulShutdownTimeout?: Duration.DurationInput
  /** Re-enqueue every cached `for` object this often (at `Low` priority); default never. */
  readonly resyncPeriod?: Duration.DurationInput
  /** The queue's retry backoff; default {@link RateLimiter.defaultController}. */
  readonly rateLimiter?: RateLimiter.RateLimiter
  /** Reconciles the current state of one object. */
  readonly reconcile: (object: A, context: ReconcileContext) => Effect.Effect<Action.Action, E, R>
  /**
   * Called when the key's object is no longer in the cache (deleted). Default: nothing
   * (`Action.done`) — use a finalizer for cleanup that must happen.
   */
  readonly onGone?: (context: ReconcileContext) => Effect.Effect<Action.Action, E, R>
}

/**
 * What {@link start} fails with: a bad configuration, or caches that did not sync in time.
 *
 * @example
 * const recover = (e: Controller.StartError) => (e._tag === "CacheSyncTimeout" ? e.kinds : [])
 * @since 0.1.0
 */
export type StartError = InvalidController | CacheSyncTimeout

/**
 * A started controller (see {@link start}).
 *
 * @example
 * const running = yield* Controller.start(websites)
 * yield* running.queue.add("default/web") // force a reconcile
 * @since 0.1.0
 */
export interface Running {
  readonly name: string
  /** The controller's queue (keys `namespace/name`). */
  readonly queue: WorkQueue.WorkQueue<string>
  /** The cache of the `for` kind. */
  readonly primary: Store<KubeObject>
  /** The cache of any kind this controller watches. */
  readonly cache: (resource: Resource.Any) => Store<KubeObject> | undefined
  /**
   * Stops intake and waits (at most the graceful shutdown timeout) for in-flight reconciles;
   * `true` if they all finished. Closing the scope does the same.
   */
  readonly shutdown: Effect.Effect<boolean>
  /**
   * Stops at once (controller-runtime on a lost lease): intake stops, in-flight reconciles are
   * interrupted (their keys dropped, nothing requeued), and a later `shutdown` — or closing the
   * scope — returns `false` immediately instead of draining. Returns once the workers stopped.
   * Idempotent.
   */
  readonly abort: Effect.Effect<void>
}

/**
 * Anything the runner can start: every {@link Controller}, whatever it reconciles. `R` is what
 * its reconciles need.
 *
 * @example
 * const all: ReadonlyArray<Controller.Runnable<KubeApi>> = [websites, databases]
 * @since 0.1.0
 */
export interface Runnable<out R> {
  /** Type-level only: carries `R` so it can be read back exactly (see `Runner.Requirements`). */
  readonly [TypeId]: { readonly _R: Types.Covariant<R> }
  readonly name: string
  /** Starts it in the current scope; see {@link start}. */
  readonly start: Effect.Effect<Running, StartError, R | InformerFactory | Scope.Scope>
}

/**
 * A controller description (see {@link make}).
 *
 * @example
 * const websites: Controller.Controller<Website, KubeError, KubeApi> = Controller.make({ ... })
 * @since 0.1.0
 */
export interface Controller<A extends KubeObject, E = never, R = never> extends Runnable<R> {
  readonly for: Kind<A>
  readonly owns: ReadonlyArray<Owns>
  readonly watches: ReadonlyArray<Watch>
  readonly predicates: ReadonlyArray<Predicates.Predicate<KubeObject>>
  readonly namespace: string | undefined
  readonly labelSelector: string | undefined
  readonly indexers: (Readonly<Record<string, Indexer<KubeObject>>> & { readonly namespace?: never }) | undefined
  readonly concurrency: number
  readonly reconcileTimeout: Duration.Duration
  readonly cacheSyncTimeout: Duration.Duration
  readonly gracefulShutdownTimeout: Duration.Duration
  readonly resyncPeriod: Duration.Duration | undefined
  readonly rateLimiter: RateLimiter.RateLimiter | undefined
  readonly reconcile: (object: A, context: ReconcileContext) => Effect.Effect<Action.Action, E, R>
  readonly onGone: ((context: ReconcileContext) => Effect.Effect<Action.Action, E, R>) | undefined
}

const variance = { _R: (_: never) => _ }

/**
 * Describes a controller. Nothing runs until {@link start} / {@link run}; the configuration is
 * validated when it starts.
 *
 * @example
 * const websites = Controller.make({
 *   name: "website",
 *   for: Website,
 *   owns: [Kinds.ConfigMap, Kinds.Deployment, Kinds.Service],
 *   watches: [Controller.watches(Kinds.Secret, secretToWebsites, { metadataOnly: true })],
 *   indexers: { bySecret: secretRefIndex },
 *   predicates: [Predicates.generationChanged],
 *   concurrency: 4,
 *   reconcile: (site) => applyChildren(site).pipe(Effect.as(Action.requeueAfter("10 minutes")))
 * })
 * @since 0.1.0
 */
export const make = <A extends KubeObject, I, E = never, R = never>(
  options: Options<A, I, E, R>
): Controller<A, E, R> => {
  const controller: Controller<A, E, R> = {
    [TypeId]: variance,
    name: options.name,
    for: options.for,
    owns: (options.owns ?? []).map((o) => (o._tag === "Owns" ? o : owns(o))),
    watches: options.watches ?? [],
    predicates: options.predicates ?? [],
    namespace: options.namespace,
    labelSelector: options.labelSelector,
    indexers: options.indexers,
    concurrency: options.concurrency ?? 1,
    reconcileTimeout: Duration.decode(options.reconcileTimeout ?? Duration.minutes(5)),
    cacheSyncTimeout: Duration.decode(options.cacheSyncTimeout ?? Duration.minutes(2)),
    gracefulShutdownTimeout: Duration.decode(options.gracefulShutdownTimeout ?? Duration.seconds(30)),
    resyncPeriod: options.resyncPeriod === undefined ? undefined : Duration.decode(options.resyncPeriod),
    rateLimiter: options.rateLimiter,
    reconcile: options.reconcile,
    onGone: options.onGone,
    start: Effect.suspend(() => internalRunner.start(controller))
  }
  return controller
}

/**
 * Starts a controller in the current scope and returns once its caches synced and its workers
 * run. Closing the scope shuts it down gracefully: intake stops, in-flight reconciles get the
 * graceful shutdown timeout to finish, then the informers stop.
 *
 * @example
 * const program = Effect.gen(function* () {
 *   const running = yield* Controller.start(websites)
 *   yield* Effect.log(`${running.name} is reconciling`)
 *   yield* Effect.never
 * }).pipe(Effect.scoped, Effect.provide(InformerFactory.layer))
 * @since 0.1.0
 */
export const start = <A extends KubeObject, E, R>(
  self: Controller<A, E, R>
): Effect.Effect<Running, StartError, R | InformerFactory | Scope.Scope> => self.start

/**
 * Runs a controller until interrupted (then shuts it down gracefully, see {@link start}). Fails
 * only when it cannot start.
 *
 * @example
 * Controller.run(websites).pipe(Effect.provide(InformerFactory.layer), Effect.provide(KubeApi.layerFromKubeConfig()))
 * @since 0.1.0
 */
export const run = <A extends KubeObject, E, R>(
  self: Controller<A, E, R>
): Effect.Effect<never, StartError, R | InformerFactory> => Effect.scoped(Effect.zipRight(self.start, Effect.never))

/**
 * The reconcile metrics (controller-runtime names and types), unlabelled; each controller
 * records under the label `controller` (and `result` for `reconcileTotal`). Read one
 * controller's values with {@link metricsFor}.
 *
 * @example
 * const names = Object.values(Controller.metrics).length
 * @since 0.1.0
 */
export const metrics = {
  /** Counter `controller_runtime_reconcile_total{controller, result=success|error|requeue|requeue_after}`. */
  reconcileTotal: internalMetrics.reconcileTotal,
  /** Counter `controller_runtime_reconcile_errors_total{controller}`: typed errors, terminal errors, panics, timeouts. */
  reconcileErrors: internalMetrics.reconcileErrors,
  /** Counter `controller_runtime_terminal_reconcile_errors_total{controller}`. */
  terminalReconcileErrors: internalMetrics.terminalReconcileErrors,
  /** Counter `controller_runtime_reconcile_panics_total{controller}`: defects recovered. */
  reconcilePanics: internalMetrics.reconcilePanics,
  /** Counter `controller_runtime_reconcile_timeouts_total{controller}`. */
  reconcileTimeouts: internalMetrics.reconcileTimeouts,
  /** Histogram `controller_runtime_reconcile_time_seconds{controller}`. */
  reconcileTime: internalMetrics.reconcileTime,
  /** Gauge `controller_runtime_max_concurrent_reconciles{controller}`. */
  maxConcurrentReconciles: internalMetrics.maxConcurrentReconciles,
  /** Gauge `controller_runtime_active_workers{controller}`: reconciles in flight. */
  activeWorkers: internalMetrics.activeWorkers
} as const

/**
 * The metrics of one controller, tagged with its labels — for reading with `Metric.value`.
 *
 * @example
 * const ok = yield* Metric.value(Controller.metricsFor("website").reconcileTotal("success"))
 * @since 0.1.0
 */
export const metricsFor = (controller: string) => {
  const tags = internalMetrics.controllerLabels(controller)
  return {
    reconcileTotal: (result: "success" | "error" | "requeue" | "requeue_after") =>
      Metric.taggedWithLabels(internalMetrics.reconcileTotal, internalMetrics.resultLabels(controller, result)),
    reconcileErrors: Metric.taggedWithLabels(internalMetrics.reconcileErrors, tags),
    terminalReconcileErrors: Metric.taggedWithLabels(internalMetrics.terminalReconcileErrors, tags),
    reconcilePanics: Metric.taggedWithLabels(internalMetrics.reconcilePanics, tags),
    reconcileTimeouts: Metric.taggedWithLabels(internalMetrics.reconcileTimeouts, tags),
    reconcileTime: Metric.taggedWithLabels(internalMetrics.reconcileTime, tags),
    maxConcurrentReconciles: Metric.taggedWithLabels(internalMetrics.maxConcurrentReconciles, tags),
    activeWorkers: Metric.taggedWithLabels(internalMetrics.activeWorkers, tags)
  } as const
}
