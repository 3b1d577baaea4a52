/**
 * `SharedInformer`: one watcher reflected into one {@link Store.Store}, its Changes fanned out to
 * any number of handlers — each with its own unbounded buffer and fiber, late-handler replay,
 * per-handler `hasSynced` and resync.
 *
 * Guarantees:
 * - a slow handler never blocks the reflector or another handler (per-handler unbounded buffer;
 *   its depth and high-water mark are gauges);
 * - a handler failure (typed error or defect) is logged, counted and never stops the handler;
 * - each handler sees a consistent history: an add before any update or delete of a key, no
 *   second add without a delete in between — also a handler added late, which first gets the
 *   current cache as `onAdd(obj, isInitialList = true)` and then every later change, with no gap
 *   and no duplicate;
 * - an update that did not change the resourceVersion (a relist replaying an unchanged object) is
 *   a sync: delivered as `onUpdate(old, new, isSync = true)` only to handlers with a
 *   `resyncPeriod` (client-go delivers it only to handlers due for a resync);
 * - everything runs in the caller's scope: closing it stops the watcher, the handler fibers and
 *   the timers.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as MetricLabel from "effect/MetricLabel"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import type { Api, ListOptions } from "@effect-kube/client/Api"
import type { KubeError } from "@effect-kube/core/Errors"
import type { KubeObject } from "@effect-kube/core/Meta"
import { reflect } from "@effect-kube/reflector/Reflector"
import {
  type WatcherHandle,
  type WatcherOptions,
  type WatcherStatus,
  watcherWithStatus
} from "@effect-kube/reflector/Watcher"
import * as Store from "@effect-kube/store/Store"
import * as fanout from "./internal/fanout.js"
import * as internalConsistency from "./internal/consistency.js"
import * as internalMetrics from "./internal/metrics.js"
import * as internalMetadata from "./internal/metadata.js"

/**
 * Callbacks of one registration. Each returns an Effect; its failures and defects are caught,
 * logged (by object key) and counted — the handler keeps receiving. Calls to one handler are
 * sequential, in cache order; different handlers run concurrently.
 *
 * @example
 * const handler: Handler<KubeObject> = {
 *   onAdd: (obj, isInitialList) => Effect.log(`add ${obj.metadata.name} initial=${isInitialList}`),
 *   onUpdate: (_old, obj, isSync) => (isSync ? Effect.void : Effect.log(`update ${obj.metadata.name}`)),
 *   onDelete: (obj, finalStateUnknown) => Effect.log(`delete ${obj.metadata.name} unknown=${finalStateUnknown}`)
 * }
 * @since 0.1.0
 */
export interface Handler<A, R = never> {
  /** A key entered the cache; `isInitialList` for the first list and a late handler's replay. */
  readonly onAdd?: (object: A, isInitialList: boolean) => Effect.Effect<void, unknown, R>
  /** A key changed; `isSync` for resyncs and relist replays of an unchanged resourceVersion. */
  readonly onUpdate?: (old: A, object: A, isSync: boolean) => Effect.Effect<void, unknown, R>
  /** A key left the cache; `finalStateUnknown` when a relist inferred it (last known state). */
  readonly onDelete?: (object: A, finalStateUnknown: boolean) => Effect.Effect<void, unknown, R>
}

/**
 * Options of {@link SharedInformer.addHandler}.
 *
 * @example
 * yield* informer.addHandler(handler, { name: "website-controller", resyncPeriod: "10 hours" })
 * @since 0.1.0
 */
export interface HandlerOptions {
  /** Name used in logs and the `handler` metric label. Default `handler-<n>`. */
  readonly name?: string
  /**
   * Replay the whole cache as `onUpdate(obj, obj, true)` this often (clamped to at least 1 s).
   * Absent: no resync, and relist replays of unchanged objects are not delivered.
   */
  readonly resyncPeriod?: Duration.DurationInput
}

/**
 * Counters of one registration.
 *
 * @example
 * const { pending, highWater } = yield* registration.stats
 * @since 0.1.0
 */
export interface RegistrationStats {
  /** Notifications waiting in the buffer. */
  readonly pending: number
  /** Most notifications ever waiting at once. */
  readonly highWater: number
  /** Handler calls made. */
  readonly delivered: number
  /** Handler calls that failed or died. */
  readonly errors: number
}

/**
 * A handler registered on an informer. It is removed (its fiber and resync timer stopped) when
 * the scope it was added in closes.
 *
 * @example
 * const registration = yield* informer.addHandler(handler)
 * yield* registration.awaitSynced // the handler has seen the whole initial cache
 * @since 0.1.0
 */
export interface Registration {
  readonly name: string
  /** True once the handler processed the adds of the cache as it was when it registered (or the first list). */
  readonly hasSynced: Effect.Effect<boolean>
  /** Completes when {@link hasSynced} becomes true. */
  readonly awaitSynced: Effect.Effect<void>
  readonly stats: Effect.Effect<RegistrationStats>
}

/**
 * What an informer watches (for logs, errors and RBAC hints).
 *
 * @example
 * const target: Target = { kind: "ConfigMap", plural: "configmaps", group: "", namespace: "default", labelSelector: undefined, fieldSelector: undefined }
 * @since 0.1.0
 */
export interface Target {
  readonly kind: string
  /** Lower-case plural (the RBAC resource). */
  readonly plural: string
  /** API group ("" for core). */
  readonly group: string
  /** `undefined`: all namespaces (or a cluster-scoped kind). */
  readonly namespace: string | undefined
  readonly labelSelector: string | undefined
  readonly fieldSelector: string | undefined
}

/**
 * A shared informer of one kind.
 *
 * @example
 * const program = Effect.gen(function* () {
 *   const kube = yield* KubeApi
 *   const informer = yield* SharedInformer.make(kube.resource(Resource.untyped(Kinds.ConfigMap)))
 *   yield* informer.addHandler({ onAdd: (cm) => Effect.log(cm.metadata.name) })
 *   yield* informer.awaitSynced
 *   return informer.store.list().length
 * }).pipe(Effect.scoped)
 * @since 0.1.0
 */
export interface SharedInformer<A extends KubeObject> {
  readonly target: Target
  /** The cache (synchronous reads). */
  readonly store: Store.Store<A>
  /** Whether the first list has been committed to the store. */
  readonly hasSynced: Effect.Effect<boolean>
  /** Completes when the first list has been committed to the store. */
  readonly awaitSynced: Effect.Effect<void>
  /** The watcher's current status. */
  readonly status: Effect.Effect<WatcherStatus>
  /** The watcher's status, now and on every transition. */
  readonly statusChanges: Stream.Stream<WatcherStatus>
  /** The last list/watch failure, if any (e.g. a `Forbidden` when RBAC is missing). */
  readonly lastError: Effect.Effect<Option.Option<KubeError>>
  /**
   * Registers a handler for the lifetime of the current scope. Requirements of the handler's
   * Effects are taken from the caller's context.
   */
  readonly addHandler: <R = never>(
    handler: Handler<A, R>,
    options?: HandlerOptions
  ) => Effect.Effect<Registration, never, Scope.Scope | R>
  /**
   * The Changes as a Stream: each run first gets the current cache as `Added` (initial list),
   * then every Change (including relist replays of unchanged objects) — unbounded buffer.
   */
  readonly stream: Stream.Stream<Store.Change<A>>
  /** Forces a consistent relist of the watcher. */
  readonly relist: Effect.Effect<void>
}

/**
 * Store options of an informer (indexers, transform, freeze).
 *
 * @example
 * const options: StoreOptions<KubeObject> = { transform: Store.stripManagedFields }
 * @since 0.1.0
 */
export type StoreOptions<A extends KubeObject> = Store.WriterOptions<A>

/**
 * Periodic comparison of the cache with a fresh list.
 *
 * @example
 * const check: ConsistencyCheckOptions = { interval: "10 minutes" }
 * @since 0.1.0
 */
export interface ConsistencyCheckOptions {
  /** How often to compare (via `Clock`). */
  readonly interval: Duration.DurationInput
}

/**
 * Options of {@link make}: the watcher's, the store's, and an optional consistency check.
 *
 * @example
 * const options: Options<KubeObject> = { namespace: "default", labelSelector: "app=web", consistencyCheck: { interval: "10 minutes" } }
 * @since 0.1.0
 */
export interface Options<A extends KubeObject> extends WatcherOptions, StoreOptions<A> {
  /**
   * Every `interval`, list the informer's selection at the store's resourceVersion and compare
   * keys and resourceVersions with the cache; drift is logged, counted in
   * `informer_consistency_drift_total{kind}` and repaired by a forced relist.
   */
  readonly consistencyCheck?: ConsistencyCheckOptions
}

/**
 * The metrics of informers (Effect `Metric`s, in the default registry).
 *
 * @example
 * const errors = yield* Metric.value(
 *   SharedInformer.metrics.handlerErrors.pipe(Metric.tagged("kind", "ConfigMap"), Metric.tagged("handler", "website"))
 * )
 * @since 0.1.0
 */
export const metrics = {
  /** `informer_handler_events_total{kind, handler}`: handler calls made. */
  handlerEvents: internalMetrics.handlerEvents,
  /** `informer_handler_errors_total{kind, handler}`: handler calls that failed or died. */
  handlerErrors: internalMetrics.handlerErrors,
  /** `informer_handler_buffer_high_water{kind, handler}`: most notifications ever waiting. */
  bufferHighWater: internalMetrics.bufferHighWater,
  /** `informer_handler_buffer_depth{kind, handler}`: notifications waiting now. */
  bufferDepth: internalMetrics.bufferDepth,
  /** `informer_consistency_drift_total{kind}`: checks that found drift (each repaired by a relist). */
  consistencyDrift: internalMetrics.consistencyDrift,
  /** `informer_consistency_checks_total{kind}`: checks completed. */
  consistencyChecks: internalMetrics.consistencyChecks
} as const

/**
 * A consistency check over any source: `list(resourceVersion)` lists the informer's selection,
 * exactly at `resourceVersion` when given (`resourceVersionMatch=Exact`).
 *
 * @example
 * const check: ConsistencyCheck<KubeObject> = {
 *   interval: "10 minutes",
 *   list: (resourceVersion) => api.listAll(resourceVersion ? { resourceVersion, resourceVersionMatch: "Exact" } : {})
 * }
 * @since 0.1.0
 */
export interface ConsistencyCheck<A> extends ConsistencyCheckOptions {
  readonly list: (resourceVersion: string | undefined) => Stream.Stream<A, KubeError>
}

/**
 * Builds an informer over a watcher handle (events, status, relist) — the seam for custom
 * sources and fakes; {@link make} is this over `watcherWithStatus`.
 *
 * @example
 * const informer = yield* SharedInformer.fromSource(target, yield* Watcher.watcherWithStatus(api))
 * @since 0.1.0
 */
export const fromSource = <A extends KubeObject>(
  target: Target,
  source: WatcherHandle<A>,
  options?: StoreOptions<A> & { readonly consistencyCheck?: ConsistencyCheck<A> }
): Effect.Effect<SharedInformer<A>, never, Scope.Scope> =>
  Effect.gen(function* () {
    const fan = fanout.make(target.kind, Store.makeWriter<A>(options))
    const store = fan.writer.store
    yield* source.events.pipe(
      reflect(fan.writer),
      Stream.runDrain,
      Effect.onExit((exit) =>
        // The watcher is specified to run until interrupted; anything else is a bug worth shouting about.
        exit._tag === "Failure" && !Cause.isInterruptedOnly(exit.cause)
          ? Effect.logError("informer watcher stopped unexpectedly", exit.cause)
          : exit._tag === "Success"
            ? Effect.logError("informer watcher ended unexpectedly")
            : Effect.void
      ),
      Effect.annotateLogs({ kind: target.kind, namespace: target.namespace ?? "" }),
      Effect.forkScoped
    )
    const check = options?.consistencyCheck
    if (check !== undefined) {
      yield* internalConsistency.run({ target, store, check, relist: source.relist })
    }
    const status = SubscriptionRef.get(source.status)
    const informer: SharedInformer<A> = {
      target,
      store,
      hasSynced: Effect.sync(() => store.isSynced()),
      awaitSynced: store.synced,
      status,
      statusChanges: source.status.changes,
      lastError: Effect.map(status, (s) => s.lastError),
      addHandler: fan.addHandler,
      stream: fan.changes,
      relist: source.relist
    }
    return informer
  })

const targetOf = <A extends KubeObject>(api: Api<A>, options: WatcherOptions | undefined): Target => ({
  kind: api.resource.kind,
  plural: api.resource.plural,
  group: api.resource.group,
  namespace: api.resource.scope === "Cluster" ? undefined : (options?.namespace ?? api.namespace),
  labelSelector: options?.labelSelector,
  fieldSelector: options?.fieldSelector
})

/**
 * Starts an informer on one kind for the lifetime of the current scope: a watcher
 * (`watcherWithStatus`) reflected into a fresh store. Use `Resource.untyped(kind)` for the Api so
 * no Schema decode runs per event.
 *
 * @example
 * const informer = yield* SharedInformer.make(kube.resource(Resource.untyped(Kinds.Pod)), {
 *   namespace: "default",
 *   indexers: { byNode: (pod) => [String((pod.spec as { nodeName?: string } | undefined)?.nodeName ?? "")] },
 *   transform: Store.stripManagedFields
 * })
 * @since 0.1.0
 */
export const make = <A extends KubeObject>(
  api: Api<A>,
  options?: Options<A>
): Effect.Effect<SharedInformer<A>, never, Scope.Scope> =>
  Effect.gen(function* () {
    const target = targetOf(api, options)
    const handle = yield* watcherWithStatus(api, options)
    const interval = options?.consistencyCheck?.interval
    const listOptions: ListOptions = {
      namespace: target.namespace,
      labelSelector: target.labelSelector,
      fieldSelector: target.fieldSelector
    }
    return yield* fromSource(target, handle, {
      indexers: options?.indexers,
      transform: options?.transform,
      freeze: options?.freeze,
      consistencyCheck:
        interval === undefined
          ? undefined
          : {
              interval,
              list: (resourceVersion) =>
                api.listAll(
                  resourceVersion === undefined
                    ? listOptions
                    : { ...listOptions, resourceVersion, resourceVersionMatch: "Exact" }
                )
            }
    })
  })

/**
 * A metadata-only informer: list and watch with `as=PartialObjectMetadata`, so only `metadata`
 * (plus apiVersion/kind) of each object is transferred and cached — for watching many large
 * objects (Secrets, Pods) when labels, owners or finalizers are all that matters.
 *
 * @example
 * const secrets = yield* SharedInformer.makeMetadata(kube.resource(Resource.untyped(Kinds.Secret)))
 * secrets.store.list().map((s) => s.metadata.name)
 * @since 0.1.0
 */
export const makeMetadata = (
  api: Api<KubeObject>,
  options?: Options<KubeObject>
): Effect.Effect<SharedInformer<KubeObject>, never, Scope.Scope> => make(internalMetadata.metadataApi(api), options)

/**
 * The caches named did not sync in time. `message` names each kind, where it was watched, the
 * likely cause (RBAC) and the watcher's last error.
 *
 * @example
 * SharedInformer.waitForCacheSync([pods]).pipe(
 *   Effect.catchTag("CacheSyncTimeout", (e) => Effect.logError(e.message))
 * )
 * @since 0.1.0
 */
export class CacheSyncTimeout extends Data.TaggedError("CacheSyncTimeout")<{
  readonly message: string
  /** Kinds that did not sync. */
  readonly kinds: ReadonlyArray<string>
  readonly timeout: Duration.Duration
  /** The last watcher error of each unsynced informer, by kind. */
  readonly lastErrors: ReadonlyArray<{ readonly kind: string; readonly error: Option.Option<KubeError> }>
}> {}

/**
 * What {@link waitForCacheSync} needs of an informer.
 *
 * @example
 * const syncables: ReadonlyArray<Syncable> = [pods, configMaps]
 * @since 0.1.0
 */
export type Syncable = Pick<SharedInformer<KubeObject>, "target" | "hasSynced" | "awaitSynced" | "lastError">

const describeTarget = (target: Target): string => {
  const where = target.namespace === undefined ? "all namespaces" : `namespace ${target.namespace}`
  const selectors = [
    target.labelSelector ? `labelSelector ${target.labelSelector}` : undefined,
    target.fieldSelector ? `fieldSelector ${target.fieldSelector}` : undefined
  ].filter((s) => s !== undefined)
  return `${target.kind} (${where}${selectors.length > 0 ? `, ${selectors.join(", ")}` : ""})`
}

const rbacHint = (target: Target): string => {
  const resource = target.group === "" ? target.plural : `${target.plural}.${target.group}`
  const where = target.namespace === undefined ? "cluster-wide" : `in namespace ${target.namespace}`
  return `check RBAC: list/watch ${resource} ${where}`
}

const describeError = (error: KubeError): string => `${error._tag}: ${error.message}`

/**
 * Waits until every informer's first list is in its store, or fails after `timeout` (default
 * 2 minutes, via `Clock`) with a {@link CacheSyncTimeout} naming the kinds still unsynced, the
 * RBAC permission to check and each watcher's last error.
 *
 * @example
 * yield* SharedInformer.waitForCacheSync([pods, configMaps], "30 seconds")
 * @since 0.1.0
 */
export const waitForCacheSync = (
  informers: Iterable<Syncable>,
  timeout: Duration.DurationInput = Duration.minutes(2)
): Effect.Effect<void, CacheSyncTimeout> => {
  const all = Array.from(informers)
  const limit = Duration.decode(timeout)
  return Effect.forEach(all, (informer) => informer.awaitSynced, { concurrency: "unbounded", discard: true }).pipe(
    Effect.timeoutOption(limit),
    Effect.flatMap((done) =>
      Option.isSome(done)
        ? Effect.void
        : Effect.gen(function* () {
            const unsynced: Array<{ readonly target: Target; readonly error: Option.Option<KubeError> }> = []
            for (const informer of all) {
              if (yield* informer.hasSynced) continue
              unsynced.push({ target: informer.target, error: yield* informer.lastError })
            }
            if (unsynced.length === 0) return
            const lines = unsynced.map(
              ({ target, error }) =>
                `${describeTarget(target)}: ${rbacHint(target)}${Option.match(error, {
                  onNone: () => "",
                  onSome: (e) => `; last error: ${describeError(e)}`
                })}`
            )
            return yield* new CacheSyncTimeout({
              message: `caches did not sync within ${Duration.format(limit)}: ${lines.join("; ")}`,
              kinds: unsynced.map(({ target }) => target.kind),
              timeout: limit,
              lastErrors: unsynced.map(({ target, error }) => ({ kind: target.kind, error }))
            })
          })
    )
  )
}

/**
 * The labels of an informer's handler metrics.
 *
 * @example
 * Metric.taggedWithLabels(SharedInformer.metrics.handlerErrors, SharedInformer.handlerLabels("ConfigMap", "website"))
 * @since 0.1.0
 */
export const handlerLabels = (kind: string, handler: string): ReadonlyArray<MetricLabel.MetricLabel> => [
  MetricLabel.make("kind", kind),
  MetricLabel.make("handler", handler)
]
