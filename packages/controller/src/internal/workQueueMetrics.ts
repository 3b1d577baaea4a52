import * as Metric from "effect/Metric"
import * as MetricBoundaries from "effect/MetricBoundaries"
import * as MetricLabel from "effect/MetricLabel"

// controller-runtime: prometheus.ExponentialBuckets(10e-9, 10, 12), written out so the bucket
// labels are exact decimal values rather than accumulated float products.
const durationBuckets = MetricBoundaries.fromIterable([
  1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10, 100, 1000
])

/** @internal */
export const depth = Metric.gauge("workqueue_depth", {
  description: "Current depth of workqueue"
})

/** @internal */
export const adds = Metric.counter("workqueue_adds_total", {
  description: "Total number of adds handled by workqueue",
  incremental: true
})

/** @internal */
export const retries = Metric.counter("workqueue_retries_total", {
  description: "Total number of retries handled by workqueue",
  incremental: true
})

/** @internal */
export const queueDuration = Metric.histogram(
  "workqueue_queue_duration_seconds",
  durationBuckets,
  "How long in seconds an item stays in workqueue before being requested"
)

/** @internal */
export const workDuration = Metric.histogram(
  "workqueue_work_duration_seconds",
  durationBuckets,
  "How long in seconds processing an item from workqueue takes."
)

/** @internal */
export const unfinishedWork = Metric.gauge("workqueue_unfinished_work_seconds", {
  description:
    "How many seconds of work has been done that is in progress and hasn't been observed by work_duration. " +
    "Large values indicate stuck threads. One can deduce the number of stuck threads by observing the rate at " +
    "which this increases."
})

/** @internal */
export const longestRunningProcessor = Metric.gauge("workqueue_longest_running_processor_seconds", {
  description: "How many seconds has the longest running processor for workqueue been running."
})

/** @internal */
export const labels = (name: string, controller: string): ReadonlyArray<MetricLabel.MetricLabel> => [
  MetricLabel.make("name", name),
  MetricLabel.make("controller", controller)
]

/**
 * The queue's metric hooks, bound once to a stable label array: Effect caches the registry
 * lookup per label-array identity, so each update on the hot path is a WeakMap hit, not a
 * registry lookup.
 *
 * @internal
 */
export interface QueueMetrics {
  readonly add: () => void
  readonly depthDelta: (delta: number) => void
  readonly retry: () => void
  readonly queueLatency: (seconds: number) => void
  readonly workDuration: (seconds: number) => void
  readonly unfinished: (unfinishedSeconds: number, longestSeconds: number) => void
}

/** @internal */
export const make = (name: string, controller: string): QueueMetrics => {
  const tags = labels(name, controller)
  // Register every series at 0 so a scrape sees the queue before its first event.
  depth.unsafeUpdate(0, tags)
  adds.unsafeUpdate(0, tags)
  retries.unsafeUpdate(0, tags)
  queueDuration.unsafeValue(tags)
  workDuration.unsafeValue(tags)
  unfinishedWork.unsafeUpdate(0, tags)
  longestRunningProcessor.unsafeUpdate(0, tags)
  return {
    add: () => adds.unsafeUpdate(1, tags),
    depthDelta: (delta) => depth.unsafeModify(delta, tags),
    retry: () => retries.unsafeUpdate(1, tags),
    queueLatency: (seconds) => queueDuration.unsafeUpdate(seconds, tags),
    workDuration: (seconds) => workDuration.unsafeUpdate(seconds, tags),
    unfinished: (unfinishedSeconds, longestSeconds) => {
      unfinishedWork.unsafeUpdate(unfinishedSeconds, tags)
      longestRunningProcessor.unsafeUpdate(longestSeconds, tags)
    }
  }
}

/** @internal */
export const noop: QueueMetrics = {
  add: () => {},
  depthDelta: () => {},
  retry: () => {},
  queueLatency: () => {},
  workDuration: () => {},
  unfinished: () => {}
}
