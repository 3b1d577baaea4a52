/**
 * `watcher`: the list+watch state machine of one kind as a Stream of {@link WatcherEvent}s that
 * never ends and never fails (client-go's Reflector semantics, kube-rs's event shape).
 *
 * Guarantees:
 * - the initial list is paginated and framed as `Init`, `InitApply`×n, `InitDone(rv)`; a
 *   consumer that buffers between `Init` and `InitDone` never exposes a half-filled cache. A new
 *   `Init` before `InitDone` (a list that failed half-way and restarted) discards the buffer;
 * - the watch resumes from the last resourceVersion seen (objects and BOOKMARKs) after a server
 *   timeout or any retryable failure — no relist, no duplicates; only a 410 Gone/Expired (or
 *   {@link WatcherHandle.relist}) relists;
 * - failures back off (800 ms × 2ⁿ, equal jitter, cap 30 s, reset after 2 min healthy; 429 and
 *   503 honour Retry-After), are logged with the kind and namespace, counted in
 *   {@link watchErrorsTotal}, and visible in {@link WatcherStatus};
 * - a malformed object (no `metadata.name`, or a `DecodeError` naming its resourceVersion) is
 *   logged, counted and skipped; the resourceVersion still advances past it;
 * - time goes through Effect's `Clock` and randomness through `Random` (TestClock-friendly).
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import type * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type * as SubscriptionRef from "effect/SubscriptionRef"
import type { Api } from "@effect-kube/client/Api"
import type { KubeError } from "@effect-kube/core/Errors"
import type { KubeObject } from "@effect-kube/core/Meta"
import * as internal from "./internal/watcher.js"

/**
 * What a watcher emits (kube-rs's `watcher::Event`).
 *
 * - `Init`: a (re)list starts; `InitApply` events follow until `InitDone`.
 * - `InitApply`: one object of the list.
 * - `InitDone`: the list is complete at `resourceVersion`; objects not seen since `Init` are gone.
 * - `Apply`: an object was added or modified (watch ADDED / MODIFIED).
 * - `Delete`: an object was deleted (watch DELETED, carrying its final state).
 *
 * @example
 * const describe = (e: WatcherEvent<KubeObject>) => e._tag === "Apply" ? e.object.metadata.name : e._tag
 * @since 0.1.0
 */
export type WatcherEvent<A> =
  | { readonly _tag: "Init" }
  | { readonly _tag: "InitApply"; readonly object: A }
  | { readonly _tag: "InitDone"; readonly resourceVersion: string | undefined }
  | { readonly _tag: "Apply"; readonly object: A }
  | { readonly _tag: "Delete"; readonly object: A }

/**
 * Options of {@link watcher}.
 *
 * @example
 * const options: WatcherOptions = { namespace: "default", labelSelector: "app=web", initialList: "StreamingList" }
 * @since 0.1.0
 */
export interface WatcherOptions {
  /** Namespace to watch; default: the Api's namespace; none = all namespaces. */
  readonly namespace?: string
  readonly labelSelector?: string
  readonly fieldSelector?: string
  /**
   * `"Consistent"` (default): lists are quorum reads (resourceVersion unset). `"Any"`: the first
   * page asks for resourceVersion "0" (served from the apiserver's watch cache: cheaper, may be
   * stale). Lists restarted after a 410 and forced relists are always consistent.
   */
  readonly listSemantic?: "Consistent" | "Any"
  /**
   * `"ListWatch"` (default): paginated list, then watch. `"StreamingList"`: one watch with
   * `sendInitialEvents=true` (Kubernetes ≥ 1.27 with WatchList); a server that refuses it
   * (400/422) or ends the stream before the initial-events-end bookmark makes this watcher fall
   * back to list+watch for good (logged once).
   */
  readonly initialList?: "ListWatch" | "StreamingList"
  /** Page size of lists. Default 500. */
  readonly pageSize?: number
  /** Ask for BOOKMARK events (default true). */
  readonly bookmarks?: boolean
  /**
   * Server-side watch timeouts are drawn uniformly from [min, 2 × min] seconds to spread
   * reconnects (client-go). Default 300 (5 minutes).
   */
  readonly minWatchTimeoutSeconds?: number
  /** Client inactivity timeout passed to `Api.watch` (default there: server timeout + 30 s). */
  readonly idleTimeout?: Duration.DurationInput
  /** Backoff overrides (milliseconds); defaults 800 ms × 2, cap 30 s, reset after 2 min. */
  readonly backoff?: {
    readonly initialMillis?: number
    readonly factor?: number
    readonly maxMillis?: number
    readonly resetAfterMillis?: number
  }
}

/**
 * What the watcher is doing right now.
 *
 * @example
 * const busy = (phase: WatcherPhase) => phase === "Listing" || phase === "BackingOff"
 * @since 0.1.0
 */
export type WatcherPhase = "Starting" | "Listing" | "Watching" | "BackingOff"

/**
 * The health of a watcher, updated on transitions (never per event).
 *
 * @example
 * const describe = (s: WatcherStatus) => s.healthy ? "ok" : Option.match(s.lastError, { onNone: () => "starting", onSome: (e) => e._tag })
 * @since 0.1.0
 */
export interface WatcherStatus {
  readonly phase: WatcherPhase
  /** The last list completed or the current watch delivered events, and nothing failed since. */
  readonly healthy: boolean
  /** A list (or streaming list) has completed at least once. */
  readonly synced: boolean
  readonly lastError: Option.Option<KubeError>
  /** When {@link lastError} happened (epoch milliseconds, from `Clock`). */
  readonly lastErrorAt: Option.Option<number>
  /** Failures since the watcher started. */
  readonly failures: number
  /** Failures since the last healthy moment. */
  readonly consecutiveFailures: number
  /** Relists after the first list (410 Gone/Expired, forced). */
  readonly relists: number
  /** When the last list completed (epoch milliseconds). */
  readonly lastSyncTime: Option.Option<number>
  /** The initial-list strategy in use (`"ListWatch"` after a streaming-list fallback). */
  readonly initialList: "ListWatch" | "StreamingList"
}

/**
 * A watcher with its status and a relist trigger.
 *
 * @example
 * const forceRelistWhenStale = (handle: WatcherHandle<KubeObject>) => handle.relist
 * @since 0.1.0
 */
export interface WatcherHandle<A> {
  /** The events. Run it once: the status and the relist trigger belong to one run. */
  readonly events: Stream.Stream<WatcherEvent<A>>
  readonly status: SubscriptionRef.SubscriptionRef<WatcherStatus>
  /**
   * Forces a consistent relist: the current list or watch request is abandoned and a new list
   * starts (after any backoff in progress). Returns once requested.
   */
  readonly relist: Effect.Effect<void>
}

/**
 * `reflector_watch_errors_total{kind, verb, reason}`: every list/watch failure, by error tag.
 *
 * @example
 * const forbidden = Metric.value(watchErrorsTotal.pipe(Metric.tagged("kind", "Pod"), Metric.tagged("verb", "list"), Metric.tagged("reason", "Forbidden")))
 * @since 0.1.0
 */
export const watchErrorsTotal: Metric.Metric.Counter<number> = Metric.counter("reflector_watch_errors_total", {
  description: "List and watch failures of reflectors, by kind, verb and reason (error tag)",
  incremental: true
})

/**
 * `reflector_relists_total{kind, reason}`: relists after the first list (`Gone`, `Forced`).
 *
 * @example
 * const relists = Metric.value(relistsTotal.pipe(Metric.tagged("kind", "Pod"), Metric.tagged("reason", "Gone")))
 * @since 0.1.0
 */
export const relistsTotal: Metric.Metric.Counter<number> = Metric.counter("reflector_relists_total", {
  description: "Relists of reflectors after their first list, by kind and reason",
  incremental: true
})

/**
 * A watcher of one kind with its status and a relist trigger.
 *
 * @example
 * const program = Effect.gen(function* () {
 *   const kube = yield* KubeApi
 *   const { events, status } = yield* Watcher.watcherWithStatus(kube.resource(Resource.untyped(Kinds.Pod)))
 *   yield* events.pipe(Stream.runForEach((e) => Effect.log(e._tag)), Effect.fork)
 *   return yield* SubscriptionRef.get(status)
 * })
 * @since 0.1.0
 */
export const watcherWithStatus: <A extends KubeObject>(
  api: Api<A>,
  options?: WatcherOptions
) => Effect.Effect<WatcherHandle<A>> = internal.make

/**
 * The list+watch Stream of one kind. Never fails, never ends (interrupt it to stop).
 *
 * @example
 * const program = Effect.gen(function* () {
 *   const kube = yield* KubeApi
 *   yield* Watcher.watcher(kube.resource(Resource.untyped(Kinds.ConfigMap), { namespace: "default" })).pipe(
 *     Stream.runForEach((event) => Effect.log(event._tag))
 *   )
 * })
 * @since 0.1.0
 */
export const watcher = <A extends KubeObject>(api: Api<A>, options?: WatcherOptions): Stream.Stream<WatcherEvent<A>> =>
  Stream.unwrap(internal.makeEvents(api, options))
