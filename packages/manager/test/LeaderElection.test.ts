import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Logger from "effect/Logger"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import * as TestClock from "effect/TestClock"
import * as ConfigProvider from "effect/ConfigProvider"
import { KubeApi } from "@effect-kube/client/KubeApi"
import { ApiServer, type Service as ApiServerService } from "@effect-kube/testing/ApiServer"
import * as TestKube from "@effect-kube/testing/TestKube"
import * as LeaderElection from "../src/LeaderElection.js"
import { getLease, leaders, startCandidate, stepAndCheck, WorkTracker } from "./support/electors.js"

const MICRO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/

const withServer = <A, E>(f: (server: ApiServerService) => Effect.Effect<A, E>) =>
  Effect.flatMap(ApiServer, f).pipe(Effect.provide(TestKube.layer()))

describe("LeaderElection config", () => {
  const invalid = (config: Partial<LeaderElection.Config>) =>
    LeaderElection.resolveConfig({ name: "op", namespace: "default", identity: "a", ...config }).pipe(Effect.flip)

  it.effect("defaults: 15s / 10s / 2s, releaseOnCancel, hostname_uuid identity", () =>
    Effect.gen(function* () {
      const resolved = yield* LeaderElection.resolveConfig({ name: "op", namespace: "default" })
      expect(resolved.leaseDuration.toJSON()).toEqual({ _id: "Duration", _tag: "Millis", millis: 15000 })
      expect(resolved.renewDeadline.toJSON()).toEqual({ _id: "Duration", _tag: "Millis", millis: 10000 })
      expect(resolved.retryPeriod.toJSON()).toEqual({ _id: "Duration", _tag: "Millis", millis: 2000 })
      expect(resolved.releaseOnCancel).toBe(true)
      expect(resolved.identity).toMatch(/^.+_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
    })
  )

  it.effect("leaseDuration must exceed renewDeadline", () =>
    Effect.gen(function* () {
      const error = yield* invalid({ leaseDuration: "10 seconds", renewDeadline: "10 seconds" })
      expect(error._tag).toBe("LeaderElectionConfigError")
      expect(error.message).toContain("leaseDuration")
    })
  )

  it.effect("renewDeadline must exceed 1.2 × retryPeriod", () =>
    Effect.gen(function* () {
      const error = yield* invalid({ renewDeadline: "6 seconds", retryPeriod: "5 seconds" })
      expect(error.message).toContain("retryPeriod × 1.2")
      // exactly 1.2 × is still invalid (client-go uses <=)
      const edge = yield* invalid({
        renewDeadline: "2400 millis",
        retryPeriod: "2 seconds",
        leaseDuration: "5 seconds"
      })
      expect(edge._tag).toBe("LeaderElectionConfigError")
    })
  )

  it.effect("non-positive durations, sub-second lease, empty identity and name are rejected", () =>
    Effect.gen(function* () {
      expect((yield* invalid({ retryPeriod: 0 })).message).toContain("retryPeriod")
      expect(
        (yield* invalid({ leaseDuration: "900 millis", renewDeadline: "500 millis", retryPeriod: "100 millis" }))
          .message
      ).toContain("at least 1s")
      expect((yield* invalid({ identity: "" })).message).toContain("identity")
      expect((yield* invalid({ name: "" })).message).toContain("name")
    })
  )

  it.effect("namespace: explicit, then POD_NAMESPACE, else a typed error outside a cluster", () =>
    Effect.gen(function* () {
      const fromEnv = yield* LeaderElection.resolveConfig({ name: "op" }).pipe(
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["POD_NAMESPACE", "operators"]])))
      )
      expect(fromEnv.namespace).toBe("operators")
      const missing = yield* LeaderElection.resolveConfig({ name: "op" }).pipe(
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map())),
        Effect.flip
      )
      expect(missing.message).toContain("namespace")
    })
  )
})

describe("LeaderElection on the mock apiserver", () => {
  it.effect("a single candidate creates the Lease, leads, and renews every retryPeriod", () =>
    withServer((server) =>
      Effect.gen(function* () {
        const tracker = new WorkTracker()
        const a = yield* startCandidate(server, tracker, "a")
        yield* TestClock.adjust(1)
        expect(yield* a.elector.isLeader).toBe(true)
        expect(tracker.active.has("a")).toBe(true)
        const lease = Option.getOrThrow(yield* getLease(server))
        expect(lease.spec?.holderIdentity).toBe("a")
        expect(lease.spec?.leaseDurationSeconds).toBe(15)
        expect(lease.spec?.leaseTransitions).toBe(0)
        expect(lease.spec?.acquireTime).toMatch(MICRO_TIME)
        expect(lease.spec?.renewTime).toMatch(MICRO_TIME)
        const status = yield* Metric.value(Metric.tagged(LeaderElection.masterStatus, "name", "op-lock"))
        expect(status.value).toBe(1)

        const updatesBefore = yield* server.requestCount({ verb: "update" })
        yield* TestClock.adjust("10 seconds")
        const updatesAfter = yield* server.requestCount({ verb: "update" })
        expect(updatesAfter - updatesBefore).toBe(5)
        const renewed = Option.getOrThrow(yield* getLease(server))
        expect(renewed.spec?.acquireTime).toBe(lease.spec?.acquireTime)
        expect(renewed.spec?.renewTime).not.toBe(lease.spec?.renewTime)
        expect(renewed.spec?.leaseTransitions).toBe(0)
        yield* Fiber.interrupt(a.fiber)
      })
    )
  )
})

const holderOfBody = (body: unknown): string | undefined => {
  if (typeof body !== "object" || body === null || !("spec" in body)) return undefined
  const spec = body.spec
  if (typeof spec !== "object" || spec === null || !("holderIdentity" in spec)) return undefined
  return typeof spec.holderIdentity === "string" ? spec.holderIdentity : undefined
}

const isLeaseWriteBy =
  (identity: string) => (request: { readonly method: string; readonly path: string; readonly body?: unknown }) =>
    request.method === "PUT" && request.path.includes("/leases/") && holderOfBody(request.body) === identity

const renewMillis = (
  lease: Option.Option<{ readonly spec?: { readonly renewTime?: string | undefined } | undefined }>
) => Date.parse(Option.getOrThrow(lease).spec?.renewTime ?? "")

describe("LeaderElection with several candidates (TestClock)", () => {
  it.effect("two, then three candidates: exactly one leads at every step, work never overlaps", () =>
    withServer((server) =>
      Effect.gen(function* () {
        const tracker = new WorkTracker()
        const a = yield* startCandidate(server, tracker, "a")
        const b = yield* startCandidate(server, tracker, "b")
        const first = yield* stepAndCheck([a, b], tracker, 30_000)
        expect(first.every((s) => s.leader === "a")).toBe(true)
        const c = yield* startCandidate(server, tracker, "c")
        const second = yield* stepAndCheck([a, b, c], tracker, 60_000)
        expect(second.every((s) => s.leader === "a")).toBe(true)
        expect(tracker.overlaps).toBe(0)
        expect(Option.getOrThrow(yield* getLease(server)).spec?.leaseTransitions).toBe(0)
        // Standbys keep polling: each saw "a" as the holder.
        expect(yield* b.elector.observedLeader).toEqual(Option.some("a"))
        expect(yield* c.elector.observedLeader).toEqual(Option.some("a"))
        yield* Effect.forEach([a, b, c], (x) => Fiber.interrupt(x.fiber))
      })
    )
  )

  it.effect("leader killed without release: a standby leads within leaseDuration + retryPeriod (no jitter)", () =>
    withServer((server) =>
      Effect.gen(function* () {
        const tracker = new WorkTracker()
        const noJitter = Random.fixed([0])
        const config = { releaseOnCancel: false }
        const a = yield* startCandidate(server, tracker, "a", config, noJitter)
        const b = yield* startCandidate(server, tracker, "b", config, noJitter)
        const c = yield* startCandidate(server, tracker, "c", config, noJitter)
        yield* stepAndCheck([a, b, c], tracker, 7_300)
        const killedAt = yield* Effect.clockWith((clock) => clock.currentTimeMillis)
        yield* Fiber.interrupt(a.fiber) // the process dies: no release
        expect(Option.getOrThrow(yield* getLease(server)).spec?.holderIdentity).toBe("a")
        yield* stepAndCheck([b, c], tracker, 25_000)
        const next = tracker.lastStart()
        expect(next?.id === "b" || next?.id === "c").toBe(true)
        const failover = (next?.at ?? Number.POSITIVE_INFINITY) - killedAt
        expect(failover).toBeLessThanOrEqual(15_000 + 2_000)
        expect(failover).toBeGreaterThan(15_000 - 2_000) // never before the lease could have expired
        const lease = Option.getOrThrow(yield* getLease(server))
        expect(lease.spec?.holderIdentity).toBe(next?.id)
        expect(lease.spec?.leaseTransitions).toBe(1)
        yield* Effect.forEach([b, c], (x) => Fiber.interrupt(x.fiber))
      })
    )
  )

  it.effect(
    "with jitter (several seeds): fail-over within leaseDuration + retryPeriod × (1 + 1.2), never two leaders",
    () =>
      Effect.forEach(
        [1, 2, 3, 4, 5],
        (seed) =>
          withServer((server) =>
            Effect.gen(function* () {
              const tracker = new WorkTracker()
              const config = { releaseOnCancel: false }
              const a = yield* startCandidate(server, tracker, "a", config, Random.make(seed))
              const b = yield* startCandidate(server, tracker, "b", config, Random.make(seed * 31))
              const c = yield* startCandidate(server, tracker, "c", config, Random.make(seed * 97))
              yield* stepAndCheck([a, b, c], tracker, 9_000 + seed * 700, 500)
              const killedAt = yield* Effect.clockWith((clock) => clock.currentTimeMillis)
              yield* Fiber.interrupt(a.fiber)
              yield* stepAndCheck([b, c], tracker, 21_000, 500)
              const next = tracker.lastStart()
              expect(next?.id).not.toBe("a")
              expect((next?.at ?? Number.POSITIVE_INFINITY) - killedAt).toBeLessThanOrEqual(15_000 + 2_000 * 2.2)
              expect(tracker.overlaps).toBe(0)
              yield* Effect.forEach([b, c], (x) => Fiber.interrupt(x.fiber))
            })
          ),
        { discard: true }
      )
  )

  it.effect("429s on the leader's renewals: it stops its work before the lease can expire for the others", () =>
    withServer((server) =>
      Effect.gen(function* () {
        const tracker = new WorkTracker()
        const a = yield* startCandidate(server, tracker, "a")
        const b = yield* startCandidate(server, tracker, "b")
        const c = yield* startCandidate(server, tracker, "c")
        yield* stepAndCheck([a, b, c], tracker, 8_100)
        yield* server.faults.failNext(1_000, { code: 429, retryAfterSeconds: 1, match: isLeaseWriteBy("a") })
        const lastRenewal = renewMillis(yield* getLease(server))
        yield* stepAndCheck([a, b, c], tracker, 30_000)

        const exit = yield* Fiber.await(a.fiber)
        expect(Exit.isFailure(exit)).toBe(true)
        const error = yield* Effect.flip(exit)
        expect(error._tag).toBe("LeadershipLost")
        expect(error.reason).toBe("RenewDeadlineExceeded")

        const stopped = tracker.lastStop("a")?.at ?? Number.POSITIVE_INFINITY
        expect(stopped).toBeLessThanOrEqual(lastRenewal + 10_000 + 2_000)
        expect(stopped).toBeLessThan(lastRenewal + 15_000)
        const next = tracker.lastStart()
        expect(next?.id === "b" || next?.id === "c").toBe(true)
        expect(next?.at ?? 0).toBeGreaterThanOrEqual(lastRenewal + 15_000)
        expect(tracker.overlaps).toBe(0)
        yield* Effect.forEach([b, c], (x) => Fiber.interrupt(x.fiber))
      })
    )
  )

  it.effect("a partitioned leader stops its work before the lease expires; its gauge drops to 0", () =>
    withServer((server) =>
      Effect.gen(function* () {
        const tracker = new WorkTracker()
        const a = yield* startCandidate(server, tracker, "a", { name: "partition-lock" })
        const b = yield* startCandidate(server, tracker, "b", { name: "partition-lock" })
        yield* stepAndCheck([a, b], tracker, 5_000)
        const gauge = Metric.tagged(LeaderElection.masterStatus, "name", "partition-lock")
        expect((yield* Metric.value(gauge)).value).toBe(1)
        const lastRenewal = renewMillis(yield* getLease(server, "partition-lock"))
        yield* a.partition(true)
        yield* stepAndCheck([a, b], tracker, 30_000)
        const error = yield* Effect.flip(Fiber.join(a.fiber))
        expect(error._tag).toBe("LeadershipLost")
        expect(tracker.lastStop("a")?.at ?? Number.POSITIVE_INFINITY).toBeLessThan(lastRenewal + 15_000)
        expect(tracker.lastStart()?.id).toBe("b")
        expect(Option.getOrThrow(yield* getLease(server, "partition-lock")).spec?.holderIdentity).toBe("b")
        yield* Fiber.interrupt(b.fiber)
        expect((yield* Metric.value(gauge)).value).toBe(0)
      })
    )
  )

  it.effect(
    "releaseOnCancel: the lease is released only after the work stopped, and a standby takes over at once",
    () =>
      withServer((server) =>
        Effect.gen(function* () {
          const tracker = new WorkTracker()
          const holderAtStop: Array<string | undefined> = []
          const { kube } = yield* Effect.sync(() => ({
            kube: KubeApi.make({ request: server.request, watch: server.watch })
          }))
          const elector = yield* LeaderElection.make({ name: "op-lock", namespace: "default", identity: "a" }).pipe(
            Effect.provideService(KubeApi, kube)
          )
          const work = Effect.scoped(
            Effect.zipRight(
              Effect.addFinalizer(() =>
                Effect.flatMap(getLease(server), (lease) =>
                  Effect.sync(() => holderAtStop.push(Option.getOrThrow(lease).spec?.holderIdentity))
                )
              ),
              Effect.never
            )
          )
          const a = yield* Effect.fork(Effect.withRandom(elector.run(work), Random.fixed([0])))
          yield* TestClock.adjust(10)
          const b = yield* startCandidate(server, tracker, "b", {}, Random.fixed([0]))
          yield* TestClock.adjust("6 seconds")
          expect(yield* elector.isLeader).toBe(true)
          const cancelledAt = yield* Effect.clockWith((clock) => clock.currentTimeMillis)
          yield* Fiber.interrupt(a)
          expect(holderAtStop).toEqual(["a"])
          const released = Option.getOrThrow(yield* getLease(server))
          expect(released.spec?.holderIdentity).toBe("")
          expect(released.spec?.leaseDurationSeconds).toBe(1)
          expect(yield* elector.isLeader).toBe(false)
          yield* stepAndCheck([b], tracker, 2_100)
          expect((tracker.lastStart("b")?.at ?? Number.POSITIVE_INFINITY) - cancelledAt).toBeLessThanOrEqual(2_000)
          const taken = Option.getOrThrow(yield* getLease(server))
          expect(taken.spec?.holderIdentity).toBe("b")
          expect(taken.spec?.leaseTransitions).toBe(1)
          yield* Fiber.interrupt(b.fiber)
        })
      )
  )

  it.effect("a stale foreign lease is honoured for leaseDuration of local observation, not remote renewTime", () =>
    Effect.gen(function* () {
      const server = yield* ApiServer
      yield* server.seed([
        {
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          metadata: { name: "op-lock", namespace: "default" },
          spec: {
            holderIdentity: "ghost",
            leaseDurationSeconds: 15,
            acquireTime: "2000-01-01T00:00:00.000000Z",
            renewTime: "2000-01-01T00:00:00.000000Z",
            leaseTransitions: 3
          }
        }
      ])
      const tracker = new WorkTracker()
      const a = yield* startCandidate(server, tracker, "a")
      yield* TestClock.adjust("14900 millis")
      expect(yield* a.elector.isLeader).toBe(false)
      yield* TestClock.adjust("200 millis")
      expect(yield* a.elector.isLeader).toBe(true)
      expect(tracker.lastStart("a")?.at).toBe(15_000)
      const lease = Option.getOrThrow(yield* getLease(server))
      expect(lease.spec?.holderIdentity).toBe("a")
      expect(lease.spec?.leaseTransitions).toBe(4)
      expect(lease.spec?.acquireTime).toBe("1970-01-01T00:00:15.000000Z")
      yield* Fiber.interrupt(a.fiber)
    }).pipe(Effect.provide(TestKube.layer()))
  )

  it.effect("racing candidates: resourceVersion preconditions let exactly one win, the others get Conflict", () =>
    Effect.gen(function* () {
      const server = yield* ApiServer
      yield* server.seed([
        {
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          metadata: { name: "op-lock", namespace: "default" },
          spec: { holderIdentity: "", leaseDurationSeconds: 1, leaseTransitions: 0 }
        }
      ])
      const tracker = new WorkTracker()
      const candidates = yield* Effect.forEach(["a", "b", "c", "d"], (id) => startCandidate(server, tracker, id))
      yield* stepAndCheck(candidates, tracker, 5_000)
      const lease = Option.getOrThrow(yield* getLease(server))
      expect(lease.spec?.leaseTransitions).toBe(1)
      expect(tracker.events.filter((e) => e.event === "start")).toHaveLength(1)
      expect(yield* leaders(candidates)).toEqual([lease.spec?.holderIdentity])
      yield* Effect.forEach(candidates, (x) => Fiber.interrupt(x.fiber))
    }).pipe(Effect.provide(TestKube.layer()))
  )

  it.effect(
    "work that fails ends run with its error and releases the lease; work that succeeds returns its value",
    () =>
      withServer((server) =>
        Effect.gen(function* () {
          const kube = KubeApi.make({ request: server.request, watch: server.watch })
          const elector = yield* LeaderElection.make({ name: "op-lock", namespace: "default", identity: "a" }).pipe(
            Effect.provideService(KubeApi, kube)
          )
          const failing = yield* Effect.fork(elector.run(Effect.delay(Effect.fail("boom" as const), "5 seconds")))
          yield* TestClock.adjust("5 seconds")
          expect(yield* Effect.flip(Fiber.join(failing))).toBe("boom")
          expect(Option.getOrThrow(yield* getLease(server)).spec?.holderIdentity).toBe("")
          const succeeding = yield* Effect.fork(elector.run(Effect.succeed(42)))
          yield* TestClock.adjust("1 second")
          expect(yield* Fiber.join(succeeding)).toBe(42)
          expect(yield* elector.isLeader).toBe(false)
        })
      )
  )

  it.effect("check: healthy while renewing, healthy as a standby", () =>
    withServer((server) =>
      Effect.gen(function* () {
        const tracker = new WorkTracker()
        const a = yield* startCandidate(server, tracker, "a")
        const b = yield* startCandidate(server, tracker, "b")
        yield* TestClock.adjust("40 seconds")
        expect(yield* Effect.either(a.elector.check())).toEqual(Either.right(undefined))
        expect(yield* Effect.either(b.elector.check())).toEqual(Either.right(undefined))
        // A leader whose renewals hang (latency beyond renewDeadline) loses leadership instead of
        // staying "leader" with a stale lease.
        yield* server.faults.latency("60 seconds")
        yield* TestClock.adjust("13 seconds")
        expect(yield* a.elector.isLeader).toBe(false)
        yield* Effect.forEach([a, b], (x) => Fiber.interrupt(x.fiber))
      })
    )
  )
})

describe("LeaderElection diagnostics", () => {
  it.effect("a persistent failure (RBAC 403 on leases) is logged once as a warning while campaigning", () =>
    Effect.gen(function* () {
      const server = yield* ApiServer
      yield* server.faults.failNext(1_000, { code: 403, match: (r) => r.path.includes("/leases") })
      const warnings: Array<string> = []
      const logger = Logger.make(({ logLevel, message }) => {
        if (logLevel._tag === "Warning") warnings.push(String(Array.isArray(message) ? message[0] : message))
      })
      const tracker = new WorkTracker()
      const a = yield* startCandidate(server, tracker, "a").pipe(
        Effect.provide(Logger.replace(Logger.defaultLogger, logger))
      )
      yield* TestClock.adjust("30 seconds")
      expect(yield* a.elector.isLeader).toBe(false)
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toContain("Forbidden")
      yield* server.faults.reset
      yield* TestClock.adjust("5 seconds")
      expect(yield* a.elector.isLeader).toBe(true)
      yield* Fiber.interrupt(a.fiber)
    }).pipe(Effect.provide(TestKube.layer()))
  )
})
