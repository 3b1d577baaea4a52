import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as MetricKeyType from "effect/MetricKeyType"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import * as RateLimiter from "../src/RateLimiter.js"
import * as WorkQueue from "../src/WorkQueue.js"

const settle = Effect.repeatN(Effect.yieldNow(), 20)

describe("WorkQueue metrics", () => {
  it("use controller-runtime names and real counter / gauge / histogram types", () => {
    const m = WorkQueue.metrics
    expect(MetricKeyType.isGaugeKey(m.depth.keyType)).toBe(true)
    expect(MetricKeyType.isCounterKey(m.adds.keyType)).toBe(true)
    expect(MetricKeyType.isCounterKey(m.retries.keyType)).toBe(true)
    expect(MetricKeyType.isHistogramKey(m.queueDuration.keyType)).toBe(true)
    expect(MetricKeyType.isHistogramKey(m.workDuration.keyType)).toBe(true)
    expect(MetricKeyType.isGaugeKey(m.unfinishedWork.keyType)).toBe(true)
    expect(MetricKeyType.isGaugeKey(m.longestRunningProcessor.keyType)).toBe(true)
    if (MetricKeyType.isHistogramKey(m.workDuration.keyType)) {
      // prometheus.ExponentialBuckets(10e-9, 10, 12) plus +Inf
      expect(m.workDuration.keyType.boundaries.values).toEqual([
        1e-8,
        1e-7,
        1e-6,
        1e-5,
        1e-4,
        1e-3,
        1e-2,
        1e-1,
        1,
        10,
        100,
        1000,
        Number.POSITIVE_INFINITY
      ])
    }
  })

  it.scoped("record a scripted sequence", () =>
    Effect.gen(function* () {
      const name = `metrics-${Math.random().toString(36).slice(2)}`
      const queue = yield* WorkQueue.make({ name, controller: "websites", rateLimiter: RateLimiter.exponential() })
      const m = WorkQueue.metricsFor(name, "websites")
      // Pre-registered at zero before any event.
      expect((yield* Metric.value(m.adds)).count).toBe(0)

      yield* queue.add("a") // t = 0
      yield* TestClock.adjust("2 seconds")
      yield* queue.add("b") // t = 2
      yield* queue.add("a") // duplicate: not counted
      expect((yield* Metric.value(m.adds)).count).toBe(2)
      expect((yield* Metric.value(m.depth)).value).toBe(2)

      expect(yield* queue.get).toEqual(Option.some("a")) // waited 2 s
      expect(yield* queue.get).toEqual(Option.some("b")) // waited 0 s
      expect((yield* Metric.value(m.depth)).value).toBe(0)
      const latency = yield* Metric.value(m.queueDuration)
      expect(latency.count).toBe(2)
      expect(latency.sum).toBe(2)
      expect(latency.max).toBe(2)

      yield* queue.add("a") // re-add while processing: counts as an add and as depth
      expect((yield* Metric.value(m.adds)).count).toBe(3)
      expect((yield* Metric.value(m.depth)).value).toBe(1)

      yield* TestClock.adjust("3 seconds") // t = 5: both in flight for 3 s
      yield* settle
      expect((yield* Metric.value(m.unfinishedWork)).value).toBe(6)
      expect((yield* Metric.value(m.longestRunningProcessor)).value).toBe(3)

      yield* queue.done("a")
      yield* queue.done("b")
      const work = yield* Metric.value(m.workDuration)
      expect(work.count).toBe(2)
      expect(work.sum).toBe(6)
      // 3 s falls in the le=10 bucket, not le=1
      expect(work.buckets.find(([le]) => le === 1)?.[1]).toBe(0)
      expect(work.buckets.find(([le]) => le === 10)?.[1]).toBe(2)

      yield* queue.addAfter("c", "1 second")
      yield* queue.addRateLimited("d")
      yield* queue.addRateLimited("d")
      expect((yield* Metric.value(m.retries)).count).toBe(3)
      yield* TestClock.adjust("1 second")
      yield* settle
      // a (re-added) + c + d
      expect((yield* Metric.value(m.adds)).count).toBe(5)
      expect((yield* Metric.value(m.depth)).value).toBe(3)

      yield* TestClock.adjust("1 second")
      yield* settle
      expect((yield* Metric.value(m.unfinishedWork)).value).toBe(0)

      yield* queue.shutdown
      expect((yield* Metric.value(m.depth)).value).toBe(0)
      // counters never go down
      expect((yield* Metric.value(m.adds)).count).toBe(5)
    })
  )

  it.scoped("metrics: false records nothing", () =>
    Effect.gen(function* () {
      const name = `nometrics-${Math.random().toString(36).slice(2)}`
      const queue = yield* WorkQueue.make({ name, metrics: false })
      yield* queue.add("a")
      expect((yield* Metric.value(WorkQueue.metricsFor(name).adds)).count).toBe(0)
      expect(yield* queue.len).toBe(1)
    })
  )
})
