/**
 * A watch as a Stream of frames: the registration's initial frames, then live events, periodic
 * BOOKMARKs and the server-side timeout, all timed by Effect's Clock (so `TestClock` drives them).
 *
 * Each watcher has its own unbounded queue: a writer never waits for a slow watcher (the real
 * server would eventually drop a watcher that falls too far behind; the mock keeps buffering —
 * tests stay deterministic).
 *
 * @internal
 */
import type { KubeRequest } from "@effect-kube/client/Transport"
import * as Errors from "@effect-kube/core/Errors"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"
import { Server, type WatchRegistration } from "./server.js"
import { type StatusFailure, textStatus } from "./status.js"

const End: unique symbol = Symbol.for("@effect-kube/testing/WatchEnd")
type Item = unknown

/** What a watch needs from the service around it. */
export interface WatchEnvironment {
  readonly server: Server
  readonly bookmarkInterval: Duration.Duration
  /** While true, watches accept but deliver nothing (the `hangWatches` fault). */
  readonly hung: () => boolean
}

const refused = (failure: StatusFailure): Stream.Stream<never, Errors.KubeError> =>
  Stream.fail(
    Errors.fromStatus(
      failure.code,
      failure.text === undefined ? failure.status : textStatus(failure.code, failure.text),
      failure.headers["retry-after"]
    )
  )

/** Opens a watch stream. Refusals (bad options, unknown resource) fail the stream with the Status' error. */
export const watchStream = (env: WatchEnvironment, request: KubeRequest): Stream.Stream<unknown, Errors.KubeError> =>
  Stream.unwrapScoped(
    Effect.gen(function* () {
      const queue = yield* Effect.acquireRelease(Queue.unbounded<Item>(), (q) => Queue.shutdown(q))
      const opened = yield* Effect.sync(
        (): { readonly ok: WatchRegistration } | { readonly failure: StatusFailure } => {
          try {
            const registration = env.server.openWatch(request, {
              push: (frame) => {
                if (!env.hung()) queue.unsafeOffer(frame)
              },
              end: () => {
                queue.unsafeOffer(End)
              }
            })
            // Same synchronous step as the registration: nothing can be committed in between.
            if (!env.hung()) for (const frame of registration.initial) queue.unsafeOffer(frame)
            if (registration.endAfterInitial) queue.unsafeOffer(End)
            return { ok: registration }
          } catch (e) {
            return { failure: Server.refusal(e) }
          }
        }
      )
      if ("failure" in opened) return refused(opened.failure)
      const registration = opened.ok
      yield* Effect.addFinalizer(() => Effect.sync(registration.close))
      if (!registration.endAfterInitial) yield* Effect.forkScoped(timers(env, registration, queue))
      return Stream.fromQueue(queue).pipe(Stream.takeWhile((item) => item !== End))
    })
  )

/** Bookmarks every interval (and one 2 s before the deadline), then the end at the deadline. */
const timers = (
  env: WatchEnvironment,
  registration: WatchRegistration,
  queue: Queue.Queue<Item>
): Effect.Effect<void> =>
  Effect.gen(function* () {
    const start = yield* Clock.currentTimeMillis
    const interval = Duration.toMillis(env.bookmarkInterval)
    const deadline =
      registration.timeoutSeconds !== undefined && registration.timeoutSeconds > 0
        ? start + registration.timeoutSeconds * 1000
        : undefined
    const preTimeout = deadline === undefined ? undefined : Math.max(start + (deadline - start) / 2, deadline - 2000)
    let preTimeoutSent = false
    let nextBookmark = registration.allowBookmarks && interval > 0 ? start + interval : undefined
    for (;;) {
      const now = yield* Clock.currentTimeMillis
      if (deadline !== undefined && now >= deadline) {
        queue.unsafeOffer(End)
        return
      }
      const candidates: Array<number> = []
      if (deadline !== undefined) candidates.push(deadline)
      if (nextBookmark !== undefined) candidates.push(nextBookmark)
      if (registration.allowBookmarks && preTimeout !== undefined && !preTimeoutSent) candidates.push(preTimeout)
      if (candidates.length === 0) return yield* Effect.never
      const wake = Math.min(...candidates)
      if (wake > now) yield* Effect.sleep(Duration.millis(wake - now))
      const after = yield* Clock.currentTimeMillis
      if (deadline !== undefined && after >= deadline) continue
      let bookmark = false
      if (nextBookmark !== undefined && after >= nextBookmark) {
        bookmark = true
        nextBookmark = after + interval
      }
      if (registration.allowBookmarks && preTimeout !== undefined && !preTimeoutSent && after >= preTimeout) {
        bookmark = true
        preTimeoutSent = true
      }
      if (bookmark && !env.hung()) queue.unsafeOffer(registration.bookmark())
    }
  })
