/**
 * @effect-kube/controller — the work queue, reconcile actions, predicates and the finalizer,
 * ownership, conditions and status helpers.
 *
 * @since 0.1.0
 */
export * as Action from "./Action.js"
export * as Conditions from "./Conditions.js"
export * as Finalizer from "./Finalizer.js"
export * as Ownership from "./Ownership.js"
export * as Predicates from "./Predicates.js"
export * as RateLimiter from "./RateLimiter.js"
export * as Status from "./Status.js"
export * as WorkQueue from "./WorkQueue.js"
export { TerminalError } from "./Action.js"
