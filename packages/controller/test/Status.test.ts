import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as TestClock from "effect/TestClock"
import type { KubeObject } from "@effect-kube/core/Meta"
import * as Action from "../src/Action.js"
import * as Conditions from "../src/Conditions.js"
import * as Status from "../src/Status.js"
import { conflict, makeCluster } from "./support/FakeApi.js"

const seed = () => {
  const cluster = makeCluster()
  const widget = cluster.seed({ metadata: { name: "w", namespace: "default" }, spec: { size: 1 } })
  return { cluster, api: cluster.api(), widget }
}

const current = (cluster: ReturnType<typeof makeCluster>): KubeObject => {
  const o = cluster.peek("w")
  if (o === undefined) throw new Error("gone")
  return o
}

const withPhase = (phase: string) => (o: KubeObject) => Effect.succeed({ ...o, status: { phase } })

describe("Status.update", () => {
  it.effect("patches /status with a merge patch guarded by resourceVersion; no write when unchanged", () =>
    Effect.gen(function* () {
      const { cluster, api, widget } = seed()
      const stored = yield* Status.update(api, widget, withPhase("Ready"))
      expect(stored.status).toEqual({ phase: "Ready" })
      expect(cluster.calls.find((c) => c.verb === "status.patch")?.body).toEqual({
        _tag: "Merge",
        body: { metadata: { resourceVersion: widget.metadata.resourceVersion }, status: { phase: "Ready" } }
      })
      // spec untouched, only status written
      expect(current(cluster).spec).toEqual({ size: 1 })

      const again = yield* Status.update(api, stored, withPhase("Ready"))
      expect(again).toBe(stored)
      expect(cluster.count("status.patch")).toBe(1)
    })
  )

  it.effect("on Conflict re-reads and recomputes from the fresh object", () =>
    Effect.gen(function* () {
      const { cluster, api, widget } = seed()
      // someone else wrote after our read
      cluster.mutate("w", (o) => {
        o.status = { observed: "theirs" }
      })
      const seen: Array<unknown> = []
      const stored = yield* Status.update(api, widget, (o) => {
        seen.push(o.status)
        return Effect.succeed({ ...o, status: { ...(typeof o.status === "object" ? o.status : {}), phase: "Ready" } })
      })
      expect(seen).toEqual([undefined, { observed: "theirs" }])
      expect(stored.status).toEqual({ observed: "theirs", phase: "Ready" })
      expect(cluster.count("get")).toBe(1)
    })
  )

  it.effect("gives up after maxAttempts with the Conflict", () =>
    Effect.gen(function* () {
      const { cluster, api, widget } = seed()
      for (let i = 0; i < 5; i++) cluster.failNext("status.patch", conflict("w"))
      const error = yield* Effect.flip(Status.update(api, widget, withPhase("Ready"), { maxAttempts: 3 }))
      expect(error._tag).toBe("Conflict")
      expect(cluster.count("status.patch")).toBe(3)
    })
  )

  it.effect("apply goes through status.apply with force by default", () =>
    Effect.gen(function* () {
      const { cluster, api } = seed()
      const stored = yield* Status.apply(
        api,
        { metadata: { name: "w", namespace: "default" }, status: { phase: "Applied" } },
        { fieldManager: "test" }
      )
      expect(stored.status).toEqual({ phase: "Applied" })
      expect(cluster.count("status.apply")).toBe(1)
    })
  )
})

describe("Status.withReadyCondition", () => {
  interface Recorded {
    readonly object: string
    readonly type: string
    readonly reason: string
    readonly message: string
  }
  const setup = Effect.gen(function* () {
    const { cluster, api, widget } = seed()
    const events: Array<Recorded> = []
    const backoff = yield* Status.makeFailureBackoff()
    const options = {
      api,
      backoff,
      recordEvent: (object: KubeObject, e: Status.EventInput) =>
        Effect.sync(() => {
          events.push({ object: object.metadata.name ?? "", type: e.type, reason: e.reason, message: e.message })
        })
    }
    return { cluster, api, widget, events, backoff, options }
  })

  it.effect("success: Ready=True with observedGeneration, action passed through, no event", () =>
    Effect.gen(function* () {
      const { cluster, widget, events, options } = yield* setup
      yield* TestClock.setTime(Date.parse("2026-05-01T00:00:00Z"))
      const action = yield* Status.withReadyCondition(widget, Effect.succeed(Action.requeueAfter("1 hour")), options)
      expect(action).toEqual(Action.requeueAfter("1 hour"))
      expect(Conditions.get(current(cluster))).toEqual([
        {
          type: "Ready",
          status: "True",
          reason: "Reconciled",
          message: "",
          lastTransitionTime: "2026-05-01T00:00:00Z",
          observedGeneration: 1
        }
      ])
      expect(events).toEqual([])
    })
  )

  it.effect(
    "errors: Ready=False with the message, a Warning event, requeue doubling per failure up to 6 h, reset on success",
    () =>
      Effect.gen(function* () {
        const { cluster, widget, events, backoff, options } = yield* setup
        const failing = Effect.fail({ message: "image not found" })
        const delays: Array<number> = []
        for (let i = 0; i < 15; i++) {
          const action = yield* Status.withReadyCondition(current(cluster), failing, options)
          if (action._tag !== "RequeueAfter") throw new Error("expected RequeueAfter")
          delays.push(Duration.toSeconds(action.delay))
        }
        expect(delays.slice(0, 4)).toEqual([5, 10, 20, 40])
        expect(delays[12]).toBe(5 * 2 ** 12) // 20480 s < 6 h
        expect(delays[13]).toBe(6 * 3600)
        expect(delays[14]).toBe(6 * 3600)
        const ready = Conditions.find(Conditions.get(current(cluster)), "Ready")
        expect(ready?.status).toBe("False")
        expect(ready?.reason).toBe("ReconcileError")
        expect(ready?.message).toBe("image not found")
        expect(events.length).toBe(15)
        expect(events[0]).toEqual({
          object: "w",
          type: "Warning",
          reason: "ReconcileError",
          message: "image not found"
        })
        // one status write: the condition did not change after the first failure
        expect(cluster.count("status.patch")).toBe(1)

        yield* Status.withReadyCondition(current(cluster), Effect.succeed(Action.done), options)
        expect(yield* backoff.failures("default/w")).toBe(0)
        expect(Conditions.isTrue(Conditions.get(current(cluster)), "Ready")).toBe(true)
        const again = yield* Status.withReadyCondition(current(cluster), failing, options)
        expect(again).toEqual(Action.requeueAfter("5 seconds"))
        void widget
      })
  )

  it.effect("TerminalError is reported and re-raised (not requeued); defects pass through untouched", () =>
    Effect.gen(function* () {
      const { cluster, widget, events, options } = yield* setup
      const terminal = new Action.TerminalError({ message: "spec.replicas exceeds quota" })
      const error = yield* Effect.flip(Status.withReadyCondition(widget, Effect.fail(terminal), options))
      expect(error).toBe(terminal)
      expect(Conditions.find(Conditions.get(current(cluster)), "Ready")?.message).toBe("spec.replicas exceeds quota")
      expect(events.map((e) => e.type)).toEqual(["Warning"])

      const exit = yield* Effect.exit(Status.withReadyCondition(current(cluster), Effect.die("bug"), options))
      expect(Exit.isFailure(exit) && !Exit.isInterrupted(exit)).toBe(true)
      expect(events.length).toBe(1)
    })
  )

  it.effect("a failing status write on the error path is logged, the requeue still returned", () =>
    Effect.gen(function* () {
      const { cluster, widget, events, options } = yield* setup
      cluster.failNext("status.patch", conflict("w"))
      for (let i = 0; i < 5; i++) cluster.failNext("status.patch", conflict("w"))
      const action = yield* Status.withReadyCondition(widget, Effect.fail("boom"), options)
      expect(action).toEqual(Action.requeueAfter("5 seconds"))
      expect(events.length).toBe(1)
      // on the success path the write failure surfaces
      cluster.failNext("status.patch", conflict("w"))
      for (let i = 0; i < 5; i++) cluster.failNext("status.patch", conflict("w"))
      const error = yield* Effect.flip(
        Status.withReadyCondition(current(cluster), Effect.succeed(Action.done), options)
      )
      expect(error._tag).toBe("Conflict")
    })
  )
})
