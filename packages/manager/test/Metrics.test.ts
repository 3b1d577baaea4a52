import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as MetricBoundaries from "effect/MetricBoundaries"
import * as TestClock from "effect/TestClock"
import * as WorkQueue from "@effect-kube/controller/WorkQueue"
import * as Metrics from "../src/Metrics.js"
import * as Prom from "./support/prom.js"

/** Own validator always; promtool in addition when installed (CI installs it: Debian `prometheus`). */
const checkExposition = (text: string) => {
  const parsed = Prom.parse(text)
  const promtool = Prom.promtool(text)
  if (promtool === undefined) {
    console.warn("promtool not found: exposition checked with the built-in validator only")
  } else {
    expect(promtool.output).toBe("")
    expect(promtool.status).toBe(0)
  }
  return parsed
}

describe("Metrics exposition", () => {
  it.effect("maps Effect counters, gauges, histograms, summaries and frequencies to Prometheus types", () =>
    Effect.gen(function* () {
      const requests = Metric.counter("test_requests", { description: "Requests served." })
      const bytes = Metric.counter("test_bytes_total", { description: "Bytes.", bigint: true })
      const temperature = Metric.gauge("test_temperature_celsius", { description: "Temperature." })
      const latency = Metric.histogram("test_latency_seconds", MetricBoundaries.fromIterable([0.1, 0.5, 1]), "Latency.")
      const sizes = Metric.summary({
        name: "test_size_bytes",
        maxAge: "1 minute",
        maxSize: 100,
        error: 0.01,
        quantiles: [0.5, 0.9],
        description: "Sizes."
      })
      const verbs = Metric.frequency("test_verbs", { description: "Verbs seen." })
      yield* Metric.incrementBy(Metric.tagged(requests, "code", "200"), 3)
      yield* Metric.increment(Metric.tagged(requests, "code", "500"))
      yield* Metric.incrementBy(bytes, BigInt(12345678901234567890n))
      yield* Metric.set(temperature, -3.5)
      for (const v of [0.05, 0.3, 0.3, 0.7, 5]) yield* Metric.update(latency, v)
      for (const v of [10, 20, 30]) yield* Metric.update(sizes, v)
      for (const v of ["get", "get", "list"]) yield* Metric.update(verbs, v)

      const families = Metrics.fromSnapshot(Metric.unsafeSnapshot()).filter((f) => f.name.startsWith("test_"))
      expect(families.map((f) => [f.name, f.type])).toEqual([
        ["test_bytes_total", "counter"],
        ["test_latency_seconds", "histogram"],
        ["test_requests_total", "counter"],
        ["test_size_bytes", "summary"],
        ["test_temperature_celsius", "gauge"],
        ["test_verbs_total", "counter"]
      ])
      const text = Metrics.encode(families)
      const parsed = checkExposition(text)
      expect(Prom.value(parsed, "test_requests_total", { code: "200" })).toBe(3)
      expect(Prom.value(parsed, "test_requests_total", { code: "500" })).toBe(1)
      expect(text).toContain("test_bytes_total 12345678901234567890\n")
      expect(Prom.value(parsed, "test_temperature_celsius")).toBe(-3.5)
      expect(Prom.value(parsed, "test_latency_seconds_bucket", { le: "0.1" })).toBe(1)
      expect(Prom.value(parsed, "test_latency_seconds_bucket", { le: "0.5" })).toBe(3)
      expect(Prom.value(parsed, "test_latency_seconds_bucket", { le: "1" })).toBe(4)
      expect(Prom.value(parsed, "test_latency_seconds_bucket", { le: "+Inf" })).toBe(5)
      expect(Prom.value(parsed, "test_latency_seconds_count")).toBe(5)
      expect(Prom.value(parsed, "test_latency_seconds_sum")).toBeCloseTo(6.35)
      expect(Prom.value(parsed, "test_size_bytes_count")).toBe(3)
      expect(Prom.value(parsed, "test_size_bytes_sum")).toBe(60)
      // Effect's summary picks an observed sample within its error bound
      expect([10, 20, 30]).toContain(Prom.value(parsed, "test_size_bytes", { quantile: "0.5" }))
      expect(Prom.value(parsed, "test_verbs_total", { key: "get" })).toBe(2)
      expect(Prom.value(parsed, "test_verbs_total", { key: "list" })).toBe(1)
      expect(parsed.help.get("test_requests_total")).toBe("Requests served.")
    })
  )

  it.effect("escapes label values and help, sanitises names, and is deterministic", () =>
    Effect.gen(function* () {
      const weird = Metric.gauge("esc.test-level", { description: "line one\nback\\slash" })
      yield* Metric.set(Metric.tagged(Metric.tagged(weird, "path", 'C:\\dir "quoted"\nnext'), "9bad-label", "x"), 1)
      yield* Metric.set(Metric.tagged(weird, "path", "a"), 2)
      const text = Metrics.encode(
        Metrics.fromSnapshot(Metric.unsafeSnapshot()).filter((f) => f.name.startsWith("esc_"))
      )
      expect(text).toBe(
        [
          "# HELP esc_test_level line one\\nback\\\\slash",
          "# TYPE esc_test_level gauge",
          'esc_test_level{_9bad_label="x",path="C:\\\\dir \\"quoted\\"\\nnext"} 1',
          'esc_test_level{path="a"} 2',
          ""
        ].join("\n")
      )
      const parsed = checkExposition(text)
      expect(Prom.value(parsed, "esc_test_level", { _9bad_label: "x", path: 'C:\\dir "quoted"\nnext' })).toBe(1)
      const once = yield* Metrics.render({ process: false })
      expect(yield* Metrics.render({ process: false })).toBe(once)
      const names = [...Prom.parse(once).types.keys()]
      expect(names).toEqual([...names].sort())
    })
  )

  it.effect("two Effect metrics mapping to one family with different types: the first wins, output stays valid", () =>
    Effect.gen(function* () {
      yield* Metric.increment(Metric.counter("clash_total", { description: "a counter" }))
      yield* Metric.set(Metric.gauge("clash_total", { description: "a gauge" }), 5)
      const families = Metrics.fromSnapshot(Metric.unsafeSnapshot()).filter((f) => f.name === "clash_total")
      expect(families).toHaveLength(1)
      expect(families[0]?.type).toBe("counter")
      checkExposition(Metrics.encode(families))
    })
  )

  it.scoped("workqueue metrics: counters are counters, N adds counted as N, histograms have +Inf; promtool-valid", () =>
    Effect.gen(function* () {
      const queue = yield* WorkQueue.make({ name: "metrics-test", controller: "metrics-ctrl" })
      for (let i = 0; i < 7; i++) yield* queue.add(`default/k${i}`)
      for (let i = 0; i < 7; i++) yield* WorkQueue.processNext(queue, () => TestClock.adjust("10 millis"))
      yield* queue.addAfter("default/later", "1 second")
      const text = yield* Metrics.render()
      const parsed = checkExposition(text)
      const labels = { name: "metrics-test", controller: "metrics-ctrl" }
      expect(parsed.types.get("workqueue_adds_total")).toBe("counter")
      expect(parsed.types.get("workqueue_retries_total")).toBe("counter")
      expect(parsed.types.get("workqueue_depth")).toBe("gauge")
      expect(parsed.types.get("workqueue_queue_duration_seconds")).toBe("histogram")
      expect(parsed.types.get("workqueue_work_duration_seconds")).toBe("histogram")
      expect(parsed.types.get("workqueue_unfinished_work_seconds")).toBe("gauge")
      expect(parsed.types.get("workqueue_longest_running_processor_seconds")).toBe("gauge")
      expect(Prom.value(parsed, "workqueue_adds_total", labels)).toBe(7)
      expect(Prom.value(parsed, "workqueue_retries_total", labels)).toBe(1)
      expect(Prom.value(parsed, "workqueue_depth", labels)).toBe(0)
      expect(Prom.value(parsed, "workqueue_work_duration_seconds_count", labels)).toBe(7)
      expect(Prom.value(parsed, "workqueue_work_duration_seconds_bucket", { ...labels, le: "+Inf" })).toBe(7)
      expect(Prom.value(parsed, "workqueue_work_duration_seconds_sum", labels)).toBeCloseTo(0.07)
      expect(Prom.value(parsed, "workqueue_work_duration_seconds_bucket", { ...labels, le: "0.01" })).toBe(7)
      expect(Prom.value(parsed, "workqueue_work_duration_seconds_bucket", { ...labels, le: "0.001" })).toBe(0)
    })
  )

  it.effect("process metrics are collected at scrape time with the conventional names and types", () =>
    Effect.gen(function* () {
      const families = yield* Metrics.processMetrics
      const types = new Map(families.map((f) => [f.name, f.type]))
      expect(types.get("process_cpu_seconds_total")).toBe("counter")
      expect(types.get("process_resident_memory_bytes")).toBe("gauge")
      expect(types.get("process_start_time_seconds")).toBe("gauge")
      expect(types.get("nodejs_heap_size_used_bytes")).toBe("gauge")
      expect(types.get("nodejs_version_info")).toBe("gauge")
      const start = families.find((f) => f.name === "process_start_time_seconds")?.samples[0]?.value
      expect(typeof start === "number" && start > 1.6e9 && start <= Date.now() / 1000).toBe(true)
      if (process.platform === "linux") expect(types.get("process_open_fds")).toBe("gauge")
      checkExposition(Metrics.encode([...families].sort((a, b) => (a.name < b.name ? -1 : 1))))
    })
  )
})
