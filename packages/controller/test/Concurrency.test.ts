/**
 * 1 000 objects, 8 workers: every object is reconciled, no key is ever in two reconciles at
 * once, changes made while keys are in flight are reconciled again (level-based: the last
 * reconcile of a key sees its last state), and the metrics add up.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import { KubeApi } from "@effect-kube/client/KubeApi"
import * as Kinds from "@effect-kube/core/Kinds"
import * as Patch from "@effect-kube/core/Patch"
import * as Resource from "@effect-kube/core/Resource"
import { InformerFactory } from "@effect-kube/processor/InformerFactory"
import * as TestKube from "@effect-kube/testing/TestKube"
import * as Action from "../src/Action.js"
import * as Controller from "../src/Controller.js"
import * as WorkQueue from "../src/WorkQueue.js"

const N = 1_000
const CONCURRENCY = 8
const PATCHED = 200

const name = (i: number) => `cm-${String(i).padStart(4, "0")}`

const objects = Array.from({ length: N }, (_, i) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: name(i), namespace: "default" },
  data: { v: "1" }
}))

const TestLayer = InformerFactory.layer.pipe(Layer.provideMerge(TestKube.layer({ objects })))

const waitUntil = (check: () => boolean, what: string): Effect.Effect<void> =>
  Effect.gen(function* () {
    for (let i = 0; i < 500_000; i++) {
      if (check()) return
      yield* Effect.yieldNow()
    }
    return yield* Effect.dieMessage(`never: ${what}`)
  })

describe("Controller concurrency", () => {
  it.effect(
    `${N} objects, concurrency ${CONCURRENCY}: all reconciled, never one key twice at once, metrics add up`,
    () =>
      Effect.gen(function* () {
        const inFlight = new Set<string>()
        const reconciles = new Map<string, number>()
        const lastSeen = new Map<string, string>()
        const violations: Array<string> = []
        let maxInFlight = 0
        let total = 0

        const controller = Controller.make({
          name: "concurrency-1000",
          for: Kinds.ConfigMap,
          concurrency: CONCURRENCY,
          reconcile: (cm, ctx) =>
            Effect.gen(function* () {
              if (inFlight.has(ctx.key)) violations.push(ctx.key)
              inFlight.add(ctx.key)
              maxInFlight = Math.max(maxInFlight, inFlight.size)
              total++
              reconciles.set(ctx.key, (reconciles.get(ctx.key) ?? 0) + 1)
              // Yield a key-dependent number of times so reconciles interleave and finish out of order.
              const spins = 1 + (ctx.name.charCodeAt(ctx.name.length - 1) % 4)
              for (let i = 0; i < spins; i++) yield* Effect.yieldNow()
              lastSeen.set(ctx.key, cm.data?.v ?? "")
              inFlight.delete(ctx.key)
              return Action.done
            })
        })

        const running = yield* Controller.start(controller)
        // Change some objects while the backlog is being worked through: their keys are re-added
        // while queued or in flight and must be reconciled again with the new state.
        const cms = (yield* KubeApi).resource(Resource.untyped(Kinds.ConfigMap), { namespace: "default" })
        yield* waitUntil(() => total >= 50, "reconciling started")
        for (let i = 0; i < PATCHED; i++) {
          yield* cms.patch(name(i * 5), Patch.merge({ data: { v: "2" } }))
          if (i % 10 === 0) yield* Effect.yieldNow()
        }

        yield* waitUntil(
          () =>
            reconciles.size === N &&
            Array.from({ length: PATCHED }, (_, i) => lastSeen.get(`default/${name(i * 5)}`)).every((v) => v === "2"),
          "every object reconciled, patched ones with their new data"
        )
        yield* waitUntil(() => inFlight.size === 0, "idle")
        for (let i = 0; i < 200; i++) yield* Effect.yieldNow()

        expect(violations).toEqual([])
        expect(reconciles.size).toBe(N)
        expect(maxInFlight).toBe(CONCURRENCY)
        expect([...lastSeen.values()].filter((v) => v === "2").length).toBe(PATCHED)
        expect(yield* running.queue.len).toBe(0)
        expect(yield* running.queue.processing).toBe(0)

        const m = Controller.metricsFor("concurrency-1000")
        expect((yield* Metric.value(m.reconcileTotal("success"))).count).toBe(total)
        expect((yield* Metric.value(m.reconcileErrors)).count).toBe(0)
        expect((yield* Metric.value(m.reconcileTime)).count).toBe(total)
        expect((yield* Metric.value(m.activeWorkers)).value).toBe(0)
        expect((yield* Metric.value(m.maxConcurrentReconciles)).value).toBe(CONCURRENCY)
        const queueMetrics = WorkQueue.metricsFor("concurrency-1000")
        expect((yield* Metric.value(queueMetrics.depth)).value).toBe(0)
        expect((yield* Metric.value(queueMetrics.workDuration)).count).toBe(total)
        // Duplicates collapsed: at most one extra reconcile per patch.
        expect(total).toBeGreaterThanOrEqual(N)
        expect(total).toBeLessThanOrEqual(N + PATCHED)
      }).pipe(Effect.scoped, Effect.provide(TestLayer)),
    60_000
  )
})
