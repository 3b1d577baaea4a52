import * as Metric from "effect/Metric"
import * as MetricBoundaries from "effect/MetricBoundaries"
import * as MetricLabel from "effect/MetricLabel"

// controller-runtime's reconcile_time_seconds buckets (pkg/internal/controller/metrics).
const reconcileTimeBuckets = MetricBoundaries.fromIterable([
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.25, 1.5, 1.75,
  2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60
])

/** @internal */
export const reconcileTotal = Metric.counter("controller_runtime_reconcile_total", {
  description: "Total number of reconciliations per controller",
  incremental: true
})

/** @internal */
export const reconcileErrors = Metric.counter("controller_runtime_reconcile_errors_total", {
  description: "Total number of reconciliation errors per controller",
  incremental: true
})

/** @internal */
export const terminalReconcileErrors = Metric.counter("controller_runtime_terminal_reconcile_errors_total", {
  description: "Total number of terminal reconciliation errors per controller",
  incremental: true
})

/** @internal */
export const reconcilePanics = Metric.counter("controller_runtime_reconcile_panics_total", {
  description: "Total number of reconciliation panics per controller",
  incremental: true
})

/** @internal */
export const reconcileTimeouts = Metric.counter("controller_runtime_reconcile_timeouts_total", {
  description: "Total number of reconciliation timeouts per controller",
  incremental: true
})

/** @internal */
export const reconcileTime = Metric.histogram(
  "controller_runtime_reconcile_time_seconds",
  reconcileTimeBuckets,
  "Length of time per reconciliation per controller"
)

/** @internal */
export const maxConcurrentReconciles = Metric.gauge("controller_runtime_max_concurrent_reconciles", {
  description: "Maximum number of concurrent reconciles per controller"
})

/** @internal */
export const activeWorkers = Metric.gauge("controller_runtime_active_workers", {
  description: "Number of currently used workers per controller"
})

/** The `result` label values of `controller_runtime_reconcile_total`. @internal */
export type Result = "success" | "error" | "requeue" | "requeue_after"

/** @internal */
export const results: ReadonlyArray<Result> = ["success", "error", "requeue", "requeue_after"]

/** @internal */
export const controllerLabels = (controller: string): ReadonlyArray<MetricLabel.MetricLabel> => [
  MetricLabel.make("controller", controller)
]

/** @internal */
export const resultLabels = (controller: string, result: Result): ReadonlyArray<MetricLabel.MetricLabel> => [
  MetricLabel.make("controller", controller),
  MetricLabel.make("result", result)
]

/**
 * One controller's metric hooks over label arrays built once: Effect caches the series lookup
 * per label-array identity, so an update on the hot path does no registry lookup.
 *
 * @internal
 */
export interface ControllerMetrics {
  readonly reconciled: (result: Result, seconds: number) => void
  readonly error: () => void
  readonly terminal: () => void
  readonly panic: () => void
  readonly timeout: () => void
  readonly workerDelta: (delta: number) => void
}

/** Registers every series of `controller` at 0 and returns its hooks. @internal */
export const make = (controller: string, concurrency: number): ControllerMetrics => {
  const tags = controllerLabels(controller)
  const byResult = new Map<Result, ReadonlyArray<MetricLabel.MetricLabel>>()
  for (const result of results) {
    const labels = resultLabels(controller, result)
    byResult.set(result, labels)
    reconcileTotal.unsafeUpdate(0, labels)
  }
  reconcileErrors.unsafeUpdate(0, tags)
  terminalReconcileErrors.unsafeUpdate(0, tags)
  reconcilePanics.unsafeUpdate(0, tags)
  reconcileTimeouts.unsafeUpdate(0, tags)
  reconcileTime.unsafeValue(tags)
  maxConcurrentReconciles.unsafeUpdate(concurrency, tags)
  activeWorkers.unsafeUpdate(0, tags)
  return {
    reconciled: (result, seconds) => {
      reconcileTotal.unsafeUpdate(1, byResult.get(result) ?? resultLabels(controller, result))
      reconcileTime.unsafeUpdate(seconds, tags)
    },
    error: () => reconcileErrors.unsafeUpdate(1, tags),
    terminal: () => terminalReconcileErrors.unsafeUpdate(1, tags),
    panic: () => reconcilePanics.unsafeUpdate(1, tags),
    timeout: () => reconcileTimeouts.unsafeUpdate(1, tags),
    workerDelta: (delta) => activeWorkers.unsafeModify(delta, tags)
  }
}
