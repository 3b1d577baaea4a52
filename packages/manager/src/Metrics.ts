/**
 * Prometheus text exposition (format 0.0.4) of Effect's metric registry plus process metrics,
 * for the manager's `/metrics` endpoint.
 *
 * Mapping from Effect metrics:
 * - counter → `counter`; the name gets a `_total` suffix when it lacks one (the controller and
 *   workqueue counters already end in `_total`), so `rate()` works and names follow convention.
 *   Exception: Effect's runtime `effect_fiber_active` (a counter that goes down) is a `gauge`;
 * - gauge → `gauge`;
 * - histogram → `histogram`: cumulative `_bucket{le=…}` series ending with `le="+Inf"`, `_sum`,
 *   `_count`;
 * - summary → `summary`: `{quantile=…}` series, `_sum`, `_count`;
 * - frequency → `counter` named `<name>_total`, one series per observed value (label `key`).
 *
 * Output is deterministic: families sorted by name, series by labels, labels by name. Metric and
 * label names are sanitised to Prometheus' alphabet. When two Effect metrics map to one family
 * name with different types (or one series twice), the first in (name, description) order wins
 * and the other is dropped rather than emit an invalid exposition.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import type * as MetricPair from "effect/MetricPair"
import * as MetricState from "effect/MetricState"
import * as Option from "effect/Option"
import * as NodeFs from "node:fs"
import * as Prom from "./internal/prometheus.js"

/**
 * One metric family: its samples share a name stem, a type and a HELP text.
 *
 * @example
 * const family: Metrics.Family = { name: "up", type: "gauge", help: "", samples: [{ name: "up", labels: [], value: 1 }] }
 * @since 0.1.0
 */
export type Family = Prom.Family

/**
 * One sample line: full name (with `_bucket`/`_sum`/`_count` suffix), labels, value.
 *
 * @example
 * const sample: Metrics.Sample = { name: "x_total", labels: [["controller", "web"]], value: 3 }
 * @since 0.1.0
 */
export type Sample = Prom.Sample

/**
 * The Content-Type of the text format.
 *
 * @example
 * HttpServerResponse.text(body, { contentType: Metrics.contentType })
 * @since 0.1.0
 */
export const contentType = "text/plain; version=0.0.4; charset=utf-8"

type Labels = ReadonlyArray<readonly [string, string]>

const labelsOf = (pair: MetricPair.MetricPair.Untyped, reserved: string): Labels => {
  const byName = new Map<string, string>()
  for (const tag of pair.metricKey.tags) {
    const name = Prom.sanitizeLabel(tag.key)
    if (name !== reserved) byName.set(name, tag.value)
  }
  return [...byName.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
}

const labelKey = (labels: Labels): string => JSON.stringify(labels)

interface Building {
  readonly type: Prom.FamilyType
  help: string
  readonly series: Map<string, { readonly labels: Labels; readonly samples: Array<Sample> }>
}

/**
 * Effect's own counters that go down (its runtime metrics count live fibers with a counter);
 * exposed as gauges, since a Prometheus counter that decreases reads as a reset.
 */
const nonMonotonic = new Set(["effect_fiber_active"])

const counterName = (name: string): string => {
  const base = Prom.sanitizeName(name)
  return base.endsWith("_total") ? base : `${base}_total`
}

/**
 * Converts a snapshot of Effect metrics (`Metric.unsafeSnapshot()`) into Prometheus families.
 *
 * @example
 * const families = Metrics.fromSnapshot(Metric.unsafeSnapshot())
 * @since 0.1.0
 */
export const fromSnapshot = (pairs: ReadonlyArray<MetricPair.MetricPair.Untyped>): ReadonlyArray<Family> => {
  const families = new Map<string, Building>()

  const seriesOf = (name: string, type: Prom.FamilyType, help: string, labels: Labels) => {
    let family = families.get(name)
    if (family === undefined) {
      family = { type, help, series: new Map() }
      families.set(name, family)
    } else if (family.type !== type) {
      return undefined
    }
    if (family.help === "" && help !== "") family.help = help
    const key = labelKey(labels)
    if (family.series.has(key)) return undefined
    const samples: Array<Sample> = []
    family.series.set(key, { labels, samples })
    return samples
  }

  // A stable visiting order makes conflict resolution (first wins) deterministic.
  const ordered = [...pairs].sort((a, b) => {
    const na = a.metricKey.name
    const nb = b.metricKey.name
    if (na !== nb) return na < nb ? -1 : 1
    const da = Option.getOrElse(a.metricKey.description, () => "")
    const db = Option.getOrElse(b.metricKey.description, () => "")
    return da < db ? -1 : da > db ? 1 : 0
  })

  for (const pair of ordered) {
    const state = pair.metricState
    const help = Option.getOrElse(pair.metricKey.description, () => "")
    if (MetricState.isCounterState(state) && nonMonotonic.has(pair.metricKey.name)) {
      const name = Prom.sanitizeName(pair.metricKey.name)
      seriesOf(name, "gauge", help, labelsOf(pair, ""))?.push({ name, labels: labelsOf(pair, ""), value: state.count })
    } else if (MetricState.isCounterState(state)) {
      const name = counterName(pair.metricKey.name)
      seriesOf(name, "counter", help, labelsOf(pair, ""))?.push({
        name,
        labels: labelsOf(pair, ""),
        value: state.count
      })
    } else if (MetricState.isGaugeState(state)) {
      const name = Prom.sanitizeName(pair.metricKey.name)
      seriesOf(name, "gauge", help, labelsOf(pair, ""))?.push({ name, labels: labelsOf(pair, ""), value: state.value })
    } else if (MetricState.isHistogramState(state)) {
      const name = Prom.sanitizeName(pair.metricKey.name)
      const labels = labelsOf(pair, "le")
      const samples = seriesOf(name, "histogram", help, labels)
      if (samples === undefined) continue
      let sawInf = false
      for (const [bound, cumulative] of state.buckets) {
        if (bound === Number.POSITIVE_INFINITY) sawInf = true
        samples.push({
          name: `${name}_bucket`,
          labels: [...labels, ["le", Prom.formatValue(bound)]],
          value: cumulative
        })
      }
      if (!sawInf) samples.push({ name: `${name}_bucket`, labels: [...labels, ["le", "+Inf"]], value: state.count })
      samples.push({ name: `${name}_sum`, labels, value: state.sum })
      samples.push({ name: `${name}_count`, labels, value: state.count })
    } else if (MetricState.isSummaryState(state)) {
      const name = Prom.sanitizeName(pair.metricKey.name)
      const labels = labelsOf(pair, "quantile")
      const samples = seriesOf(name, "summary", help, labels)
      if (samples === undefined) continue
      for (const [quantile, value] of state.quantiles) {
        samples.push({
          name,
          labels: [...labels, ["quantile", Prom.formatValue(quantile)]],
          value: Option.getOrElse(value, () => Number.NaN)
        })
      }
      samples.push({ name: `${name}_sum`, labels, value: state.sum })
      samples.push({ name: `${name}_count`, labels, value: state.count })
    } else if (MetricState.isFrequencyState(state)) {
      const name = counterName(pair.metricKey.name)
      const base = labelsOf(pair, "key")
      for (const [word, count] of state.occurrences) {
        const labels: Labels = [...base, ["key", word]]
        seriesOf(name, "counter", help, labels)?.push({ name, labels, value: count })
      }
    }
  }

  const out: Array<Family> = []
  for (const [name, family] of [...families.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const series = [...family.series.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    // promtool (and humans) want a HELP line for every family.
    const help = family.help !== "" ? family.help : `${name} (an Effect ${family.type} without a description)`
    out.push({ name, type: family.type, help, samples: series.flatMap(([, s]) => s.samples) })
  }
  return out
}

const readProc = (path: string): string | undefined => {
  try {
    return NodeFs.readFileSync(path, "utf8")
  } catch {
    return undefined
  }
}

const countOpenFds = (): number | undefined => {
  try {
    // The directory handle used to read it is one of the entries.
    return NodeFs.readdirSync("/proc/self/fd").length - 1
  } catch {
    return undefined
  }
}

const maxFds = (): number | undefined => {
  const limits = readProc("/proc/self/limits")
  const line = limits?.split("\n").find((l) => l.startsWith("Max open files"))
  const soft = line?.slice("Max open files".length).trim().split(/\s+/)[0]
  if (soft === undefined || soft === "unlimited") return undefined
  const n = Number(soft)
  return Number.isFinite(n) ? n : undefined
}

const virtualMemory = (): number | undefined => {
  const stat = readProc("/proc/self/stat")
  if (stat === undefined) return undefined
  // Fields after the parenthesised command name start at field 3; vsize is field 23.
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  const vsize = Number(rest[20])
  return Number.isFinite(vsize) ? vsize : undefined
}

const gauge = (name: string, help: string, value: number, labels: Labels = []): Family => ({
  name,
  type: "gauge",
  help,
  samples: [{ name, labels, value }]
})

/**
 * Process and Node.js runtime metrics, read at call (scrape) time: `process_cpu_seconds_total`,
 * `process_resident_memory_bytes`, `process_start_time_seconds`, `process_virtual_memory_bytes`,
 * `process_open_fds`, `process_max_fds` (the last three on Linux), `nodejs_heap_size_total_bytes`,
 * `nodejs_heap_size_used_bytes`, `nodejs_external_memory_bytes`, `nodejs_version_info`.
 *
 * @example
 * const families = yield* Metrics.processMetrics
 * @since 0.1.0
 */
export const processMetrics: Effect.Effect<ReadonlyArray<Family>> = Effect.sync(() => {
  const cpu = process.cpuUsage()
  const memory = process.memoryUsage()
  const families: Array<Family> = [
    {
      name: "process_cpu_seconds_total",
      type: "counter",
      help: "Total user and system CPU time spent in seconds.",
      samples: [{ name: "process_cpu_seconds_total", labels: [], value: (cpu.user + cpu.system) / 1e6 }]
    },
    gauge("process_resident_memory_bytes", "Resident memory size in bytes.", memory.rss),
    gauge(
      "process_start_time_seconds",
      "Start time of the process since unix epoch in seconds.",
      Math.round(performance.timeOrigin) / 1000
    ),
    gauge("nodejs_heap_size_total_bytes", "Process heap size from Node.js in bytes.", memory.heapTotal),
    gauge("nodejs_heap_size_used_bytes", "Process heap size used from Node.js in bytes.", memory.heapUsed),
    gauge("nodejs_external_memory_bytes", "Node.js external memory size in bytes.", memory.external)
  ]
  const [major = "", minor = "", patch = ""] = process.versions.node.split(".")
  families.push(
    gauge("nodejs_version_info", "Node.js version info.", 1, [
      ["major", major],
      ["minor", minor],
      ["patch", patch],
      ["version", process.version]
    ])
  )
  const vsize = virtualMemory()
  if (vsize !== undefined) families.push(gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.", vsize))
  const open = countOpenFds()
  if (open !== undefined) families.push(gauge("process_open_fds", "Number of open file descriptors.", open))
  const max = maxFds()
  if (max !== undefined) families.push(gauge("process_max_fds", "Maximum number of open file descriptors.", max))
  return families
})

/**
 * The families of Effect's global metric registry.
 *
 * @example
 * const families = yield* Metrics.registry
 * @since 0.1.0
 */
export const registry: Effect.Effect<ReadonlyArray<Family>> = Effect.sync(() => fromSnapshot(Metric.unsafeSnapshot()))

/**
 * Writes families in the text format (families and samples in the order given).
 *
 * @example
 * const body = Metrics.encode(yield* Metrics.registry)
 * @since 0.1.0
 */
export const encode = (families: ReadonlyArray<Family>): string => Prom.encode(families)

/**
 * Options of {@link render}.
 *
 * @example
 * Metrics.render({ process: false })
 * @since 0.1.0
 */
export interface RenderOptions {
  /** Include {@link processMetrics} (default true). */
  readonly process?: boolean
  /** More families (e.g. from another registry); a name already present is skipped. */
  readonly extra?: Effect.Effect<ReadonlyArray<Family>>
}

/**
 * The whole exposition: Effect's registry, process metrics and `extra`, merged and sorted by
 * family name (the registry wins a name clash).
 *
 * @example
 * const body = yield* Metrics.render()
 * @since 0.1.0
 */
export const render = (options: RenderOptions = {}): Effect.Effect<string> =>
  Effect.gen(function* () {
    const families = new Map<string, Family>()
    for (const family of yield* registry) families.set(family.name, family)
    const more = [
      ...(options.process === false ? [] : yield* processMetrics),
      ...(options.extra === undefined ? [] : yield* options.extra)
    ]
    for (const family of more) if (!families.has(family.name)) families.set(family.name, family)
    const sorted = [...families.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    return Prom.encode(sorted)
  })
