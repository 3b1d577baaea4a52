/**
 * Test support: several leader-election candidates sharing one in-memory apiserver, each with its
 * own `KubeApi` that can be partitioned from the server, and leader work that records every
 * instant at which more than one candidate's work was running.
 */
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import type * as Random from "effect/Random"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { KubeApi, type KubeApiService } from "@effect-kube/client/KubeApi"
import { TransportError } from "@effect-kube/core/Errors"
import * as Kinds from "@effect-kube/core/Kinds"
import * as Either from "effect/Either"
import type { Service as ApiServerService } from "@effect-kube/testing/ApiServer"
import * as LeaderElection from "../../src/LeaderElection.js"

export const LeaseKind = {
  group: "coordination.k8s.io",
  version: "v1",
  kind: "Lease",
  plural: "leases",
  scope: "Namespaced"
} as const

/** One candidate's view of the apiserver: the shared server unless partitioned. */
export const partitionable = (server: ApiServerService) => {
  let partitioned = false
  const kube: KubeApiService = KubeApi.make({
    request: (request) =>
      partitioned
        ? Effect.fail(new TransportError({ message: "network partition", method: request.method, url: request.path }))
        : server.request(request),
    watch: (request) =>
      partitioned ? Stream.fail(new TransportError({ message: "network partition" })) : server.watch(request)
  })
  return {
    kube,
    partition: (on: boolean) =>
      Effect.sync(() => {
        partitioned = on
      })
  }
}

/** Tracks which candidates' leader work is running; counts overlaps at the instant they start. */
export class WorkTracker {
  readonly active = new Set<string>()
  readonly events: Array<{ readonly id: string; readonly event: "start" | "stop"; readonly at: number }> = []
  overlaps = 0

  work(id: string): Effect.Effect<never> {
    return Effect.scoped(
      Effect.zipRight(
        Effect.acquireRelease(
          Effect.flatMap(
            Effect.clockWith((c) => c.currentTimeMillis),
            (at) =>
              Effect.sync(() => {
                this.active.add(id)
                if (this.active.size > 1) this.overlaps++
                this.events.push({ id, event: "start", at })
              })
          ),
          () =>
            Effect.flatMap(
              Effect.clockWith((c) => c.currentTimeMillis),
              (at) =>
                Effect.sync(() => {
                  this.active.delete(id)
                  this.events.push({ id, event: "stop", at })
                })
            )
        ),
        Effect.never
      )
    )
  }

  lastStart(id?: string) {
    const starts = this.events.filter((e) => e.event === "start" && (id === undefined || e.id === id))
    return starts[starts.length - 1]
  }

  lastStop(id: string) {
    const stops = this.events.filter((e) => e.event === "stop" && e.id === id)
    return stops[stops.length - 1]
  }
}

export interface Candidate {
  readonly id: string
  readonly elector: LeaderElection.LeaderElector
  readonly fiber: Fiber.RuntimeFiber<never, LeaderElection.LeadershipLost>
  readonly partition: (on: boolean) => Effect.Effect<void>
}

/** Starts a candidate named `id` running `tracker.work(id)` while it leads. */
export const startCandidate = (
  server: ApiServerService,
  tracker: WorkTracker,
  id: string,
  config: Partial<LeaderElection.Config> = {},
  random?: Random.Random
): Effect.Effect<Candidate, LeaderElection.LeaderElectionConfigError> =>
  Effect.gen(function* () {
    const { kube, partition } = partitionable(server)
    const elector = yield* LeaderElection.make({
      name: "op-lock",
      namespace: "default",
      identity: id,
      ...config
    }).pipe(Effect.provideService(KubeApi, kube))
    const run = elector.run(tracker.work(id))
    const fiber = yield* Effect.fork(random === undefined ? run : Effect.withRandom(run, random))
    return { id, elector, fiber, partition }
  })

/** The candidates that currently believe they lead. */
export const leaders = (candidates: ReadonlyArray<Candidate>) =>
  Effect.map(
    Effect.forEach(candidates, (c) => Effect.map(c.elector.isLeader, (leading) => (leading ? [c.id] : []))),
    (ids) => ids.flat()
  )

/**
 * Advances the TestClock in `step`s for `total`, asserting after every step that at most one
 * candidate leads and that leader work never overlapped. Returns the observed leader per step.
 */
export const stepAndCheck = (candidates: ReadonlyArray<Candidate>, tracker: WorkTracker, total: number, step = 250) =>
  Effect.gen(function* () {
    const timeline: Array<{ readonly at: number; readonly leader: string | undefined }> = []
    for (let t = 0; t < total; t += step) {
      yield* TestClock.adjust(step)
      const now = yield* Effect.clockWith((c) => c.currentTimeMillis)
      const current = yield* leaders(candidates)
      if (current.length > 1) return yield* Effect.dieMessage(`two leaders at ${now}: ${current.join(", ")}`)
      if (tracker.active.size > 1) return yield* Effect.dieMessage(`overlapping work at ${now}`)
      timeline.push({ at: now, leader: current[0] })
    }
    return timeline
  })

export const getLease = (server: ApiServerService, name = "op-lock") =>
  Effect.map(server.get(LeaseKind, name, "default"), (o) =>
    Option.map(o, (object) => Either.getOrThrow(Kinds.Lease.decode(object)))
  )
