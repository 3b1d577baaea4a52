/**
 * The finalizer state machine (kube-rs `finalizer`): run cleanup logic before Kubernetes may
 * delete an object.
 *
 * | finalizer present | being deleted | what happens |
 * |---|---|---|
 * | no  | no  | add the finalizer (JSON patch guarded by a `test` op), return `Action.done` — the resulting MODIFIED event reconciles again |
 * | yes | no  | `apply(object)` |
 * | yes | yes | `cleanup(object)`, then remove the finalizer (JSON patch: `test` the element, `remove` it) |
 * | no  | yes | nothing: our cleanup already happened |
 *
 * Guarantee: if `apply` ever started, `cleanup` succeeds before the object is gone — the
 * finalizer is in place before `apply` first runs and is removed only after `cleanup` succeeded.
 * A failing or interrupted `cleanup` leaves the finalizer, so the object stays and cleanup is
 * retried (on the next reconcile, or after a restart). Once `cleanup` has succeeded, removing the
 * finalizer runs uninterruptibly, so a shutdown never throws away a finished cleanup.
 *
 * Assumptions (as kube-rs): the finalizer name is unique to this controller; `apply` and
 * `cleanup` are idempotent; `cleanup` tolerates `apply` never having run or succeeded.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import type { Api } from "@effect-kube/client/Api"
import type { KubeError } from "@effect-kube/core/Errors"
import type { KubeObject } from "@effect-kube/core/Meta"
import * as Patch from "@effect-kube/core/Patch"
import * as Action from "./Action.js"

/**
 * Adding the finalizer failed (e.g. someone else changed the finalizers concurrently: the `test`
 * op rejected the patch). Retrying the reconcile is the fix.
 *
 * @example
 * Effect.catchTag("AddFinalizer", (e) => Effect.logWarning(e.message))
 * @since 0.1.0
 */
export class AddFinalizer extends Data.TaggedError("AddFinalizer")<{
  readonly finalizer: string
  readonly cause: KubeError
}> {
  override get message(): string {
    return `adding finalizer ${this.finalizer} failed: ${this.cause.message}`
  }
}

/**
 * Removing the finalizer after a successful cleanup failed; the finalizer stays and cleanup will
 * run again.
 *
 * @example
 * Effect.catchTag("RemoveFinalizer", () => Effect.succeed(Action.requeue))
 * @since 0.1.0
 */
export class RemoveFinalizer extends Data.TaggedError("RemoveFinalizer")<{
  readonly finalizer: string
  readonly cause: KubeError
}> {
  override get message(): string {
    return `removing finalizer ${this.finalizer} failed: ${this.cause.message}`
  }
}

/**
 * `apply` failed with the reconciler's error `E`.
 *
 * @example
 * Effect.catchTag("ApplyFailed", (e) => handleReconcileError(e.cause))
 * @since 0.1.0
 */
export class ApplyFailed<E> extends Data.TaggedError("ApplyFailed")<{ readonly cause: E }> {}

/**
 * `cleanup` failed with the reconciler's error `E`; the finalizer stays.
 *
 * @example
 * Effect.catchTag("CleanupFailed", (e) => Effect.logError("cleanup failed", e.cause))
 * @since 0.1.0
 */
export class CleanupFailed<E> extends Data.TaggedError("CleanupFailed")<{ readonly cause: E }> {}

/**
 * The object has no `metadata.name`, so it cannot be patched.
 *
 * @example
 * Finalizer.finalizer(api, "example.com/x", { metadata: { generateName: "w-" } }, handlers) // fails with UnnamedObject
 * @since 0.1.0
 */
export class UnnamedObject extends Data.TaggedError("UnnamedObject")<{ readonly message: string }> {}

/**
 * The finalizer name is not a qualified name (`[prefix/]name`, e.g. `example.com/cleanup`).
 *
 * @example
 * Finalizer.validateName("Not/Valid/Name") // fails with InvalidFinalizer
 * @since 0.1.0
 */
export class InvalidFinalizer extends Data.TaggedError("InvalidFinalizer")<{
  readonly finalizer: string
  readonly message: string
}> {}

/**
 * Everything {@link finalizer} can fail with.
 *
 * @example
 * const recover = (e: Finalizer.FinalizerError<MyError>) => e._tag === "ApplyFailed" ? e.cause : e
 * @since 0.1.0
 */
export type FinalizerError<E> =
  | AddFinalizer
  | RemoveFinalizer
  | ApplyFailed<E>
  | CleanupFailed<E>
  | UnnamedObject
  | InvalidFinalizer

/**
 * What to do for a live object and for one being deleted.
 *
 * @example
 * const handlers: Finalizer.Handlers<Website, MyError, KubeApi> = { apply: applyChildren, cleanup: releaseDns }
 * @since 0.1.0
 */
export interface Handlers<A, E, R> {
  /** Reconcile a live object; runs only once the finalizer is in place. */
  readonly apply: (object: A) => Effect.Effect<Action.Action, E, R>
  /** Release what `apply` created; the finalizer is removed only when this succeeds. */
  readonly cleanup: (object: A) => Effect.Effect<Action.Action, E, R>
}

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
const namePart = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/

/**
 * Checks a finalizer name the way the apiserver checks qualified names: an optional DNS
 * subdomain prefix (≤ 253) and `/`, then a name (≤ 63, alphanumerics with `-_.` inside).
 *
 * @example
 * Finalizer.validateName("example.com/cleanup") // Right
 * @since 0.1.0
 */
export const validateName = (finalizer: string): Effect.Effect<string, InvalidFinalizer> => {
  const invalid = (why: string) =>
    Effect.fail(new InvalidFinalizer({ finalizer, message: `invalid finalizer ${JSON.stringify(finalizer)}: ${why}` }))
  const parts = finalizer.split("/")
  if (parts.length > 2) return invalid("at most one '/' is allowed")
  const name = parts.length === 2 ? parts[1] : parts[0]
  if (parts.length === 2) {
    const prefix = parts[0]
    if (prefix.length === 0 || prefix.length > 253) return invalid("the prefix must be 1-253 characters")
    if (!prefix.split(".").every((label) => label.length <= 63 && dnsLabel.test(label))) {
      return invalid("the prefix must be a DNS subdomain")
    }
  }
  if (name.length === 0 || name.length > 63) return invalid("the name must be 1-63 characters")
  if (!namePart.test(name)) return invalid("the name must be alphanumeric with '-', '_' or '.' inside")
  return Effect.succeed(finalizer)
}

/**
 * The JSON patch that adds `finalizer`, guarded so that a concurrent change of the finalizers
 * makes it fail instead of duplicating or clobbering entries: with no `finalizers` field, `test`
 * that the path is `null` (absent) then `add` `[finalizer]`; otherwise `test` the whole current
 * list then append.
 *
 * @example
 * Finalizer.addPatch({ metadata: { name: "a" } }, "example.com/cleanup")
 * @since 0.1.0
 */
export const addPatch = (object: KubeObject, finalizer: string): Patch.Patch => {
  const current = object.metadata.finalizers
  return current === undefined
    ? Patch.json([
        { op: "test", path: "/metadata/finalizers", value: null },
        { op: "add", path: "/metadata/finalizers", value: [finalizer] }
      ])
    : Patch.json([
        { op: "test", path: "/metadata/finalizers", value: current },
        { op: "add", path: "/metadata/finalizers/-", value: finalizer }
      ])
}

/**
 * The JSON patch that removes the finalizer at `index`, guarded by a `test` that the element
 * there still is `finalizer` (other finalizers may have been removed meanwhile, shifting
 * indexes: then the patch fails rather than removing someone else's entry).
 *
 * @example
 * Finalizer.removePatch(0, "example.com/cleanup")
 * @since 0.1.0
 */
export const removePatch = (index: number, finalizer: string): Patch.Patch =>
  Patch.json([
    { op: "test", path: `/metadata/finalizers/${index}`, value: finalizer },
    { op: "remove", path: `/metadata/finalizers/${index}` }
  ])

/**
 * Reconciles `object` through the finalizer state machine (see the module documentation).
 *
 * @example
 * const reconcile = (site: Website) =>
 *   Effect.gen(function* () {
 *     const api = (yield* KubeApi).resource(Website)
 *     return yield* Finalizer.finalizer(api, "example.com/website", site, {
 *       apply: (s) => applyChildren(s),
 *       cleanup: (s) => deleteExternalDns(s).pipe(Effect.as(Action.done))
 *     })
 *   })
 * @since 0.1.0
 */
export const finalizer = <A extends KubeObject, E, R>(
  api: Api<A>,
  finalizerName: string,
  object: A,
  handlers: Handlers<A, E, R>
): Effect.Effect<Action.Action, FinalizerError<E>, R> =>
  Effect.gen(function* () {
    yield* validateName(finalizerName)
    const meta = object.metadata
    const name = meta.name
    if (name === undefined || name === "") {
      return yield* new UnnamedObject({ message: "the object has no metadata.name" })
    }
    const options = meta.namespace !== undefined ? { namespace: meta.namespace } : undefined
    const index = meta.finalizers?.indexOf(finalizerName) ?? -1
    const deleting = meta.deletionTimestamp !== undefined

    if (index >= 0 && !deleting) {
      return yield* Effect.mapError(handlers.apply(object), (cause) => new ApplyFailed({ cause }))
    }
    if (index >= 0 && deleting) {
      return yield* Effect.uninterruptibleMask((restore) =>
        Effect.flatMap(
          restore(Effect.mapError(handlers.cleanup(object), (cause) => new CleanupFailed({ cause }))),
          (action) =>
            Effect.as(
              Effect.mapError(
                api.patch(name, removePatch(index, finalizerName), options),
                (cause) => new RemoveFinalizer({ finalizer: finalizerName, cause })
              ),
              action
            )
        )
      )
    }
    if (!deleting) {
      yield* Effect.mapError(
        api.patch(name, addPatch(object, finalizerName), options),
        (cause) => new AddFinalizer({ finalizer: finalizerName, cause })
      )
    }
    return Action.done
  })
