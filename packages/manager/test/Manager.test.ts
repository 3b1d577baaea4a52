/**
 * The manager on the in-memory apiserver with the TestClock: phase order, reverse stop, graceful
 * drain within the budget, failures, leadership loss, readiness.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import * as Action from "@effect-kube/controller/Action"
import * as Controller from "@effect-kube/controller/Controller"
import { KubeApi } from "@effect-kube/client/KubeApi"
import * as Kinds from "@effect-kube/core/Kinds"
import * as Resource from "@effect-kube/core/Resource"
import { ApiServer } from "@effect-kube/testing/ApiServer"
import * as TestKube from "@effect-kube/testing/TestKube"
import * as Manager from "../src/Manager.js"
import * as Metrics from "../src/Metrics.js"
import * as Probes from "../src/Probes.js"
import * as Runnable from "../src/Runnable.js"
import { getLease, partitionable } from "./support/electors.js"
import * as Prom from "./support/prom.js"
import { Recorder } from "./support/recorder.js"

class Boom extends Data.TaggedError("Boom")<{ readonly reason: string }> {}

const leaderElection = { name: "mgr-lock", namespace: "default", identity: "mgr-a" } as const
const noServers = { metricsPort: false, probesPort: false } as const

const tick = (n = 5) =>
  Effect.gen(function* () {
    for (let i = 0; i < n; i++) yield* TestClock.adjust("100 millis")
  })

const cm = (name: string) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "default" } })

const holderNow = Effect.flatMap(ApiServer, (server) =>
  Effect.map(getLease(server, "mgr-lock"), (lease) => Option.map(lease, (l) => l.spec?.holderIdentity ?? ""))
)

describe("Manager lifecycle", () => {
  it.effect(
    "starts phases in order and stops them in reverse; the lease is released after the leader work stopped",
    () =>
      Effect.gen(function* () {
        const rec = new Recorder()
        const holderAtLeaderStop: Array<Option.Option<string>> = []
        const server = yield* ApiServer
        const manager = yield* Manager.make({
          ...noServers,
          leaderElection,
          runnables: [
            rec.runnable("leader", "LeaderElected", {
              onStop: Effect.map(getLease(server, "mgr-lock"), (l) => {
                holderAtLeaderStop.push(Option.map(l, (x) => x.spec?.holderIdentity ?? ""))
              })
            }),
            rec.runnable("other", "Other"),
            rec.runnable("cache", "Cache"),
            rec.runnable("http", "HttpServer")
          ],
          webhooks: [rec.runnable("webhook", "Other")]
        })
        const fiber = yield* Effect.fork(manager.run)
        yield* manager.elected
        yield* tick()
        expect(rec.log).toEqual(["start http", "start webhook", "start cache", "start other", "start leader"])
        expect(yield* manager.isLeader).toBe(true)
        expect(yield* holderNow).toEqual(Option.some("mgr-a"))

        yield* Fiber.interrupt(fiber)
        expect(rec.log.slice(5)).toEqual(["stop leader", "stop other", "stop cache", "stop webhook", "stop http"])
        expect(holderAtLeaderStop).toEqual([Option.some("mgr-a")])
        expect(yield* holderNow).toEqual(Option.some(""))
        expect(yield* manager.isLeader).toBe(false)
      }).pipe(Effect.provide(TestKube.layer()))
  )

  it.effect("without leader election, leader-only runnables start right after the Other phase", () =>
    Effect.gen(function* () {
      const rec = new Recorder()
      const manager = yield* Manager.make({
        ...noServers,
        runnables: [rec.runnable("leader", "LeaderElected"), rec.runnable("other", "Other")]
      })
      const fiber = yield* Effect.fork(manager.run)
      yield* manager.elected
      expect(rec.log).toEqual(["start other", "start leader"])
      expect(yield* manager.isLeader).toBe(true)
      expect(manager.elector).toEqual(Option.none())
      yield* Fiber.interrupt(fiber)
      expect(rec.log.slice(2)).toEqual(["stop leader", "stop other"])
    }).pipe(Effect.provide(TestKube.layer()))
  )

  it.effect("graceful stop: runnables waiting on `stopping` drain within the budget, phase by phase", () =>
    Effect.gen(function* () {
      const rec = new Recorder()
      const manager = yield* Manager.make({
        ...noServers,
        leaderElection,
        runnables: [
          rec.runnable("reconciler", "LeaderElected", { drain: "5 seconds" }),
          rec.runnable("indexer", "Other", { drain: "2 seconds" }),
          rec.runnable("ticker", "Other")
        ]
      })
      const fiber = yield* Effect.fork(manager.run)
      yield* manager.elected
      yield* tick()
      const stopAt = yield* Effect.clockWith((c) => c.currentTimeMillis)
      yield* Fiber.interruptFork(fiber)
      yield* TestClock.adjust("1 second")
      // the ticker ignores `stopping`, but its phase only stops after the leader phase
      expect(rec.has("stop ticker")).toBe(false)
      yield* TestClock.adjust("10 seconds")
      yield* Fiber.await(fiber)
      expect(rec.at("drained reconciler")).toBe(stopAt + 5_000)
      expect(rec.at("drained indexer")).toBe(stopAt + 7_000)
      const stops = rec.log.filter((l) => l.startsWith("stop") || l.startsWith("drained"))
      expect(stops).toEqual(["drained reconciler", "stop reconciler", "stop ticker", "drained indexer", "stop indexer"])
      expect(yield* holderNow).toEqual(Option.some(""))
    }).pipe(Effect.provide(TestKube.layer()))
  )

  it.effect("graceful stop: work beyond the budget is interrupted when the budget is spent", () =>
    Effect.gen(function* () {
      const rec = new Recorder()
      const manager = yield* Manager.make({
        ...noServers,
        gracefulShutdownTimeout: "30 seconds",
        runnables: [rec.runnable("slow", "LeaderElected", { drain: "5 minutes" }), rec.runnable("other", "Other")]
      })
      const fiber = yield* Effect.fork(manager.run)
      yield* manager.elected
      const stopAt = yield* Effect.clockWith((c) => c.currentTimeMillis)
      yield* Fiber.interruptFork(fiber)
      yield* TestClock.adjust("29 seconds")
      expect(rec.has("stop slow")).toBe(false)
      yield* TestClock.adjust("2 seconds")
      const exit = yield* Fiber.await(fiber)
      expect(Exit.isInterrupted(exit)).toBe(true)
      expect(rec.has("drained slow")).toBe(false)
      expect(rec.at("stop slow")).toBe(stopAt + 30_000)
      expect(rec.has("stop other")).toBe(true)
    }).pipe(Effect.provide(TestKube.layer()))
  )

  it.effect("a failing runnable stops the manager, which fails with its typed error", () =>
    Effect.gen(function* () {
      const rec = new Recorder()
      const manager = yield* Manager.make({
        ...noServers,
        leaderElection,
        runnables: [
          rec.runnable("leader", "LeaderElected", { drain: "1 second" }),
          rec.runnable("http", "HttpServer"),
          Runnable.fromEffect("flaky", Effect.delay(Effect.fail(new Boom({ reason: "disk full" })), "5 seconds"), {
            group: "Other"
          })
        ]
      })
      const fiber = yield* Effect.fork(manager.run)
      yield* TestClock.adjust("5 seconds")
      yield* TestClock.adjust("2 seconds")
      const exit = yield* Fiber.await(fiber)
      const error = yield* Effect.flip(exit)
      expect(error).toEqual(new Boom({ reason: "disk full" }))
      expect(rec.has("drained leader")).toBe(true)
      expect(rec.has("stop leader")).toBe(true)
      expect(rec.has("stop http")).toBe(true)
      expect(yield* holderNow).toEqual(Option.some(""))
    }).pipe(Effect.provide(TestKube.layer()))
  )

  it.effect("a runnable that returns is done; the manager keeps running", () =>
    Effect.gen(function* () {
      const rec = new Recorder()
      const manager = yield* Manager.make({
        ...noServers,
        runnables: [
          Runnable.fromEffect("migration", Effect.void, { group: "Other" }),
          rec.runnable("leader", "LeaderElected")
        ]
      })
      const fiber = yield* Effect.fork(manager.run)
      yield* manager.elected
      yield* tick()
      expect(Option.isNone(yield* Fiber.poll(fiber))).toBe(true)
      expect(rec.log).toEqual(["start leader"])
      yield* Fiber.interrupt(fiber)
    }).pipe(Effect.provide(TestKube.layer()))
  )

  it.effect("caches that do not sync fail the start with CacheSyncTimeout; started phases are stopped", () =>
    Effect.gen(function* () {
      const rec = new Recorder()
      const server = yield* ApiServer
      yield* server.faults.failNext(1_000, {
        code: 403,
        match: (r) => r.method === "GET" && r.path.endsWith("/configmaps")
      })
      const manager = yield* Manager.make({
        ...noServers,
        caches: [{ resource: Kinds.ConfigMap }],
        cacheSyncTimeout: "10 seconds",
        runnables: [rec.runnable("http", "HttpServer"), rec.runnable("leader", "LeaderElected")]
      })
      const fiber = yield* Effect.fork(manager.run)
      yield* TestClock.adjust("5 seconds")
      const notReady = yield* manager.readyz
      expect(notReady.find((r) => r.name === "informers")).toEqual({
        name: "informers",
        ok: false,
        reason: "caches not synced yet"
      })
      yield* TestClock.adjust("6 seconds")
      const error = yield* Effect.flip(Fiber.join(fiber))
      expect(error._tag).toBe("CacheSyncTimeout")
      expect(rec.log).toEqual(["start http", "stop http"])
    }).pipe(Effect.provide(TestKube.layer()))
  )

  it.effect("readyz flips ready only once caches synced; healthz is ok throughout; shutdown makes it unready", () =>
    Effect.gen(function* () {
      const server = yield* ApiServer
      yield* server.faults.failNext(3, {
        code: 500,
        match: (r) => r.method === "GET" && r.path.endsWith("/configmaps")
      })
      const rec = new Recorder()
      const manager = yield* Manager.make({
        ...noServers,
        caches: [{ resource: Kinds.ConfigMap, options: { namespace: "default" } }],
        readyChecks: [Probes.check("custom", Effect.void)],
        runnables: [rec.runnable("leader", "LeaderElected", { drain: "3 seconds" })]
      })
      const failing = (results: ReadonlyArray<Probes.CheckResult>) => results.filter((r) => !r.ok).map((r) => r.name)
      expect(failing(yield* manager.readyz)).toEqual(["informers"])
      const fiber = yield* Effect.fork(manager.run)
      yield* TestClock.adjust("100 millis")
      expect(failing(yield* manager.readyz)).toEqual(["informers"])
      expect(failing(yield* manager.healthz)).toEqual([])
      yield* TestClock.adjust("1 minute")
      yield* manager.started
      expect(failing(yield* manager.readyz)).toEqual([])
      expect((yield* manager.readyz).map((r) => r.name)).toEqual(["informers", "shutdown", "custom"])
      yield* Fiber.interruptFork(fiber)
      yield* TestClock.adjust("1 second")
      expect(failing(yield* manager.readyz)).toEqual(["shutdown"])
      yield* TestClock.adjust("3 seconds")
      yield* Fiber.await(fiber)
    }).pipe(Effect.provide(TestKube.layer()))
  )

  it.effect("invalid options are a ManagerConfigError", () =>
    Effect.gen(function* () {
      const port = yield* Effect.flip(Manager.make({ metricsPort: 70_000 }))
      expect(port._tag).toBe("ManagerConfigError")
      const rec = new Recorder()
      const dup = yield* Effect.flip(
        Manager.make({ runnables: [rec.runnable("a", "Other"), rec.runnable("a", "LeaderElected")] })
      )
      expect(dup.message).toContain("two runnables are named a")
      const le = yield* Effect.flip(
        Manager.make({ leaderElection: { ...leaderElection, renewDeadline: "20 seconds" } })
      )
      expect(le._tag).toBe("LeaderElectionConfigError")
    }).pipe(Effect.provide(TestKube.layer()))
  )
})

describe("Manager leader election", () => {
  it.effect(
    "lost leadership interrupts leader-only work at once (no drain) and fails the manager with LeadershipLost",
    () =>
      Effect.gen(function* () {
        const server = yield* ApiServer
        const { kube, partition } = partitionable(server)
        const rec = new Recorder()
        const manager = yield* Manager.make({
          ...noServers,
          leaderElection,
          runnables: [
            rec.runnable("leader", "LeaderElected", { drain: "1 minute" }),
            rec.runnable("other", "Other", { drain: "1 second" })
          ]
        }).pipe(Effect.provideService(KubeApi, kube))
        const fiber = yield* Effect.fork(manager.run.pipe(Effect.provideService(KubeApi, kube)))
        yield* manager.elected
        yield* TestClock.adjust("4 seconds")
        const lastRenewal = Date.parse(Option.getOrThrow(yield* getLease(server, "mgr-lock")).spec?.renewTime ?? "")
        yield* partition(true)
        yield* TestClock.adjust("20 seconds")
        const error = yield* Effect.flip(Fiber.join(fiber))
        expect(error._tag).toBe("LeadershipLost")
        expect(rec.has("drained leader")).toBe(false)
        const lostAt = rec.at("stop leader") ?? Number.POSITIVE_INFINITY
        expect(lostAt).toBeLessThanOrEqual(lastRenewal + 12_000)
        // as controller-runtime: a lost lease skips the graceful shutdown of everything else too
        expect(rec.has("drained other")).toBe(false)
        expect(rec.at("stop other")).toBe(lostAt)
      }).pipe(Effect.provide(TestKube.layer()))
  )

  it.effect("onLost: restart — leader-only work stops, the manager campaigns again and resumes it", () =>
    Effect.gen(function* () {
      const server = yield* ApiServer
      const { kube, partition } = partitionable(server)
      const rec = new Recorder()
      const manager = yield* Manager.make({
        ...noServers,
        leaderElection: { ...leaderElection, onLost: "restart" },
        runnables: [rec.runnable("leader", "LeaderElected")]
      }).pipe(Effect.provideService(KubeApi, kube))
      const fiber = yield* Effect.fork(manager.run.pipe(Effect.provideService(KubeApi, kube)))
      yield* manager.elected
      yield* partition(true)
      yield* TestClock.adjust("15 seconds")
      expect(rec.log).toEqual(["start leader", "stop leader"])
      expect(yield* manager.isLeader).toBe(false)
      yield* partition(false)
      yield* TestClock.adjust("10 seconds")
      expect(rec.log).toEqual(["start leader", "stop leader", "start leader"])
      expect(yield* manager.isLeader).toBe(true)
      expect(Option.isNone(yield* Fiber.poll(fiber))).toBe(true)
      yield* Fiber.interrupt(fiber)
    }).pipe(Effect.provide(TestKube.layer()))
  )

  it.effect("two, then three managers: one runs the leader-only runnables at a time; a standby takes over", () =>
    Effect.gen(function* () {
      const rec = new Recorder()
      const active = new Set<string>()
      let overlaps = 0
      const make = (id: string) =>
        Manager.make({
          ...noServers,
          leaderElection: { ...leaderElection, identity: `mgr-${id}` },
          runnables: [
            Runnable.make({
              name: `${id}-leader`,
              group: "LeaderElected",
              run: () =>
                Effect.acquireRelease(
                  Effect.sync(() => {
                    active.add(id)
                    if (active.size > 1) overlaps++
                  }),
                  () => Effect.sync(() => active.delete(id))
                ).pipe(Effect.zipRight(rec.record(`lead ${id}`)), Effect.zipRight(Effect.never))
            }),
            rec.runnable(`${id}-other`, "Other")
          ]
        })
      const managers = { a: yield* make("a"), b: yield* make("b"), c: yield* make("c") }
      const fa = yield* Effect.fork(managers.a.run)
      yield* managers.a.elected
      const fb = yield* Effect.fork(managers.b.run)
      yield* TestClock.adjust("20 seconds")
      const fc = yield* Effect.fork(managers.c.run)
      for (let i = 0; i < 40; i++) yield* TestClock.adjust("500 millis")
      expect(rec.log.filter((l) => l.startsWith("lead"))).toEqual(["lead a"])
      expect(rec.log).toContain("start b-other")
      expect(rec.log).toContain("start c-other")
      expect([yield* managers.b.isLeader, yield* managers.c.isLeader]).toEqual([false, false])

      yield* Fiber.interrupt(fa)
      const stoppedAt = yield* Effect.clockWith((c) => c.currentTimeMillis)
      for (let i = 0; i < 20; i++) yield* TestClock.adjust("250 millis")
      const leads = rec.entries.filter((e) => e.what.startsWith("lead"))
      expect(leads).toHaveLength(2)
      expect(["lead b", "lead c"]).toContain(leads[1]?.what)
      // released on cancel: the next poll (≤ 2.2 × retryPeriod) takes over
      expect((leads[1]?.at ?? Number.POSITIVE_INFINITY) - stoppedAt).toBeLessThanOrEqual(4_400)
      expect(overlaps).toBe(0)
      yield* Effect.forEach([fb, fc], Fiber.interrupt)
    }).pipe(Effect.provide(TestKube.layer()))
  )
})

describe("Manager with a real controller", () => {
  it.effect("graceful stop lets an in-flight reconcile finish; the lease is released afterwards", () =>
    Effect.gen(function* () {
      const log: Array<string> = []
      const controller = Controller.make({
        name: "drain-ctrl",
        for: Resource.untyped(Kinds.ConfigMap),
        namespace: "default",
        reconcile: () =>
          Effect.gen(function* () {
            log.push("begin")
            yield* Effect.sleep("5 seconds")
            log.push("end")
            return Action.done
          })
      })
      const manager = yield* Manager.make({ ...noServers, leaderElection, controllers: [controller] })
      const fiber = yield* Effect.fork(manager.run)
      yield* manager.elected
      yield* tick(10)
      expect(log).toEqual(["begin"])
      yield* Fiber.interruptFork(fiber)
      yield* tick(10)
      expect(yield* holderNow).toEqual(Option.some("mgr-a"))
      yield* TestClock.adjust("5 seconds")
      yield* Fiber.await(fiber)
      expect(log).toEqual(["begin", "end"])
      expect(yield* holderNow).toEqual(Option.some(""))
    }).pipe(Effect.provide(TestKube.layer({ objects: [cm("a")] })))
  )

  it.effect(
    "lost leadership with a slow in-flight reconcile: the manager still fails before the lease can expire elsewhere",
    () =>
      Effect.gen(function* () {
        const server = yield* ApiServer
        const { kube, partition } = partitionable(server)
        const controller = Controller.make({
          name: "slow-ctrl",
          for: Resource.untyped(Kinds.ConfigMap),
          namespace: "default",
          reconcile: () => Effect.as(Effect.sleep("10 minutes"), Action.done)
        })
        const manager = yield* Manager.make({ ...noServers, leaderElection, controllers: [controller] }).pipe(
          Effect.provideService(KubeApi, kube)
        )
        const fiber = yield* Effect.fork(manager.run.pipe(Effect.provideService(KubeApi, kube)))
        yield* manager.elected
        yield* tick(10)
        const lastRenewal = Date.parse(Option.getOrThrow(yield* getLease(server, "mgr-lock")).spec?.renewTime ?? "")
        yield* partition(true)
        let failedAt = Number.POSITIVE_INFINITY
        for (let i = 0; i < 400 && failedAt === Number.POSITIVE_INFINITY; i++) {
          yield* TestClock.adjust("100 millis")
          if (Option.isSome(yield* Fiber.poll(fiber))) failedAt = yield* Effect.clockWith((c) => c.currentTimeMillis)
        }
        const error = yield* Effect.flip(Fiber.join(fiber))
        expect(error._tag).toBe("LeadershipLost")
        // loss detected by lastRenewal + renewDeadline + retryPeriod; reported one retryPeriod before
        // the lease can expire elsewhere even though the reconcile ignores interruption (drain)
        expect(failedAt).toBeLessThanOrEqual(lastRenewal + 13_000)
      }).pipe(Effect.provide(TestKube.layer({ objects: [cm("a")] })))
  )

  it.effect(
    "lost leadership aborts the controller: a slow in-flight reconcile is interrupted at the moment of the loss",
    () =>
      Effect.gen(function* () {
        const server = yield* ApiServer
        const { kube, partition } = partitionable(server)
        const log: Array<string> = []
        let interruptedAt = Number.POSITIVE_INFINITY
        const controller = Controller.make({
          name: "abort-ctrl",
          for: Resource.untyped(Kinds.ConfigMap),
          namespace: "default",
          gracefulShutdownTimeout: "1 minute",
          reconcile: () =>
            Effect.sync(() => log.push("begin")).pipe(
              Effect.zipRight(Effect.sleep("10 minutes")),
              Effect.zipRight(Effect.sync(() => log.push("end"))),
              Effect.onInterrupt(() =>
                Effect.flatMap(Clock.currentTimeMillis, (now) =>
                  Effect.sync(() => {
                    interruptedAt = now
                    log.push("interrupted")
                  })
                )
              ),
              Effect.as(Action.done)
            )
        })
        const manager = yield* Manager.make({ ...noServers, leaderElection, controllers: [controller] }).pipe(
          Effect.provideService(KubeApi, kube)
        )
        const fiber = yield* Effect.fork(manager.run.pipe(Effect.provideService(KubeApi, kube)))
        yield* manager.elected
        yield* tick(10)
        expect(log).toEqual(["begin"])
        yield* partition(true)
        let failedAt = Number.POSITIVE_INFINITY
        for (let i = 0; i < 400 && failedAt === Number.POSITIVE_INFINITY; i++) {
          yield* TestClock.adjust("100 millis")
          if (Option.isSome(yield* Fiber.poll(fiber))) failedAt = yield* Clock.currentTimeMillis
        }
        const error = yield* Effect.flip(Fiber.join(fiber))
        expect(error._tag).toBe("LeadershipLost")
        expect(log).toEqual(["begin", "interrupted"])
        // interrupted in the same instant as the loss is reported: no graceful drain, no waiting
        // for the lease-expiry bound
        expect(interruptedAt).toBe(failedAt)
        expect(yield* Metrics.render({ process: false })).toContain(
          'controller_runtime_reconcile_total{controller="abort-ctrl",result="success"} 0'
        )
      }).pipe(Effect.provide(TestKube.layer({ objects: [cm("a")] })))
  )

  it.effect("N reconciles under the manager are counted as N in /metrics' source", () =>
    Effect.gen(function* () {
      const seen: Array<string> = []
      const controller = Controller.make({
        name: "count-ctrl",
        for: Resource.untyped(Kinds.ConfigMap),
        namespace: "default",
        reconcile: (o) =>
          Effect.as(
            Effect.sync(() => seen.push(o.metadata.name ?? "")),
            Action.done
          )
      })
      const manager = yield* Manager.make({ ...noServers, leaderElection, controllers: [controller] })
      const fiber = yield* Effect.fork(manager.run)
      yield* manager.elected
      yield* tick(10)
      const parsed = Prom.parse(yield* Metrics.render({ process: false }))
      expect(seen).toHaveLength(5)
      expect(
        Prom.value(parsed, "controller_runtime_reconcile_total", { controller: "count-ctrl", result: "success" })
      ).toBe(5)
      expect(Prom.value(parsed, "workqueue_adds_total", { controller: "count-ctrl", name: "count-ctrl" })).toBe(5)
      expect(Prom.value(parsed, "leader_election_master_status", { name: "mgr-lock" })).toBe(1)
      yield* Fiber.interrupt(fiber)
      const after = Prom.parse(yield* Metrics.render({ process: false }))
      expect(Prom.value(after, "leader_election_master_status", { name: "mgr-lock" })).toBe(0)
    }).pipe(Effect.provide(TestKube.layer({ objects: ["a", "b", "c", "d", "e"].map(cm) })))
  )
})
