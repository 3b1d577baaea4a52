/**
 * The minimal runner: several controllers over one informer factory, started together, stopped
 * together and gracefully.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import * as TestClock from "effect/TestClock"
import { KubeApi } from "@effect-kube/client/KubeApi"
import * as Kinds from "@effect-kube/core/Kinds"
import * as Resource from "@effect-kube/core/Resource"
import { InformerFactory } from "@effect-kube/processor/InformerFactory"
import { ApiServer } from "@effect-kube/testing/ApiServer"
import * as TestKube from "@effect-kube/testing/TestKube"
import * as Action from "../src/Action.js"
import * as Controller from "../src/Controller.js"
import * as Runner from "../src/Runner.js"

class Journal extends Context.Tag("test/Journal")<Journal, Array<string>>() {}

const eventually = (check: () => boolean, what: string): Effect.Effect<void> =>
  Effect.gen(function* () {
    for (let i = 0; i < 20_000; i++) {
      if (check()) return
      yield* Effect.yieldNow()
    }
    return yield* Effect.dieMessage(`eventually: ${what} never held`)
  })

const settle = Effect.gen(function* () {
  for (let i = 0; i < 200; i++) yield* Effect.yieldNow()
})

const objects = [
  { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm", namespace: "default" } },
  { apiVersion: "v1", kind: "Secret", metadata: { name: "secret", namespace: "default" } }
]

// Two controllers needing different services: the runner's requirements are their union.
const configMaps = Controller.make({
  name: "runner-configmaps",
  for: Kinds.ConfigMap,
  reconcile: (_cm, ctx) =>
    Effect.flatMap(Journal, (journal) =>
      Effect.sync(() => journal.push(`cm start ${ctx.name}`)).pipe(
        Effect.zipRight(Effect.sleep("3 seconds")),
        Effect.zipRight(Effect.sync(() => journal.push(`cm done ${ctx.name}`))),
        Effect.as(Action.done)
      )
    )
})
const secrets = Controller.make({
  name: "runner-secrets",
  for: Kinds.Secret,
  reconcile: (_s, ctx) =>
    Effect.flatMap(KubeApi, () =>
      Effect.flatMap(Journal, (journal) => Effect.sync(() => journal.push(`secret ${ctx.name}`)))
    ).pipe(Effect.as(Action.done))
})

describe("Runner", () => {
  it.effect("runs controllers over one informer factory until interrupted, then lets in-flight reconciles finish", () =>
    Effect.gen(function* () {
      const journal: Array<string> = []
      const program: Effect.Effect<never, Controller.StartError, KubeApi | Journal> = Runner.run([configMaps, secrets])
      const fiber = yield* Effect.fork(program.pipe(Effect.provideService(Journal, journal)))
      yield* eventually(() => journal.includes("secret secret") && journal.includes("cm start cm"), "both reconciling")
      const server = yield* ApiServer
      // one list + watch per kind: the factory is shared by the runner's controllers
      expect(yield* server.requestCount({ verb: "list" })).toBe(2)
      const stopping = yield* Effect.fork(Fiber.interrupt(fiber))
      yield* settle
      expect(journal).not.toContain("cm done cm")
      yield* TestClock.adjust("3 seconds")
      const exit = yield* Fiber.join(stopping)
      expect(Exit.isInterrupted(exit)).toBe(true)
      expect(journal).toContain("cm done cm")
    }).pipe(Effect.provide(TestKube.layer({ objects })))
  )

  it.effect("if one controller cannot start, the runner fails with its error and the others are stopped", () =>
    Effect.gen(function* () {
      const journal: Array<string> = []
      const clash = Controller.make({
        name: "runner-secrets",
        for: Kinds.ConfigMap,
        reconcile: () => Effect.succeed(Action.done)
      })
      const error = yield* Effect.flip(Runner.run([secrets, clash]).pipe(Effect.provideService(Journal, journal)))
      expect(error).toMatchObject({ _tag: "InvalidController", reason: "DuplicateName" })
      // the survivor released its name: it can start again
      const again = yield* Effect.fork(Runner.run([secrets]).pipe(Effect.provideService(Journal, journal)))
      yield* eventually(() => journal.filter((l) => l === "secret secret").length >= 1, "restarted")
      yield* Fiber.interrupt(again)
    }).pipe(Effect.provide(TestKube.layer({ objects })))
  )

  it.effect("Runner.layer starts the controllers with the layer and stops them with it", () =>
    Effect.gen(function* () {
      const journal: Array<string> = []
      const scope = yield* Scope.make()
      const layer = Runner.layer([secrets]).pipe(
        Layer.provide(InformerFactory.layer),
        Layer.provide(Layer.succeed(Journal, journal))
      )
      yield* Layer.buildWithScope(layer, scope)
      yield* eventually(() => journal.includes("secret secret"), "reconciled")
      yield* Scope.close(scope, Exit.void)
      // stopped: a new Secret is not reconciled
      const kube = yield* KubeApi
      yield* kube
        .resource(Resource.untyped(Kinds.Secret), { namespace: "default" })
        .create({ apiVersion: "v1", kind: "Secret", metadata: { name: "late", namespace: "default" } })
      yield* settle
      expect(journal).not.toContain("secret late")
    }).pipe(Effect.provide(TestKube.layer({ objects })))
  )

  it.effect("abort interrupts in-flight reconciles at once; the later graceful drain returns immediately", () =>
    Effect.gen(function* () {
      const journal: Array<string> = []
      const slow = Controller.make({
        name: "runner-abort",
        for: Kinds.ConfigMap,
        gracefulShutdownTimeout: "1 minute",
        reconcile: (_cm, ctx) =>
          Effect.flatMap(Journal, (j) =>
            Effect.sync(() => j.push(`start ${ctx.name}`)).pipe(
              Effect.zipRight(Effect.sleep("10 minutes")),
              Effect.zipRight(Effect.sync(() => j.push(`done ${ctx.name}`))),
              Effect.onInterrupt(() => Effect.sync(() => j.push(`interrupted ${ctx.name}`))),
              Effect.as(Action.done)
            )
          )
      })
      const scope = yield* Scope.make()
      const [running] = yield* Runner.start([slow]).pipe(
        Effect.provideService(Journal, journal),
        Effect.provide(InformerFactory.layer),
        Scope.extend(scope)
      )
      if (running === undefined) return yield* Effect.dieMessage("no running controller")
      yield* eventually(() => journal.includes("start cm"), "reconciling")
      const startedAt = yield* TestClock.currentTimeMillis
      // no clock movement: the abort does not wait for anything time-based
      yield* running.abort
      expect(journal).toEqual(["start cm", "interrupted cm"])
      expect(yield* running.queue.isShuttingDown).toBe(true)
      expect(yield* running.queue.processing).toBe(0)
      expect(yield* running.shutdown).toBe(false)
      yield* Scope.close(scope, Exit.void)
      expect(yield* TestClock.currentTimeMillis).toBe(startedAt)
      // intake stopped: a new ConfigMap is not reconciled
      yield* (yield* KubeApi)
        .resource(Resource.untyped(Kinds.ConfigMap), { namespace: "default" })
        .create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "late", namespace: "default" } })
      yield* settle
      expect(journal).toEqual(["start cm", "interrupted cm"])
    }).pipe(Effect.provide(TestKube.layer({ objects })))
  )
})
