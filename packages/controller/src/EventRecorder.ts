/**
 * Kubernetes Events about the objects a controller manages (client-go `tools/events`).
 *
 * - `events.k8s.io/v1` Events, with `reportingController` and `reportingInstance`; when the
 *   apiserver does not serve `events.k8s.io` (404) the recorder switches to core/v1 Events.
 * - Repeats — same regarding object, related object, type, reason and action — within 6 minutes
 *   of the last occurrence update the existing Event's `series` (`count`, `lastObservedTime`)
 *   instead of creating a new Event.
 * - A spam filter per source + object (client-go's `EventSourceObjectSpamFilter`): a token
 *   bucket of 25, refilled one token per 5 minutes; filtered events are counted.
 * - `record` never blocks and never fails: it puts the event on a bounded queue (1000) that one
 *   background fiber writes out; when the queue is full the event is dropped and counted.
 *   Write failures are retried (retryable errors only), then logged and counted.
 *
 * Metrics (labels `reporting_controller`, and `operation` for writes):
 * `event_recorder_dropped_total`, `event_recorder_spam_filtered_total`,
 * `event_recorder_writes_total{operation=create|series}`, `event_recorder_write_failures_total`.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import { hostname } from "node:os"
import { KubeApi } from "@effect-kube/client/KubeApi"
import type { KubeObject } from "@effect-kube/core/Meta"
import type * as ObjectKey from "@effect-kube/core/ObjectKey"
import * as internal from "./internal/controller/eventRecorder.js"
import type * as Status from "./Status.js"

/**
 * An event to record.
 *
 * @example
 * const e: EventRecorder.EventInput = { type: "Warning", reason: "ImagePullFailed", action: "Reconcile", note: "image not found" }
 * @since 0.1.0
 */
export interface EventInput {
  readonly type: "Normal" | "Warning"
  /** Why (CamelCase, ≤ 128 characters), e.g. `Created`, `ReconcileError`. */
  readonly reason: string
  /** What was done or failed (≤ 128 characters), e.g. `Reconcile`, `Delete`. */
  readonly action: string
  /** Human readable detail (truncated to 1 kB). */
  readonly note?: string
  /** A second object involved (e.g. the child that failed). */
  readonly related?: KubeObject | ObjectKey.ObjectRef
}

/**
 * Counters of a recorder (since it started).
 *
 * @example
 * const { created, seriesUpdates, dropped } = yield* recorder.stats
 * @since 0.1.0
 */
export interface Stats {
  /** Events put on the queue. */
  readonly accepted: number
  /** Events taken off the queue and handled (written, or failed). */
  readonly processed: number
  /** Event objects created. */
  readonly created: number
  /** Series updates of existing Events. */
  readonly seriesUpdates: number
  /** Events dropped because the queue was full. */
  readonly dropped: number
  /** Events discarded by the spam filter. */
  readonly filtered: number
  /** Events whose write failed after retries. */
  readonly failed: number
  /** The API Events are written to. */
  readonly api: "events.k8s.io/v1" | "v1"
}

/**
 * The recorder service.
 *
 * @example
 * const recorder: EventRecorder.Service = yield* EventRecorder.EventRecorder
 * @since 0.1.0
 */
export interface Service {
  readonly reportingController: string
  readonly reportingInstance: string
  /**
   * Records an event about `regarding` (an object with `apiVersion`/`kind`, or a reference).
   * Never blocks, never fails.
   */
  readonly record: (regarding: KubeObject | ObjectKey.ObjectRef, event: EventInput) => Effect.Effect<void>
  /** This recorder as the `Status.EventRecorder` the status helpers take (action `Reconcile`). */
  readonly forStatus: Status.EventRecorder
  /** Completes once every event accepted so far has been handled (written, dropped or failed). */
  readonly flush: Effect.Effect<void>
  readonly stats: Effect.Effect<Stats>
}

/**
 * Options of {@link make} / {@link EventRecorder.layer}.
 *
 * @example
 * const options: EventRecorder.Options = { reportingController: "example.com/website-operator" }
 * @since 0.1.0
 */
export interface Options {
  /** The controller writing events, e.g. `example.com/website-operator`. */
  readonly reportingController: string
  /** This instance of it; default the host name (the pod name in a cluster). */
  readonly reportingInstance?: string
  /** Queue capacity; default 1000. */
  readonly queueSize?: number
  /** Repeats within this window of the last occurrence join its series; default 6 minutes. */
  readonly seriesWindow?: Duration.DurationInput
  /** Spam filter burst per source + object; default 25. */
  readonly spamBurst?: number
  /** Spam filter refill: one token per this period; default 5 minutes. */
  readonly spamRefill?: Duration.DurationInput
  /** Retries of a retryable write failure (exponential from 500 ms); default 3. */
  readonly retries?: number
}

/**
 * Builds a recorder whose writer fiber lives in the current scope. Events still queued when the
 * scope closes are discarded (call {@link Service.flush} first to keep them).
 *
 * @example
 * const recorder = yield* EventRecorder.make({ reportingController: "example.com/website-operator" })
 * yield* recorder.record(site, { type: "Normal", reason: "Deployed", action: "Reconcile" })
 * @since 0.1.0
 */
export const make = (options: Options): Effect.Effect<Service, never, KubeApi | Scope.Scope> =>
  Effect.gen(function* () {
    const kube = yield* KubeApi
    const reportingInstance = options.reportingInstance ?? hostname()
    const recorder = yield* internal.make(kube, {
      reportingController: options.reportingController,
      reportingInstance,
      queueSize: Math.max(1, options.queueSize ?? 1000),
      seriesWindowMillis: Duration.toMillis(options.seriesWindow ?? Duration.minutes(6)),
      spamBurst: Math.max(1, options.spamBurst ?? 25),
      spamRefillMillis: Duration.toMillis(options.spamRefill ?? Duration.minutes(5)),
      retries: Math.max(0, options.retries ?? 3)
    })
    return {
      reportingController: options.reportingController,
      reportingInstance,
      record: recorder.record,
      forStatus: (object, event) =>
        recorder.record(object, {
          type: event.type,
          reason: event.reason,
          action: event.action ?? "Reconcile",
          note: event.message
        }),
      flush: recorder.flush,
      stats: recorder.stats
    }
  })

/**
 * The event recorder.
 *
 * @example
 * const program = Effect.gen(function* () {
 *   const recorder = yield* EventRecorder
 *   yield* recorder.record(site, { type: "Warning", reason: "SecretMissing", action: "Reconcile", note: "secret web-tls not found" })
 * }).pipe(Effect.provide(EventRecorder.layer({ reportingController: "example.com/website-operator" })))
 * @since 0.1.0
 */
export class EventRecorder extends Context.Tag("@effect-kube/controller/EventRecorder")<EventRecorder, Service>() {
  /**
   * A recorder over the `KubeApi` in context; its writer stops when the layer is released.
   *
   * @example
   * const Recorder = EventRecorder.layer({ reportingController: "example.com/website-operator" })
   * @since 0.1.0
   */
  static readonly layer = (options: Options): Layer.Layer<EventRecorder, never, KubeApi> =>
    Layer.scoped(EventRecorder, make(options))
}

/**
 * The recorder's metrics (Effect `Metric`s in the default registry), labelled
 * `reporting_controller` (and `operation` for `writes`).
 *
 * @example
 * const dropped = yield* Metric.value(Metric.tagged(EventRecorder.metrics.dropped, "reporting_controller", "example.com/website-operator"))
 * @since 0.1.0
 */
export const metrics = {
  /** Counter `event_recorder_dropped_total`: events dropped because the queue was full. */
  dropped: internal.dropped,
  /** Counter `event_recorder_spam_filtered_total`: events discarded by the spam filter. */
  spamFiltered: internal.spamFiltered,
  /** Counter `event_recorder_writes_total{operation=create|series}`. */
  writes: internal.writes,
  /** Counter `event_recorder_write_failures_total`: writes that failed after retries. */
  writeFailures: internal.writeFailures
} as const

/**
 * Records an event with the recorder in context, or does nothing when there is none — for
 * library code that reports when it can.
 *
 * @example
 * yield* EventRecorder.record(site, { type: "Normal", reason: "Deployed", action: "Reconcile" })
 * @since 0.1.0
 */
export const record = (regarding: KubeObject | ObjectKey.ObjectRef, event: EventInput): Effect.Effect<void> =>
  Effect.flatMap(Effect.serviceOption(EventRecorder), (recorder) =>
    recorder._tag === "Some" ? recorder.value.record(regarding, event) : Effect.void
  )
