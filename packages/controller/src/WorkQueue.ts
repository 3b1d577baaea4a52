/**
 * The controller work queue (client-go / controller-runtime semantics): a de-duplicating queue
 * of keys with delayed adds, per-key rate-limited retries, two priorities, graceful shutdown and
 * the `workqueue_*` metrics.
 *
 * Guarantees:
 * - **A key is never processed concurrently.** A key handed out by `get` is "processing" until
 *   `done(key)`; adds meanwhile mark it dirty and it is handed out again after `done`.
 * - Duplicates collapse: adding a key that is already queued is a no-op (a higher priority
 *   upgrades it).
 * - `addAfter` never makes a key ready before its time; several delays of one key keep the
 *   earliest. An `add` of a key waiting for a delay queues it now; when the delay fires later the
 *   key is queued again only if it is no longer pending.
 * - FIFO within a priority; `Normal` keys are always served before `Low` ones.
 *
 * Performance: all state is plain Maps/arrays mutated synchronously; no fiber per key. Delayed
 * keys live in one min-heap served by one timer fiber. Time comes from the Effect `Clock`
 * (`TestClock` in tests).
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import { LowLane, NormalLane, WorkQueueImpl } from "./internal/workQueue.js"
import * as metricsInternal from "./internal/workQueueMetrics.js"
import * as RateLimiter from "./RateLimiter.js"

/**
 * `Normal` (default) for watch events; `Low` for initial-list adds and resyncs, so that a
 * controller restart with thousands of objects does not delay reactions to live changes.
 *
 * @example
 * yield* queue.add("default/web", "Low")
 * @since 0.1.0
 */
export type Priority = "Normal" | "Low"

const laneOf = (priority: Priority | undefined): number => (priority === "Low" ? LowLane : NormalLane)

/**
 * A work queue of keys `K`.
 *
 * Pair every key obtained from `get` with exactly one `done(key)` — even when processing fails
 * or is interrupted — or the key stays "processing" forever and is never handed out again.
 * {@link processNext} and {@link runWorker} do that pairing (interruption-safe) for you.
 *
 * @example
 * const program = Effect.gen(function* () {
 *   const queue = yield* WorkQueue.make({ name: "website" })
 *   yield* queue.add("default/web")
 *   const key = yield* queue.get // Option.some("default/web")
 *   yield* queue.done("default/web")
 * })
 * @since 0.1.0
 */
export interface WorkQueue<K> {
  /** The queue's name (the `name` metric label). */
  readonly name: string
  /** Marks `key` as needing processing (no-op if already queued or after shutdown). */
  readonly add: (key: K, priority?: Priority) => Effect.Effect<void>
  /** Adds `key` once `delay` has elapsed; of several pending delays the earliest wins. */
  readonly addAfter: (key: K, delay: Duration.DurationInput, priority?: Priority) => Effect.Effect<void>
  /** Adds `key` after the rate limiter's delay for it (counts one more failure of `key`). */
  readonly addRateLimited: (key: K, priority?: Priority) => Effect.Effect<void>
  /** Resets `key`'s failure count in the rate limiter (after a successful reconcile). */
  readonly forget: (key: K) => Effect.Effect<void>
  /** How many times `key` has been rate-limited since the last `forget`. */
  readonly numRequeues: (key: K) => Effect.Effect<number>
  /**
   * Waits for the next key and marks it processing; `None` once the queue is shut down. An
   * interruption while waiting never loses a key.
   */
  readonly get: Effect.Effect<Option.Option<K>>
  /** Ends processing of `key`; if it was added meanwhile it is queued again. */
  readonly done: (key: K) => Effect.Effect<void>
  /** Keys ready to be handed out now (excludes delayed keys and keys being processed). */
  readonly len: Effect.Effect<number>
  /** Keys currently handed out and not yet `done`. */
  readonly processing: Effect.Effect<number>
  /** Keys waiting for an `addAfter` / `addRateLimited` delay. */
  readonly delayed: Effect.Effect<number>
  /**
   * Stops intake (later adds are ignored), drops queued and delayed keys, and wakes every
   * waiting `get` with `None`. Keys in flight may still call `done`. Idempotent.
   */
  readonly shutdown: Effect.Effect<void>
  /**
   * `shutdown`, then waits until every in-flight key is `done` or `timeout` (default 30 s)
   * elapses. Returns whether the queue drained in time.
   */
  readonly shutdownWithDrain: (timeout?: Duration.DurationInput) => Effect.Effect<boolean>
  readonly isShuttingDown: Effect.Effect<boolean>
  /** Synchronous `add` for callers already inside a synchronous callback. */
  readonly unsafeAdd: (key: K, priority?: Priority) => void
  /** See {@link processNext}. */
  readonly processNext: <A, E, R>(
    f: (key: K) => Effect.Effect<A, E, R>
  ) => Effect.Effect<Option.Option<Exit.Exit<A, E>>, never, R>
}

/**
 * Options of {@link make}.
 *
 * @example
 * WorkQueue.make({ name: "website", controller: "website", rateLimiter: RateLimiter.exponential({ cap: "5 minutes" }) })
 * @since 0.1.0
 */
export interface Options<K> {
  /** Queue name; the `name` metric label. */
  readonly name: string
  /** The `controller` metric label; defaults to `name` (as controller-runtime does). */
  readonly controller?: string
  /** Identity of a key; keys with equal identity are the same key. Required unless keys are strings. */
  readonly keyOf?: (key: K) => string
  /** Defaults to {@link RateLimiter.defaultController}. */
  readonly rateLimiter?: RateLimiter.RateLimiter
  /** Record the `workqueue_*` metrics (default true). */
  readonly metrics?: boolean
  /** How often the unfinished-work gauges are refreshed (default 500 ms, as client-go). */
  readonly unfinishedWorkUpdatePeriod?: Duration.DurationInput
}

/**
 * Creates a work queue whose timer and metrics fibers live in the current scope; closing the
 * scope shuts the queue down. Keys other than strings need a `keyOf`.
 *
 * @example
 * const program = Effect.scoped(Effect.gen(function* () {
 *   const queue = yield* WorkQueue.make({ name: "website", rateLimiter: RateLimiter.exponential() })
 *   yield* queue.addRateLimited("default/web") // ready in 5 ms
 * }))
 * @since 0.1.0
 */
export function make(options: Options<string>): Effect.Effect<WorkQueue<string>, never, Scope.Scope>
export function make<K>(
  options: Options<K> & { readonly keyOf: (key: K) => string }
): Effect.Effect<WorkQueue<K>, never, Scope.Scope>
export function make<K>(options: Options<K>): Effect.Effect<WorkQueue<K>, never, Scope.Scope> {
  return Effect.gen(function* () {
    const clock = yield* Effect.clock
    const metrics =
      options.metrics === false
        ? metricsInternal.noop
        : metricsInternal.make(options.name, options.controller ?? options.name)
    const impl = new WorkQueueImpl<K>(
      options.keyOf ?? String,
      clock,
      RateLimiter.instantiate(options.rateLimiter ?? RateLimiter.defaultController()),
      metrics
    )
    yield* Effect.addFinalizer(() => Effect.sync(() => impl.shutdown()))
    yield* Effect.forkScoped(impl.timerLoop)
    if (options.metrics !== false) {
      const period = Duration.decode(options.unfinishedWorkUpdatePeriod ?? Duration.millis(500))
      const update = Effect.sync(() => {
        if (!impl.shuttingDown) impl.updateUnfinishedWork()
      })
      yield* Effect.forkScoped(
        Effect.whileLoop({
          while: () => !impl.shuttingDown,
          body: () => Effect.zipRight(Clock.sleep(period), update),
          step: () => {}
        })
      )
    }
    return fromImpl(impl, options.name)
  })
}

const fromImpl = <K>(impl: WorkQueueImpl<K>, name: string): WorkQueue<K> => {
  const get: Effect.Effect<Option.Option<K>> = Effect.suspend(() => {
    const entry = impl.tryTake()
    return entry !== undefined ? Exit.succeed(Option.some(entry.key)) : impl.wait
  })
  return {
    name,
    add: (key, priority) => Effect.sync(() => impl.add(key, laneOf(priority))),
    addAfter: (key, delay, priority) =>
      Effect.sync(() => impl.addAfter(key, Duration.toMillis(Duration.decode(delay)), laneOf(priority))),
    addRateLimited: (key, priority) => Effect.sync(() => impl.addRateLimited(key, laneOf(priority))),
    forget: (key) => Effect.sync(() => impl.forget(key)),
    numRequeues: (key) => Effect.sync(() => impl.numRequeues(key)),
    get,
    done: (key) => Effect.sync(() => impl.done(key)),
    len: Effect.sync(() => impl.length),
    processing: Effect.sync(() => impl.processingSize),
    delayed: Effect.sync(() => impl.delayedSize),
    shutdown: Effect.sync(() => impl.shutdown()),
    shutdownWithDrain: (timeout) =>
      Effect.zipRight(
        Effect.sync(() => impl.shutdown()),
        // Interruptible even when called from a finalizer (uninterruptible), or the timeout
        // could never cancel the wait and a stuck reconcile would block shutdown forever.
        Effect.timeoutTo(Effect.interruptible(impl.awaitDrained), {
          duration: timeout ?? Duration.seconds(30),
          onSuccess: () => true,
          onTimeout: () => false
        })
      ),
    isShuttingDown: Effect.sync(() => impl.shuttingDown),
    unsafeAdd: (key, priority) => impl.add(key, laneOf(priority)),
    processNext: (f) => processNextImpl(impl, f)
  }
}

const processNextImpl = <K, A, E, R>(
  impl: WorkQueueImpl<K>,
  f: (key: K) => Effect.Effect<A, E, R>
): Effect.Effect<Option.Option<Exit.Exit<A, E>>, never, R> =>
  Effect.uninterruptibleMask((restore) => {
    const run = (key: K) =>
      Effect.map(
        Effect.tap(Effect.exit(restore(f(key))), (exit) =>
          Effect.sync(() => {
            impl.done(key)
            // The work did not finish: the key must not be lost (a no-op once shut down).
            if (Exit.isInterrupted(exit)) impl.add(key, NormalLane)
          })
        ),
        Option.some
      )
    return Effect.suspend(() => {
      const entry = impl.tryTake()
      if (entry !== undefined) return run(entry.key)
      // Interruptible only while suspended: the wait hands a key back if it is interrupted,
      // and once it succeeds we are uninterruptible again until `done` has run.
      return Effect.flatMap(Effect.interruptible(impl.wait), (key) =>
        Option.isSome(key) ? run(key.value) : Effect.succeed(Option.none())
      )
    })
  })

/**
 * Takes one key, runs `f` on it and marks it done — whatever `f`'s outcome, and without ever
 * losing a key to interruption: the wait is interruptible; once a key is taken, `done` always
 * runs, and if `f` was interrupted the key is queued again (unless the queue is shut down).
 * Returns `None` when the queue is shut down, otherwise `f`'s `Exit`.
 *
 * @example
 * const step = WorkQueue.processNext(queue, (key) => Effect.log(`reconcile ${key}`))
 * @since 0.1.0
 */
export const processNext = <K, A, E, R>(
  self: WorkQueue<K>,
  f: (key: K) => Effect.Effect<A, E, R>
): Effect.Effect<Option.Option<Exit.Exit<A, E>>, never, R> => self.processNext(f)

/**
 * Processes keys one at a time until the queue shuts down. Run it `n` times concurrently for
 * `n` workers; the queue guarantees no key is processed by two of them at once.
 *
 * @example
 * yield* Effect.forkScoped(WorkQueue.runWorker(queue, (key) => reconcile(key)))
 * @since 0.1.0
 */
export const runWorker = <K, A, E, R>(
  self: WorkQueue<K>,
  f: (key: K) => Effect.Effect<A, E, R>
): Effect.Effect<void, never, R> => {
  const loop: Effect.Effect<void, never, R> = Effect.flatMap(self.processNext(f), (result) =>
    Option.isSome(result) ? loop : Effect.void
  )
  return loop
}

/**
 * The queue metrics (controller-runtime names and types), unlabelled. Each queue records under
 * the labels `name` and `controller`; read one queue's value with {@link metricsFor}.
 *
 * @example
 * const counters = [WorkQueue.metrics.adds, WorkQueue.metrics.retries]
 * @since 0.1.0
 */
export const metrics = {
  /** Gauge: keys queued and not yet handed out (including re-adds of keys in flight). */
  depth: metricsInternal.depth,
  /** Counter: adds that queued a key (duplicates excluded). */
  adds: metricsInternal.adds,
  /** Counter: `addAfter` / `addRateLimited` calls. */
  retries: metricsInternal.retries,
  /** Histogram: seconds from add to `get`. */
  queueDuration: metricsInternal.queueDuration,
  /** Histogram: seconds from `get` to `done`. */
  workDuration: metricsInternal.workDuration,
  /** Gauge: summed seconds of in-flight work not yet observed by `workDuration`. */
  unfinishedWork: metricsInternal.unfinishedWork,
  /** Gauge: seconds the longest in-flight key has been processing. */
  longestRunningProcessor: metricsInternal.longestRunningProcessor
} as const

/**
 * The metrics of one queue, tagged with its labels — for reading with `Metric.value`.
 *
 * @example
 * const depth = yield* Metric.value(WorkQueue.metricsFor("website").depth)
 * @since 0.1.0
 */
export const metricsFor = (name: string, controller: string = name) => {
  const tags = metricsInternal.labels(name, controller)
  return {
    depth: Metric.taggedWithLabels(metricsInternal.depth, tags),
    adds: Metric.taggedWithLabels(metricsInternal.adds, tags),
    retries: Metric.taggedWithLabels(metricsInternal.retries, tags),
    queueDuration: Metric.taggedWithLabels(metricsInternal.queueDuration, tags),
    workDuration: Metric.taggedWithLabels(metricsInternal.workDuration, tags),
    unfinishedWork: Metric.taggedWithLabels(metricsInternal.unfinishedWork, tags),
    longestRunningProcessor: Metric.taggedWithLabels(metricsInternal.longestRunningProcessor, tags)
  } as const
}
