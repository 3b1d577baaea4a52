import { describe, expect, it } from "@effect/vitest"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { fromStatus, type KubeError } from "@effect-kube/core/Errors"
import type { KubeObject } from "@effect-kube/core/Meta"
import * as SharedInformer from "../src/SharedInformer.js"
import { cm, eventually, fakeSource, target } from "./helpers.js"

const count = (metric: Metric.Metric.Counter<number>, kind: string) =>
  Effect.map(Metric.value(metric.pipe(Metric.tagged("kind", kind))), (s) => s.count)

/** A server whose list answers from `objects`; `exact` decides how lists at a resourceVersion fare. */
const fakeList = (objects: () => ReadonlyArray<KubeObject>, exact: "serve" | "gone" | "fail" = "serve") => {
  const requested: Array<string | undefined> = []
  const list = (resourceVersion: string | undefined): Stream.Stream<KubeObject, KubeError> => {
    requested.push(resourceVersion)
    if (resourceVersion !== undefined && exact === "gone") {
      return Stream.fail(fromStatus(410, { reason: "Expired", message: "too old resource version" }))
    }
    if (exact === "fail") return Stream.fail(fromStatus(503, { reason: "ServiceUnavailable", message: "down" }))
    return Stream.fromIterable(objects())
  }
  return { list, requested }
}

const setup = (kind: string, server: ReturnType<typeof fakeList>, interval: Duration.DurationInput = "1 minute") =>
  Effect.gen(function* () {
    const source = yield* fakeSource
    const informer = yield* SharedInformer.fromSource(target(kind), source.handle, {
      consistencyCheck: { interval, list: server.list }
    })
    yield* source.relistWith("2", cm("a", "1"), cm("b", "2"))
    yield* informer.awaitSynced
    return { source, informer }
  })

describe("consistency check", () => {
  it.scoped("no drift: counted as a check, no relist", () =>
    Effect.gen(function* () {
      const server = fakeList(() => [cm("a", "1"), cm("b", "2")])
      const { source } = yield* setup("NoDrift", server)
      yield* TestClock.adjust("1 minute")
      yield* eventually(() => server.requested.length === 1)
      yield* Effect.yieldNow()
      expect(server.requested).toEqual(["2"])
      expect(yield* count(SharedInformer.metrics.consistencyChecks, "NoDrift")).toBe(1)
      expect(yield* count(SharedInformer.metrics.consistencyDrift, "NoDrift")).toBe(0)
      expect(source.relists()).toBe(0)
    })
  )

  it.scoped("a missed add, a missed delete or a stale object is drift: counted and repaired by a relist", () =>
    Effect.gen(function* () {
      let objects: ReadonlyArray<KubeObject> = [cm("a", "1"), cm("b", "2"), cm("c", "3")]
      const server = fakeList(() => objects)
      const { source } = yield* setup("Drift", server)
      yield* TestClock.adjust("1 minute")
      yield* eventually(() => source.relists() === 1, "relist after a missing object")
      expect(yield* count(SharedInformer.metrics.consistencyDrift, "Drift")).toBe(1)

      objects = [cm("a", "1")]
      yield* TestClock.adjust("1 minute")
      yield* eventually(() => source.relists() === 2, "relist after an unexpected object")

      objects = [cm("a", "9"), cm("b", "2")]
      yield* TestClock.adjust("1 minute")
      yield* eventually(() => source.relists() === 3, "relist after a stale object")
      expect(yield* count(SharedInformer.metrics.consistencyDrift, "Drift")).toBe(3)
      expect(server.requested).toEqual(["2", "2", "2"])
    })
  )

  it.scoped("the store's resourceVersion follows the watch, so the exact list matches in-flight state", () =>
    Effect.gen(function* () {
      const server = fakeList(() => [cm("a", "5"), cm("b", "2")])
      const { source, informer } = yield* setup("Follows", server)
      yield* source.send({ _tag: "Apply", object: cm("a", "5") })
      yield* eventually(() => informer.store.resourceVersion() === "5")
      yield* TestClock.adjust("1 minute")
      yield* eventually(() => server.requested.length === 1)
      yield* Effect.yieldNow()
      expect(server.requested).toEqual(["5"])
      expect(source.relists()).toBe(0)
    })
  )

  it.scoped("exact version compacted (410): a current list, and only differences that persist count", () =>
    Effect.gen(function* () {
      let objects: ReadonlyArray<KubeObject> = [cm("a", "1"), cm("b", "2"), cm("c", "3")]
      const server = fakeList(() => objects, "gone")
      const { source, informer } = yield* setup("Compacted", server)
      yield* TestClock.adjust("1 minute")
      yield* eventually(() => server.requested.length === 2, "fallback list")
      expect(server.requested).toEqual(["2", undefined])
      // The watch delivers c during the grace period: not drift.
      yield* source.send({ _tag: "Apply", object: cm("c", "3") })
      yield* eventually(() => informer.store.get("default/c") !== undefined)
      yield* TestClock.adjust("5 seconds")
      expect(yield* count(SharedInformer.metrics.consistencyChecks, "Compacted")).toBe(1)
      expect(source.relists()).toBe(0)

      // d never arrives: drift once the grace period is over.
      objects = [...objects, cm("d", "4")]
      yield* TestClock.adjust("60 seconds")
      yield* eventually(() => server.requested.length === 4)
      yield* TestClock.adjust("5 seconds")
      yield* eventually(() => source.relists() === 1, "relist after persisting drift")
      expect(yield* count(SharedInformer.metrics.consistencyDrift, "Compacted")).toBe(1)
    })
  )

  it.scoped("a failing list skips the check (logged), without a relist", () =>
    Effect.gen(function* () {
      const server = fakeList(() => [], "fail")
      const { source } = yield* setup("ListFails", server)
      yield* TestClock.adjust("1 minute")
      yield* eventually(() => server.requested.length === 1)
      yield* TestClock.adjust("1 minute")
      yield* eventually(() => server.requested.length === 2)
      expect(yield* count(SharedInformer.metrics.consistencyChecks, "ListFails")).toBe(0)
      expect(source.relists()).toBe(0)
    })
  )
})
