import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Mailbox from "effect/Mailbox"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import type { Api, ListOptions, ObjectList, WatchOptions } from "@effect-kube/client/Api"
import { DecodeError, type KubeError, TransportError } from "@effect-kube/core/Errors"
import type { KubeObject } from "@effect-kube/core/Meta"
import { isInitialEventsEnd, type WatchEvent } from "@effect-kube/core/WatchEvent"
import {
  relistsTotal,
  type WatcherEvent,
  type WatcherHandle,
  type WatcherOptions,
  type WatcherPhase,
  type WatcherStatus,
  watchErrorsTotal
} from "../Watcher.js"
import * as Backoff from "./backoff.js"

/** A watch that ends by itself sooner than this, without any event, counts as a failure. */
const VeryShortWatchMillis = 1000

const InitEvent: WatcherEvent<never> = { _tag: "Init" }

/** Which request failed: the paginated list, a watch, or the initial part of a streaming list. */
type Verb = "list" | "watch" | "watch-list"

interface Config {
  readonly kind: string
  readonly plural: string
  readonly group: string
  readonly namespace: string | undefined
  readonly labelSelector: string | undefined
  readonly fieldSelector: string | undefined
  readonly consistent: boolean
  readonly streaming: boolean
  readonly pageSize: number
  readonly bookmarks: boolean
  readonly minWatchTimeoutSeconds: number
  readonly idleTimeout: Duration.DurationInput | undefined
  readonly policy: Backoff.BackoffPolicy
}

/** State shared by every run of the events stream: the relist trigger. */
interface Control {
  forced: boolean
  signal: Deferred.Deferred<void>
}

/** State of one run of the events stream (mutated only by that run's fiber). */
interface Loop {
  rv: string | undefined
  needList: boolean
  consistentNext: boolean
  streaming: boolean
  synced: boolean
  healthy: boolean
  phase: WatcherPhase
  readonly backoff: Backoff.BackoffState
}

/** Per-request scratch state, filled synchronously while chunks are converted. */
interface Attempt {
  events: number
  initialDone: boolean
  initEmitted: boolean
  /** Objects listed so far in this (streaming) list, for the sync log line. */
  listed: number
  /** Set by the chunk converter: the initial-events-end bookmark just arrived. */
  syncedAt: string | undefined | null
  skipped: Array<string>
}

const nonEmpty = (s: string | undefined): string | undefined => (s === undefined || s === "" ? undefined : s)

const describeObject = (object: KubeObject): string => {
  const { name, namespace, resourceVersion } = object.metadata
  const key = name === undefined || name === "" ? "<no name>" : namespace ? `${namespace}/${name}` : name
  return resourceVersion ? `${key} (resourceVersion ${resourceVersion})` : key
}

/** The store keys objects by name: an object without one cannot be cached. */
const isUsable = (object: KubeObject): boolean => {
  const name = object.metadata.name
  return typeof name === "string" && name !== ""
}

const retryAfterMillis = (error: KubeError): number | undefined => {
  switch (error._tag) {
    case "TooManyRequests":
    case "ServerTimeout":
    case "ServiceUnavailable":
      return error.retryAfterSeconds === undefined ? undefined : error.retryAfterSeconds * 1000
    default:
      return undefined
  }
}

const formatMillis = (millis: number): string => (millis < 1000 ? `${millis}ms` : `${(millis / 1000).toFixed(1)}s`)

const resolveConfig = <A extends KubeObject>(api: Api<A>, options: WatcherOptions | undefined): Config => ({
  kind: api.resource.kind,
  plural: api.resource.plural,
  group: api.resource.group,
  namespace: api.resource.scope === "Cluster" ? undefined : (nonEmpty(options?.namespace) ?? nonEmpty(api.namespace)),
  labelSelector: nonEmpty(options?.labelSelector),
  fieldSelector: nonEmpty(options?.fieldSelector),
  consistent: options?.listSemantic !== "Any",
  streaming: options?.initialList === "StreamingList",
  pageSize: options?.pageSize !== undefined && options.pageSize > 0 ? Math.floor(options.pageSize) : 500,
  bookmarks: options?.bookmarks ?? true,
  minWatchTimeoutSeconds:
    options?.minWatchTimeoutSeconds !== undefined && options.minWatchTimeoutSeconds > 0
      ? Math.floor(options.minWatchTimeoutSeconds)
      : 300,
  idleTimeout: options?.idleTimeout,
  policy: {
    initialMillis: options?.backoff?.initialMillis ?? Backoff.defaultPolicy.initialMillis,
    factor: options?.backoff?.factor ?? Backoff.defaultPolicy.factor,
    maxMillis: options?.backoff?.maxMillis ?? Backoff.defaultPolicy.maxMillis,
    resetAfterMillis: options?.backoff?.resetAfterMillis ?? Backoff.defaultPolicy.resetAfterMillis
  }
})

/** @internal */
export const initialStatus = (streaming: boolean): WatcherStatus => ({
  phase: "Starting",
  healthy: false,
  synced: false,
  lastError: Option.none(),
  lastErrorAt: Option.none(),
  failures: 0,
  consecutiveFailures: 0,
  relists: 0,
  lastSyncTime: Option.none(),
  initialList: streaming ? "StreamingList" : "ListWatch"
})

/** Watch events buffered between the watch and the event conversion (backpressure beyond). */
const RelistBuffer = 64

/**
 * `stream`, ended (cleanly, after what it already handed over) when `signal` completes.
 *
 * Why not `Stream.interruptWhenDeferred`: it races the signal against every pull (a fork per
 * chunk), a third of the cost of a busy watch. Here the stream runs in its own fiber into a
 * bounded mailbox and one fiber per watch ends the mailbox on the signal.
 */
const endWhenDone = <A, E>(stream: Stream.Stream<A, E>, signal: Deferred.Deferred<void>): Stream.Stream<A, E> =>
  Stream.unwrapScoped(
    Effect.gen(function* () {
      const mailbox = yield* Mailbox.make<A, E>({ capacity: RelistBuffer, strategy: "suspend" })
      yield* Effect.forkScoped(
        Mailbox.into(mailbox)(Stream.runForEachChunk(stream, (chunk) => mailbox.offerAll(chunk)))
      )
      yield* Effect.forkScoped(Effect.zipRight(Deferred.await(signal), mailbox.end))
      return Mailbox.toStream(mailbox)
    })
  )

/** @internal */
export const make = <A extends KubeObject>(api: Api<A>, options?: WatcherOptions): Effect.Effect<WatcherHandle<A>> =>
  Effect.gen(function* () {
    const config = resolveConfig(api, options)
    const status = yield* SubscriptionRef.make(initialStatus(config.streaming))
    const control: Control = { forced: false, signal: yield* Deferred.make<void>() }
    const relist = Effect.suspend(() => {
      control.forced = true
      return Deferred.succeed(control.signal, undefined)
    }).pipe(Effect.asVoid)
    const events = Stream.suspend(() => run(api, config, status, control))
    return { events, status, relist }
  })

/** @internal */
export const makeEvents = <A extends KubeObject>(
  api: Api<A>,
  options?: WatcherOptions
): Effect.Effect<Stream.Stream<WatcherEvent<A>>> => Effect.map(make(api, options), (handle) => handle.events)

const run = <A extends KubeObject>(
  api: Api<A>,
  config: Config,
  status: SubscriptionRef.SubscriptionRef<WatcherStatus>,
  control: Control
): Stream.Stream<WatcherEvent<A>> => {
  const loop: Loop = {
    rv: undefined,
    needList: true,
    consistentNext: false,
    streaming: config.streaming,
    synced: false,
    healthy: false,
    phase: "Starting",
    backoff: Backoff.makeState()
  }
  const where = config.namespace === undefined ? "in all namespaces" : `in namespace ${config.namespace}`
  const annotations = { kind: config.kind, namespace: config.namespace ?? "" }
  const errorsOf = (verb: Verb, reason: string) =>
    Metric.tagged(Metric.tagged(Metric.tagged(watchErrorsTotal, "kind", config.kind), "verb", verb), "reason", reason)
  const countRelist = (reason: "Gone" | "Forced") =>
    Effect.zipRight(
      Metric.increment(Metric.tagged(Metric.tagged(relistsTotal, "kind", config.kind), "reason", reason)),
      SubscriptionRef.update(status, (s): WatcherStatus => ({ ...s, relists: s.relists + 1 }))
    )

  const setPhase = (phase: WatcherPhase): Effect.Effect<void> => {
    if (loop.phase === phase) return Effect.void
    loop.phase = phase
    return SubscriptionRef.update(status, (s): WatcherStatus => ({ ...s, phase }))
  }

  const markHealthy: Effect.Effect<void> = Effect.suspend(() => {
    loop.healthy = true
    return SubscriptionRef.update(status, (s): WatcherStatus => ({ ...s, healthy: true, consecutiveFailures: 0 }))
  })

  /** A fresh relist signal for the next request, unless a relist is already pending. */
  const freshSignal: Effect.Effect<Deferred.Deferred<void>> = Effect.gen(function* () {
    if (!control.forced && (yield* Deferred.isDone(control.signal))) {
      control.signal = yield* Deferred.make<void>()
    }
    return control.signal
  })

  const onSynced = (resourceVersion: string | undefined, listed: number, verb: Verb): Effect.Effect<void> =>
    Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      // A streaming list sets the RV itself: live events of the same chunk may already be past it.
      if (verb === "list") loop.rv = resourceVersion
      loop.needList = false
      loop.synced = true
      loop.healthy = true
      loop.phase = "Watching"
      yield* SubscriptionRef.update(
        status,
        (s): WatcherStatus => ({
          ...s,
          phase: "Watching",
          healthy: true,
          synced: true,
          consecutiveFailures: 0,
          lastSyncTime: Option.some(now),
          initialList: loop.streaming ? "StreamingList" : "ListWatch"
        })
      )
      yield* Effect.logDebug(
        `${verb === "list" ? "listed" : "streamed"} ${listed} ${config.kind} ${where} at resourceVersion ${resourceVersion ?? "<none>"}`
      ).pipe(Effect.annotateLogs(annotations))
    })

  const logSkipped = (verb: Verb, skipped: ReadonlyArray<string>): Effect.Effect<void> =>
    skipped.length === 0
      ? Effect.void
      : Effect.zipRight(
          Effect.logError(
            `${verb} ${config.kind} ${where}: skipped ${skipped.length} object(s) without metadata.name: ${skipped.join(", ")}`
          ).pipe(Effect.annotateLogs(annotations)),
          Metric.incrementBy(errorsOf(verb, "DecodeError"), skipped.length)
        )

  const hint = (error: KubeError, verb: Verb): string => {
    switch (error._tag) {
      case "Forbidden":
        return ` — check the RBAC: the service account needs list and watch on ${config.plural} (${
          config.group === "" ? "core" : config.group
        }) ${where}`
      case "Unauthorized":
        return " — check the credentials: the token or client certificate was rejected (expired service-account token?)"
      case "NotFound":
        return verb === "list"
          ? ` — the server does not serve ${config.plural}${config.group === "" ? "" : `.${config.group}`}: is the CRD installed?`
          : ""
      default:
        return ""
    }
  }

  /**
   * Handles one failure: decides the next step (relist, re-watch, fall back), logs, counts,
   * updates the status, and waits out the backoff. Never fails.
   */
  const onFailure = (error: KubeError, verb: Verb): Effect.Effect<void> =>
    Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const random = yield* Random.next
      let delay = 0
      let next: string
      let level: "Info" | "Warning" | "Error" = "Warning"
      if (verb === "watch-list" && (error._tag === "BadRequest" || error._tag === "Invalid")) {
        loop.streaming = false
        next = "the server refused a streaming list: falling back to list+watch for this watcher"
      } else if (error._tag === "Gone") {
        level = "Info"
        loop.needList = true
        if (verb === "list") loop.consistentNext = true
        delay = Backoff.onFailure(config.policy, loop.backoff, now, random, { immediateFirst: true })
        next =
          verb === "list"
            ? "restarting the list (consistent read)"
            : verb === "watch"
              ? "relisting"
              : "restarting the streaming list"
        if (verb === "watch") yield* countRelist("Gone")
      } else if (error._tag === "DecodeError" && verb === "watch" && nonEmpty(error.resourceVersion) !== undefined) {
        level = "Error"
        loop.rv = error.resourceVersion
        next = `skipping ${error.key ?? "the object"} and re-watching from resourceVersion ${error.resourceVersion}`
      } else {
        // 401/403 may be fixed by an admin at any moment: a warning, like any retryable failure.
        if (!error.retryable && error._tag !== "Forbidden" && error._tag !== "Unauthorized") level = "Error"
        delay = Backoff.onFailure(config.policy, loop.backoff, now, random, { atLeastMillis: retryAfterMillis(error) })
        next =
          verb === "watch" && !loop.needList
            ? `re-watching from resourceVersion ${loop.rv ?? "<none>"}`
            : verb === "list"
              ? "retrying the list"
              : "retrying the streaming list"
      }
      const message = `${verb} ${config.kind} ${where} failed: ${error._tag}: ${error.message}${hint(error, verb)}; ${next}${
        delay > 0 ? ` in ${formatMillis(delay)}` : ""
      }`
      const log =
        level === "Info"
          ? Effect.logInfo(message)
          : level === "Warning"
            ? Effect.logWarning(message)
            : Effect.logError(message)
      yield* log.pipe(Effect.annotateLogs({ ...annotations, verb, reason: error._tag }))
      yield* Metric.increment(errorsOf(verb, error._tag))
      loop.healthy = false
      if (delay > 0) loop.phase = "BackingOff"
      const phase = loop.phase
      yield* SubscriptionRef.update(
        status,
        (s): WatcherStatus => ({
          ...s,
          phase,
          healthy: false,
          lastError: Option.some(error),
          lastErrorAt: Option.some(now),
          failures: s.failures + 1,
          consecutiveFailures: s.consecutiveFailures + 1,
          initialList: loop.streaming ? "StreamingList" : "ListWatch"
        })
      )
      if (delay > 0) yield* Effect.sleep(Duration.millis(delay))
    })

  const listPhase: Stream.Stream<WatcherEvent<A>> = Stream.unwrap(
    Effect.gen(function* () {
      const consistent = loop.consistentNext || config.consistent
      loop.consistentNext = false
      const signal = yield* freshSignal
      yield* setPhase("Listing")
      const attempt = { initEmitted: false, listed: 0 }
      const base: ListOptions = {
        namespace: config.namespace,
        labelSelector: config.labelSelector,
        fieldSelector: config.fieldSelector,
        limit: config.pageSize
      }
      const onPage = (
        page: ObjectList<A>
      ): Effect.Effect<readonly [Chunk.Chunk<WatcherEvent<A>>, Option.Option<string>], KubeError> => {
        const out: Array<WatcherEvent<A>> = []
        if (!attempt.initEmitted) {
          out.push(InitEvent)
          attempt.initEmitted = true
        }
        const skipped: Array<string> = []
        for (const object of page.items) {
          if (isUsable(object)) out.push({ _tag: "InitApply", object })
          else skipped.push(describeObject(object))
        }
        attempt.listed += page.items.length - skipped.length
        const token = nonEmpty(page.metadata.continue)
        if (token !== undefined) {
          return Effect.as(logSkipped("list", skipped), [Chunk.unsafeFromArray(out), Option.some(token)] as const)
        }
        const rv = nonEmpty(page.metadata.resourceVersion)
        if (rv === undefined) {
          return Effect.fail(
            new DecodeError({
              message: `${config.kind} list: the response has no metadata.resourceVersion to watch from`,
              kind: config.kind
            })
          )
        }
        out.push({ _tag: "InitDone", resourceVersion: rv })
        return Effect.as(Effect.zipRight(logSkipped("list", skipped), onSynced(rv, attempt.listed, "list")), [
          Chunk.unsafeFromArray(out),
          Option.none()
        ] as const)
      }
      const pages = Stream.paginateChunkEffect<string | undefined, WatcherEvent<A>, KubeError, never>(
        undefined,
        (token) =>
          Effect.flatMap(
            api.list(
              token === undefined
                ? { ...base, resourceVersion: consistent ? undefined : "0" }
                : { ...base, continue: token }
            ),
            onPage
          )
      )
      return pages.pipe(
        Stream.interruptWhenDeferred(signal),
        Stream.catchAll((error) => Stream.execute(onFailure(error, "list")))
      )
    })
  )

  /**
   * One watch request. `initial`: a streaming list (`sendInitialEvents`): ADDED events are
   * `InitApply` until the initial-events-end bookmark, then the same stream goes on live.
   */
  const watchPhase = (initial: boolean): Stream.Stream<WatcherEvent<A>> =>
    Stream.unwrap(
      Effect.gen(function* () {
        const min = config.minWatchTimeoutSeconds
        const timeoutSeconds = yield* Random.nextIntBetween(min, 2 * min + 1)
        const startedAt = yield* Clock.currentTimeMillis
        const signal = yield* freshSignal
        yield* setPhase(initial ? "Listing" : "Watching")
        const attempt: Attempt = {
          events: 0,
          initialDone: !initial,
          initEmitted: false,
          listed: 0,
          syncedAt: null,
          skipped: []
        }
        const options: WatchOptions = initial
          ? {
              namespace: config.namespace,
              labelSelector: config.labelSelector,
              fieldSelector: config.fieldSelector,
              sendInitialEvents: true,
              resourceVersionMatch: "NotOlderThan",
              allowWatchBookmarks: true,
              timeoutSeconds,
              idleTimeout: config.idleTimeout
            }
          : {
              namespace: config.namespace,
              labelSelector: config.labelSelector,
              fieldSelector: config.fieldSelector,
              resourceVersion: loop.rv,
              allowWatchBookmarks: config.bookmarks,
              timeoutSeconds,
              idleTimeout: config.idleTimeout
            }

        const convert = (chunk: Chunk.Chunk<WatchEvent<A>>): Array<WatcherEvent<A>> => {
          const out: Array<WatcherEvent<A>> = []
          for (const event of chunk) {
            attempt.events++
            const object = event.object
            const rv = nonEmpty(object.metadata.resourceVersion)
            if (event.type === "BOOKMARK") {
              if (attempt.initialDone) {
                if (rv !== undefined) loop.rv = rv
              } else if (isInitialEventsEnd(event)) {
                if (!attempt.initEmitted) {
                  out.push(InitEvent)
                  attempt.initEmitted = true
                }
                out.push({ _tag: "InitDone", resourceVersion: rv })
                loop.rv = rv
                attempt.initialDone = true
                attempt.syncedAt = rv
              }
              continue
            }
            if (!attempt.initialDone) {
              // Initial events are a snapshot: their resourceVersions are not a watch position.
              if (event.type === "DELETED") {
                attempt.skipped.push(`unexpected DELETED ${describeObject(event.object)} during initial events`)
                continue
              }
              if (!isUsable(event.object)) {
                attempt.skipped.push(describeObject(event.object))
                continue
              }
              if (!attempt.initEmitted) {
                out.push(InitEvent)
                attempt.initEmitted = true
              }
              attempt.listed++
              out.push({ _tag: "InitApply", object: event.object })
              continue
            }
            if (rv !== undefined) loop.rv = rv
            if (!isUsable(event.object)) {
              attempt.skipped.push(describeObject(event.object))
              continue
            }
            out.push(
              event.type === "DELETED"
                ? { _tag: "Delete", object: event.object }
                : { _tag: "Apply", object: event.object }
            )
          }
          return out
        }

        /** Side effects a chunk asked for; `undefined` on the hot path (nothing to do). */
        const afterChunk = (): Effect.Effect<void> | undefined => {
          let effect: Effect.Effect<void> | undefined
          if (attempt.skipped.length > 0) {
            const skipped = attempt.skipped
            attempt.skipped = []
            effect = logSkipped(attempt.initialDone ? "watch" : "watch-list", skipped)
          }
          if (attempt.syncedAt !== null) {
            const rv = attempt.syncedAt
            attempt.syncedAt = null
            const synced = onSynced(rv, attempt.listed, "watch-list")
            effect = effect === undefined ? synced : Effect.zipRight(effect, synced)
          } else if (!loop.healthy && attempt.initialDone && attempt.events > 0) {
            effect = effect === undefined ? markHealthy : Effect.zipRight(effect, markHealthy)
          }
          return effect
        }

        const onEnd: Effect.Effect<void, KubeError> = Effect.suspend(() => {
          if (control.forced) return Effect.void
          if (!attempt.initialDone) {
            loop.streaming = false
            return Effect.zipRight(
              Effect.logWarning(
                `watch-list ${config.kind} ${where}: the stream ended before the initial-events-end bookmark (the server does not support streaming lists?): falling back to list+watch for this watcher`
              ).pipe(Effect.annotateLogs(annotations)),
              SubscriptionRef.update(status, (s): WatcherStatus => ({ ...s, initialList: "ListWatch" }))
            )
          }
          return Effect.flatMap(Clock.currentTimeMillis, (now) =>
            attempt.events === 0 && now - startedAt < VeryShortWatchMillis
              ? Effect.fail(
                  new TransportError({
                    message: `very short watch: the watch ended after ${now - startedAt}ms without any event`
                  })
                )
              : Effect.void
          )
        })

        return endWhenDone(api.watch(options), signal).pipe(
          Stream.mapChunksEffect((chunk) => {
            const out = Chunk.unsafeFromArray(convert(chunk))
            const effect = afterChunk()
            return effect === undefined ? Effect.succeed(out) : Effect.as(effect, out)
          }),
          Stream.concat(Stream.execute(onEnd)),
          Stream.catchAll((error) => Stream.execute(onFailure(error, attempt.initialDone ? "watch" : "watch-list")))
        )
      })
    )

  const forcedRelist: Stream.Stream<never> = Stream.execute(
    Effect.suspend(() => (loop.synced ? countRelist("Forced") : Effect.void))
  )

  const step: Stream.Stream<WatcherEvent<A>> = Stream.suspend(() => {
    if (control.forced) {
      control.forced = false
      loop.needList = true
      loop.consistentNext = true
      return Stream.concat(forcedRelist, loop.streaming ? watchPhase(true) : listPhase)
    }
    if (loop.needList) return loop.streaming ? watchPhase(true) : listPhase
    return watchPhase(false)
  })

  return Stream.forever(step)
}
