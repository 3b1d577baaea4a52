import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Metric from "effect/Metric"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { isGone, type KubeError } from "@effect-kube/core/Errors"
import type { KubeObject } from "@effect-kube/core/Meta"
import * as Store from "@effect-kube/store/Store"
import type { ConsistencyCheck, Target } from "../SharedInformer.js"
import * as metrics from "./metrics.js"

/** How long a drift candidate found by a non-exact list must persist before it counts. */
const maxGrace = Duration.seconds(5)

interface Drift {
  readonly key: string
  readonly reason: "missing" | "unexpected" | "stale"
}

const collect = <A extends KubeObject>(
  stream: Stream.Stream<A, KubeError>
): Effect.Effect<Map<string, string | undefined>, KubeError> =>
  Stream.runFold(stream, new Map<string, string | undefined>(), (acc, object) => {
    acc.set(Store.keyOf(object), object.metadata.resourceVersion)
    return acc
  })

const diff = <A extends KubeObject>(
  cached: ReadonlyMap<string, A>,
  listed: ReadonlyMap<string, string | undefined>
): Array<Drift> => {
  const out: Array<Drift> = []
  for (const [key, rv] of listed) {
    const object = cached.get(key)
    if (object === undefined) out.push({ key, reason: "missing" })
    else if (object.metadata.resourceVersion !== rv) out.push({ key, reason: "stale" })
  }
  for (const key of cached.keys()) {
    if (!listed.has(key)) out.push({ key, reason: "unexpected" })
  }
  return out
}

/**
 * Periodically compares the cache with a list of the same selection and forces a relist on drift.
 *
 * The list is taken exactly at the store's resourceVersion, against a snapshot of the store taken
 * in the same synchronous step, so in-flight watch events cannot look like drift. When the server
 * no longer has that version (410), a current list is used instead and a difference only counts
 * if the cache entry is still unchanged after a grace period (an in-flight event would have
 * changed it).
 *
 * @internal
 */
export const run = <A extends KubeObject>(params: {
  readonly target: Target
  readonly store: Store.Store<A>
  readonly check: ConsistencyCheck<A>
  readonly relist: Effect.Effect<void>
}): Effect.Effect<void, never, Scope.Scope> => {
  const { target, store, check, relist } = params
  const interval = Duration.decode(check.interval)
  const grace = Duration.min(interval, maxGrace)
  const labels = { kind: target.kind }
  const driftCounter = metrics.consistencyDrift.pipe(Metric.tagged("kind", target.kind))
  const checksCounter = metrics.consistencyChecks.pipe(Metric.tagged("kind", target.kind))

  const snapshot = (): Map<string, A> => {
    const out = new Map<string, A>()
    for (const object of store.list()) out.set(Store.keyOf(object), object)
    return out
  }

  const inexact = (cached: Map<string, A>) =>
    Effect.gen(function* () {
      const listed = yield* collect(check.list(undefined))
      const candidates = diff(cached, listed)
      if (candidates.length === 0) return candidates
      yield* Effect.sleep(grace)
      return candidates.filter(({ key }) => store.get(key) === cached.get(key))
    })

  const once = Effect.gen(function* () {
    if (!store.isSynced()) return
    const resourceVersion = store.resourceVersion()
    const cached = snapshot()
    const exact = yield* Effect.either(collect(check.list(resourceVersion)))
    let drift: ReadonlyArray<Drift>
    if (Either.isRight(exact)) {
      drift = diff(cached, exact.right)
    } else if (resourceVersion !== undefined && isGone(exact.left)) {
      const fallback = yield* Effect.either(inexact(cached))
      if (Either.isLeft(fallback)) {
        yield* Effect.logWarning("informer consistency check could not list; skipped", fallback.left)
        return
      }
      drift = fallback.right
    } else {
      yield* Effect.logWarning("informer consistency check could not list; skipped", exact.left)
      return
    }
    yield* Metric.increment(checksCounter)
    if (drift.length === 0) return
    yield* Metric.increment(driftCounter)
    const count = (reason: Drift["reason"]) => drift.filter((d) => d.reason === reason).length
    yield* Effect.logWarning("informer cache drifted from the apiserver; forcing a relist").pipe(
      Effect.annotateLogs({
        missing: count("missing"),
        unexpected: count("unexpected"),
        stale: count("stale"),
        // Keys only, a few of them: objects may hold secrets, and a big drift would flood the log.
        sample: drift
          .slice(0, 5)
          .map((d) => `${d.reason}:${d.key}`)
          .join(",")
      })
    )
    yield* relist
  }).pipe(Effect.annotateLogs(labels), Effect.annotateLogs({ namespace: target.namespace ?? "" }))

  return Effect.asVoid(Effect.forkScoped(Effect.forever(Effect.zipRight(Effect.sleep(interval), once))))
}
