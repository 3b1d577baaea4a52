/**
 * @effect-kube/manager — runs an operator: ordered start and graceful stop of servers, webhooks,
 * caches and controllers; leader election on Leases; `/healthz`, `/readyz` and Prometheus
 * `/metrics`; logging and tracing setup.
 *
 * @since 0.1.0
 */
export * as HttpServer from "./HttpServer.js"
export * as LeaderElection from "./LeaderElection.js"
export * as Logging from "./Logging.js"
export * as Manager from "./Manager.js"
export * as Metrics from "./Metrics.js"
export * as Probes from "./Probes.js"
export * as Runnable from "./Runnable.js"
export * as Tracing from "./Tracing.js"
