/**
 * What a reconcile asks for next, and the error that must not be retried.
 *
 * - {@link done}: nothing until the next watch event (the key's backoff is reset).
 * - {@link requeueAfter}: reconcile again after a fixed delay (periodic re-checks).
 * - {@link requeue}: reconcile again after the queue's rate-limited backoff.
 * - a failure with {@link TerminalError}: not requeued (counted as a terminal error); any other
 *   typed failure is requeued rate-limited.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Predicate from "effect/Predicate"

/**
 * The result of a reconcile.
 *
 * @example
 * const reconcile = (site: Website) => Effect.succeed(Action.requeueAfter("10 minutes"))
 * @since 0.1.0
 */
export type Action =
  | { readonly _tag: "Done" }
  | { readonly _tag: "RequeueAfter"; readonly delay: Duration.Duration }
  | { readonly _tag: "Requeue" }

/**
 * Reconciled; wait for the next change (kube-rs `await_change`, controller-runtime
 * `Result{}`).
 *
 * @example
 * return Action.done
 * @since 0.1.0
 */
export const done: Action = { _tag: "Done" }

/**
 * Reconcile again after `delay` (controller-runtime `RequeueAfter`). The key's failure backoff
 * is reset, as on success.
 *
 * @example
 * return Action.requeueAfter("5 minutes")
 * @since 0.1.0
 */
export const requeueAfter = (delay: Duration.DurationInput): Action => ({
  _tag: "RequeueAfter",
  delay: Duration.decode(delay)
})

/**
 * Reconcile again after the rate limiter's backoff for this key (controller-runtime
 * `Requeue: true`): for "not ready yet, check back soon" without treating it as an error.
 *
 * @example
 * return deploymentReady ? Action.done : Action.requeue
 * @since 0.1.0
 */
export const requeue: Action = { _tag: "Requeue" }

/**
 * Folds an action.
 *
 * @example
 * Action.match(action, { onDone: () => "done", onRequeueAfter: (d) => Duration.format(d), onRequeue: () => "backoff" })
 * @since 0.1.0
 */
export const match = <A>(
  self: Action,
  cases: {
    readonly onDone: () => A
    readonly onRequeueAfter: (delay: Duration.Duration) => A
    readonly onRequeue: () => A
  }
): A => {
  switch (self._tag) {
    case "Done":
      return cases.onDone()
    case "RequeueAfter":
      return cases.onRequeueAfter(self.delay)
    case "Requeue":
      return cases.onRequeue()
  }
}

/**
 * A reconcile failure that retrying cannot fix (invalid spec, unsupported configuration). The
 * controller logs and counts it but does not requeue the key; the next change to the object
 * reconciles it again.
 *
 * @example
 * if (site.spec.replicas > quota) return yield* new TerminalError({ message: "replicas exceed the quota" })
 * @since 0.1.0
 */
export class TerminalError extends Data.TaggedError("TerminalError")<{
  readonly message: string
  readonly cause?: unknown
}> {}

/**
 * Whether a value is a {@link TerminalError}.
 *
 * @example
 * Effect.catchIf(Action.isTerminalError, (e) => Effect.logWarning(e.message))
 * @since 0.1.0
 */
export const isTerminalError = (u: unknown): u is TerminalError => Predicate.isTagged(u, "TerminalError")
