import { describe, expect, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import type { KubeObject } from "@effect-kube/core/Meta"
import * as Action from "../src/Action.js"
import * as Finalizer from "../src/Finalizer.js"
import { makeCluster } from "./support/FakeApi.js"

const NAME = "example.com/cleanup"

const noop = {
  apply: () => Effect.succeed(Action.done),
  cleanup: () => Effect.succeed(Action.done)
}

const seedWidget = (finalizers?: Array<string>) => {
  const cluster = makeCluster()
  const widget = cluster.seed({
    metadata: { name: "w", namespace: "default", ...(finalizers ? { finalizers } : {}) },
    spec: { size: 1 }
  })
  return { cluster, api: cluster.api(), widget }
}

const current = (cluster: ReturnType<typeof makeCluster>): KubeObject => {
  const o = cluster.peek("w")
  if (o === undefined) throw new Error("gone")
  return o
}

describe("Finalizer", () => {
  it.effect("adds the finalizer to a live object without one (test null + add), without applying", () =>
    Effect.gen(function* () {
      const { cluster, api, widget } = seedWidget()
      let applied = 0
      const action = yield* Finalizer.finalizer(api, NAME, widget, {
        apply: () => Effect.sync(() => applied++).pipe(Effect.as(Action.requeue)),
        cleanup: noop.cleanup
      })
      expect(action).toEqual(Action.done)
      expect(applied).toBe(0)
      expect(current(cluster).metadata.finalizers).toEqual([NAME])
      expect(cluster.calls.find((c) => c.verb === "patch")?.body).toEqual({
        _tag: "Json",
        operations: [
          { op: "test", path: "/metadata/finalizers", value: null },
          { op: "add", path: "/metadata/finalizers", value: [NAME] }
        ]
      })
    })
  )

  it.effect("appends after other finalizers, guarded by a test of the whole current list", () =>
    Effect.gen(function* () {
      const { cluster, api, widget } = seedWidget(["other.io/x"])
      yield* Finalizer.finalizer(api, NAME, widget, noop)
      expect(current(cluster).metadata.finalizers).toEqual(["other.io/x", NAME])
      expect(cluster.calls.find((c) => c.verb === "patch")?.body).toEqual({
        _tag: "Json",
        operations: [
          { op: "test", path: "/metadata/finalizers", value: ["other.io/x"] },
          { op: "add", path: "/metadata/finalizers/-", value: NAME }
        ]
      })
    })
  )

  it.effect("fails with AddFinalizer (and writes nothing) when the finalizers changed since the read", () =>
    Effect.gen(function* () {
      const { cluster, api, widget } = seedWidget()
      cluster.beforeWrite = () => Effect.sync(() => cluster.setFinalizers("w", ["racer.io/y"]))
      const error = yield* Effect.flip(Finalizer.finalizer(api, NAME, widget, noop))
      expect(error._tag).toBe("AddFinalizer")
      if (error._tag === "AddFinalizer") expect(error.cause._tag).toBe("Invalid")
      expect(current(cluster).metadata.finalizers).toEqual(["racer.io/y"])
    })
  )

  it.effect("applies a live object that has the finalizer, passing the action and errors through", () =>
    Effect.gen(function* () {
      const { api, widget } = seedWidget([NAME])
      const seen: Array<KubeObject> = []
      const action = yield* Finalizer.finalizer(api, NAME, widget, {
        apply: (o) => Effect.sync(() => seen.push(o)).pipe(Effect.as(Action.requeueAfter("1 minute"))),
        cleanup: () => Effect.die("cleanup must not run")
      })
      expect(action).toEqual(Action.requeueAfter("1 minute"))
      expect(seen).toEqual([widget])

      const error = yield* Effect.flip(
        Finalizer.finalizer(api, NAME, widget, { apply: () => Effect.fail("nope" as const), cleanup: noop.cleanup })
      )
      expect(error).toEqual(new Finalizer.ApplyFailed({ cause: "nope" }))
    })
  )

  it.effect("cleans up a deleting object, then removes the finalizer (test + remove) so deletion completes", () =>
    Effect.gen(function* () {
      const { cluster, api } = seedWidget(["other.io/x", NAME])
      yield* api.delete("w")
      const deleting = current(cluster)
      expect(deleting.metadata.deletionTimestamp).toBeDefined()
      let cleaned = 0
      const action = yield* Finalizer.finalizer(api, NAME, deleting, {
        apply: () => Effect.die("apply must not run"),
        cleanup: () => Effect.sync(() => cleaned++).pipe(Effect.as(Action.done))
      })
      expect(action).toEqual(Action.done)
      expect(cleaned).toBe(1)
      expect(current(cluster).metadata.finalizers).toEqual(["other.io/x"])
      expect(cluster.calls.filter((c) => c.verb === "patch").at(-1)?.body).toEqual({
        _tag: "Json",
        operations: [
          { op: "test", path: "/metadata/finalizers/1", value: NAME },
          { op: "remove", path: "/metadata/finalizers/1" }
        ]
      })
      // the other controller's finalizer goes too: the object is gone
      cluster.setFinalizers("w", [])
      expect(cluster.peek("w")).toBeUndefined()
    })
  )

  it.effect("a failing cleanup keeps the finalizer (the object stays); a later success removes it", () =>
    Effect.gen(function* () {
      const { cluster, api } = seedWidget([NAME])
      yield* api.delete("w")
      let attempts = 0
      const handlers = {
        apply: noop.apply,
        cleanup: () =>
          Effect.suspend(() => (++attempts === 1 ? Effect.fail("dns api down") : Effect.succeed(Action.done)))
      }
      const first = yield* Effect.flip(Finalizer.finalizer(api, NAME, current(cluster), handlers))
      expect(first).toEqual(new Finalizer.CleanupFailed({ cause: "dns api down" }))
      expect(current(cluster).metadata.finalizers).toEqual([NAME])
      expect(cluster.count("patch")).toBe(0)

      yield* Finalizer.finalizer(api, NAME, current(cluster), handlers)
      expect(attempts).toBe(2)
      expect(cluster.peek("w")).toBeUndefined()
    })
  )

  it.effect(
    "deletion while apply is running: apply finishes, the next reconcile cleans up before the object goes",
    () =>
      Effect.gen(function* () {
        const { cluster, api } = seedWidget([NAME])
        const log: Array<string> = []
        const applyStarted = yield* Deferred.make<void>()
        const releaseApply = yield* Deferred.make<void>()
        const handlers = {
          apply: () =>
            Effect.gen(function* () {
              log.push("apply:start")
              yield* Deferred.succeed(applyStarted, undefined)
              yield* Deferred.await(releaseApply)
              log.push("apply:end")
              return Action.done
            }),
          cleanup: () => Effect.sync(() => log.push("cleanup")).pipe(Effect.as(Action.done))
        }
        const running = yield* Effect.fork(Finalizer.finalizer(api, NAME, current(cluster), handlers))
        yield* Deferred.await(applyStarted)
        yield* api.delete("w")
        // held by our finalizer while apply still runs
        expect(current(cluster).metadata.deletionTimestamp).toBeDefined()
        yield* Deferred.succeed(releaseApply, undefined)
        yield* Fiber.join(running)
        expect(cluster.peek("w")).toBeDefined()

        yield* Finalizer.finalizer(api, NAME, current(cluster), handlers)
        expect(log).toEqual(["apply:start", "apply:end", "cleanup"])
        expect(cluster.peek("w")).toBeUndefined()
      })
  )

  it.effect("interruption mid-cleanup leaves the finalizer; cleanup is retried and then removes it", () =>
    Effect.gen(function* () {
      const { cluster, api } = seedWidget([NAME])
      yield* api.delete("w")
      const started = yield* Deferred.make<void>()
      const hanging = yield* Effect.fork(
        Finalizer.finalizer(api, NAME, current(cluster), {
          apply: noop.apply,
          cleanup: () => Effect.zipRight(Deferred.succeed(started, undefined), Effect.never)
        })
      )
      yield* Deferred.await(started)
      const exit = yield* Fiber.interrupt(hanging)
      expect(Exit.isInterrupted(exit)).toBe(true)
      expect(current(cluster).metadata.finalizers).toEqual([NAME])
      expect(cluster.count("patch")).toBe(0)

      yield* Finalizer.finalizer(api, NAME, current(cluster), noop)
      expect(cluster.peek("w")).toBeUndefined()
    })
  )

  it.effect("once cleanup succeeded, an interruption does not abandon the finalizer removal", () =>
    Effect.gen(function* () {
      const { cluster, api } = seedWidget([NAME])
      yield* api.delete("w")
      const patching = yield* Deferred.make<void>()
      const releasePatch = yield* Deferred.make<void>()
      cluster.beforeWrite = (verb) =>
        verb === "patch"
          ? Effect.zipRight(Deferred.succeed(patching, undefined), Deferred.await(releasePatch))
          : Effect.void
      const running = yield* Effect.fork(Finalizer.finalizer(api, NAME, current(cluster), noop))
      yield* Deferred.await(patching)
      const interrupting = yield* Effect.fork(Fiber.interrupt(running))
      yield* Effect.yieldNow()
      yield* Deferred.succeed(releasePatch, undefined)
      yield* Fiber.join(interrupting)
      expect(cluster.peek("w")).toBeUndefined()
    })
  )

  it.effect("a failed removal (indexes shifted meanwhile) removes nothing and surfaces RemoveFinalizer", () =>
    Effect.gen(function* () {
      const { cluster, api } = seedWidget(["other.io/x", NAME])
      yield* api.delete("w")
      const stale = current(cluster)
      cluster.setFinalizers("w", [NAME])
      const error = yield* Effect.flip(Finalizer.finalizer(api, NAME, stale, noop))
      expect(error._tag).toBe("RemoveFinalizer")
      expect(current(cluster).metadata.finalizers).toEqual([NAME])
      // with a fresh read it succeeds
      yield* Finalizer.finalizer(api, NAME, current(cluster), noop)
      expect(cluster.peek("w")).toBeUndefined()
    })
  )

  it.effect("does nothing for a deleting object without our finalizer", () =>
    Effect.gen(function* () {
      const { cluster, api } = seedWidget(["other.io/x"])
      yield* api.delete("w")
      const callsBefore = cluster.calls.length
      const action = yield* Finalizer.finalizer(api, NAME, current(cluster), {
        apply: () => Effect.die("no apply"),
        cleanup: () => Effect.die("no cleanup")
      })
      expect(action).toEqual(Action.done)
      expect(cluster.calls.length).toBe(callsBefore)
    })
  )

  it.effect("rejects unnamed objects and invalid finalizer names", () =>
    Effect.gen(function* () {
      const { api, widget } = seedWidget()
      const unnamed = yield* Effect.flip(Finalizer.finalizer(api, NAME, { metadata: { generateName: "w-" } }, noop))
      expect(unnamed._tag).toBe("UnnamedObject")
      for (const bad of ["", "a/b/c", "Example.com/x", "example.com/", "-x", "x".repeat(64)]) {
        const error = yield* Effect.flip(Finalizer.finalizer(api, bad, widget, noop))
        expect(error._tag, bad).toBe("InvalidFinalizer")
      }
      for (const good of ["example.com/cleanup", "kubernetes", "a.b-c/d_e.f"]) {
        expect(yield* Finalizer.validateName(good)).toBe(good)
      }
    })
  )
})
