import * as Metric from "effect/Metric"

/** @internal */
export const handlerEvents = Metric.counter("informer_handler_events_total", {
  description: "Notifications delivered to informer handlers (adds, updates, deletes, resyncs).",
  incremental: true
})

/** @internal */
export const handlerErrors = Metric.counter("informer_handler_errors_total", {
  description: "Informer handler calls that failed or died (logged; the handler keeps receiving).",
  incremental: true
})

/** @internal */
export const bufferHighWater = Metric.gauge("informer_handler_buffer_high_water", {
  description: "Most notifications ever waiting in one handler's buffer."
})

/** @internal */
export const bufferDepth = Metric.gauge("informer_handler_buffer_depth", {
  description: "Notifications waiting in one handler's buffer."
})

/** @internal */
export const consistencyDrift = Metric.counter("informer_consistency_drift_total", {
  description: "Consistency checks that found the cache different from a fresh list (repaired by a relist).",
  incremental: true
})

/** @internal */
export const consistencyChecks = Metric.counter("informer_consistency_checks_total", {
  description: "Consistency checks run (cache compared with a fresh list).",
  incremental: true
})
