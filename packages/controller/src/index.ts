/**
 * @effect-kube/controller — the controller builder and runner, the work queue, reconcile
 * actions, predicates, the event recorder and the finalizer, ownership, conditions and status
 * helpers.
 *
 * @since 0.1.0
 */
export * as Action from "./Action.js"
export * as Conditions from "./Conditions.js"
export * as Controller from "./Controller.js"
export * as Decoder from "./Decoder.js"
export * as EventRecorder from "./EventRecorder.js"
export * as Finalizer from "./Finalizer.js"
export * as Ownership from "./Ownership.js"
export * as Predicates from "./Predicates.js"
export * as RateLimiter from "./RateLimiter.js"
export * as Runner from "./Runner.js"
export * as Status from "./Status.js"
export * as WorkQueue from "./WorkQueue.js"
export { TerminalError } from "./Action.js"
