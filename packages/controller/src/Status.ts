/**
 * Status writes and the "Ready condition" reconcile pattern.
 *
 * - {@link update}: compute the new status from the live object and write it through `/status`
 *   as a JSON merge patch carrying `metadata.resourceVersion` (optimistic concurrency); on a
 *   `Conflict`, re-read and compute again (bounded). No write when nothing changed.
 * - {@link apply}: server-side apply of the status.
 * - {@link withReadyCondition}: runs a reconcile and reports it — a `Ready` condition with
 *   reason and message, a Warning event on error, and a requeue whose delay doubles per
 *   consecutive failure of the object (capped at 6 h).
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type { Api, ApplyOptions } from "@effect-kube/client/Api"
import type { KubeError } from "@effect-kube/core/Errors"
import type { KubeObject } from "@effect-kube/core/Meta"
import * as Patch from "@effect-kube/core/Patch"
import * as Action from "./Action.js"
import * as Conditions from "./Conditions.js"
import { mergePatchDiff } from "./internal/json.js"

const isConflict = (e: KubeError): boolean => e._tag === "Conflict"

const namespaceOption = (object: KubeObject) =>
  object.metadata.namespace !== undefined ? { namespace: object.metadata.namespace } : undefined

/**
 * Writes the status of `mutate(current)` through `/status`; only `status` is taken from the
 * result. The first attempt uses `object` as given; after a `Conflict` the object is re-read
 * and `mutate` runs again, up to `maxAttempts` (default 5). Returns the object as stored (or
 * `current` untouched when the status did not change — then no request is made).
 *
 * @example
 * const stored = yield* Status.update(websites, site, (current) =>
 *   Effect.succeed({ ...current, status: { ...current.status, readyReplicas: 3 } }))
 * @since 0.1.0
 */
export const update = <A extends KubeObject, E, R>(
  api: Api<A>,
  object: A,
  mutate: (current: A) => Effect.Effect<A, E, R>,
  options?: { readonly maxAttempts?: number; readonly fieldManager?: string }
): Effect.Effect<A, E | KubeError, R> => {
  const maxAttempts = Math.max(1, options?.maxAttempts ?? 5)
  const name = object.metadata.name ?? ""
  const ns = namespaceOption(object)
  const writeOptions = { ...ns, fieldManager: options?.fieldManager }
  const attempt = (current: A, attemptNo: number): Effect.Effect<A, E | KubeError, R> =>
    Effect.flatMap(mutate(current), (desired) => {
      const diff = mergePatchDiff(current.status, desired.status)
      if (diff === undefined) return Effect.succeed(current)
      const body = { metadata: { resourceVersion: current.metadata.resourceVersion }, status: diff }
      return Effect.catchIf(
        api.status.patch(name, Patch.merge(body), writeOptions),
        (e) => isConflict(e) && attemptNo < maxAttempts,
        () => Effect.flatMap(api.get(name, ns), (fresh) => attempt(fresh, attemptNo + 1))
      )
    })
  return attempt(object, 1)
}

/**
 * Server-side applies `object.status` through `/status` (`force` defaults to true: a controller
 * owns its status fields).
 *
 * @example
 * yield* Status.apply(websites, { apiVersion, kind, metadata: { name, namespace }, status: { phase: "Ready" } }, { fieldManager: "website" })
 * @since 0.1.0
 */
export const apply = <A extends KubeObject>(
  api: Api<A>,
  object: A,
  options: ApplyOptions
): Effect.Effect<A, KubeError> =>
  api.status.apply(object, { ...namespaceOption(object), ...options, force: options.force ?? true })

/**
 * An event to record about an object (a Kubernetes Event).
 *
 * @example
 * const e: Status.EventInput = { type: "Warning", reason: "ReconcileError", message: "image not found" }
 * @since 0.1.0
 */
export interface EventInput {
  readonly type: "Normal" | "Warning"
  readonly reason: string
  readonly message: string
  readonly action?: string
}

/**
 * Records an event about an object; must not fail or block the reconcile.
 *
 * @example
 * const recorder: Status.EventRecorder = (obj, e) => Effect.logInfo(`${e.type} ${e.reason}: ${e.message}`)
 * @since 0.1.0
 */
export type EventRecorder = (object: KubeObject, event: EventInput) => Effect.Effect<void>

/**
 * Per-object consecutive failure counts and the requeue delay they imply: `base × 2^(n-1)` for
 * the n-th consecutive failure, capped. In memory: a restart starts over.
 *
 * @example
 * const delay = yield* backoff.next("default/web") // 5 s, then 10 s, 20 s …
 * @since 0.1.0
 */
export interface FailureBackoff {
  /** Counts one more failure of `key` and returns the delay before retrying it. */
  readonly next: (key: string) => Effect.Effect<Duration.Duration>
  /** Forgets `key`'s failures (after a success). */
  readonly reset: (key: string) => Effect.Effect<void>
  readonly failures: (key: string) => Effect.Effect<number>
}

/**
 * Creates a {@link FailureBackoff} (defaults: base 5 s, cap 6 h).
 *
 * @example
 * const backoff = yield* Status.makeFailureBackoff({ base: "10 seconds" })
 * @since 0.1.0
 */
export const makeFailureBackoff = (options?: {
  readonly base?: Duration.DurationInput
  readonly cap?: Duration.DurationInput
}): Effect.Effect<FailureBackoff> =>
  Effect.sync(() => {
    const baseMillis = Duration.toMillis(options?.base ?? Duration.seconds(5))
    const capMillis = Duration.toMillis(options?.cap ?? Duration.hours(6))
    const counts = new Map<string, number>()
    return {
      next: (key) =>
        Effect.sync(() => {
          const n = counts.get(key) ?? 0
          counts.set(key, n + 1)
          const millis = baseMillis * 2 ** n
          return Duration.millis(Number.isFinite(millis) && millis < capMillis ? millis : capMillis)
        }),
      reset: (key) =>
        Effect.sync(() => {
          counts.delete(key)
        }),
      failures: (key) => Effect.sync(() => counts.get(key) ?? 0)
    }
  })

/**
 * Options of {@link withReadyCondition}.
 *
 * @example
 * Status.withReadyCondition(site, reconcile(site), { api: websites, backoff, recordEvent, successReason: "Deployed" })
 * @since 0.1.0
 */
export interface ReadyOptions<A extends KubeObject, E> {
  readonly api: Api<A>
  readonly backoff: FailureBackoff
  readonly recordEvent?: EventRecorder
  /** Condition type; default `"Ready"`. */
  readonly conditionType?: string
  /** Reason on success; default `"Reconciled"`. */
  readonly successReason?: string
  readonly successMessage?: string
  /** Reason on failure; default `"ReconcileError"`. */
  readonly errorReason?: string
  /** Message of an error; default its `message` property, else `String(error)`. */
  readonly errorMessage?: (error: E) => string
  readonly fieldManager?: string
}

const defaultErrorMessage = (error: unknown): string => {
  if (typeof error === "object" && error !== null && "message" in error && typeof error.message === "string") {
    return error.message
  }
  return String(error)
}

const keyOf = (o: KubeObject): string =>
  o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name ?? ""}` : (o.metadata.name ?? "")

/**
 * Runs `reconcile` for `object` and reports the outcome on the object:
 *
 * - success: sets the Ready condition `True` (with `observedGeneration`), resets the failure
 *   count and returns the reconcile's action. A failed status write fails the effect (the
 *   controller then retries).
 * - failure: sets Ready `False` with the error's message, records a Warning event, and returns
 *   `Action.requeueAfter` with the object's doubled backoff — the error is handled here, not
 *   passed on. A {@link Action.TerminalError} is reported the same way but then re-raised, so the
 *   controller counts it and does not requeue. Status-write failures on this path are logged,
 *   not raised (the original error matters more).
 * - defects and interruption pass through untouched.
 *
 * @example
 * const reconcile = (site: Website) =>
 *   Status.withReadyCondition(site, applyChildren(site), { api: websites, backoff, recordEvent })
 * @since 0.1.0
 */
export const withReadyCondition = <A extends KubeObject, E, R>(
  object: A,
  reconcile: Effect.Effect<Action.Action, E, R>,
  options: ReadyOptions<A, E>
): Effect.Effect<Action.Action, Extract<E, Action.TerminalError> | KubeError, R> => {
  const conditionType = options.conditionType ?? "Ready"
  const key = keyOf(object)
  const setReady = (status: "True" | "False", reason: string, message: string) =>
    update(
      options.api,
      object,
      (current) =>
        Effect.map(
          Conditions.set(Conditions.get(current), {
            type: conditionType,
            status,
            reason,
            message,
            observedGeneration: current.metadata.generation
          }),
          ({ conditions }) => Conditions.withConditions(current, conditions)
        ),
      { fieldManager: options.fieldManager }
    )
  return Effect.matchEffect(reconcile, {
    onSuccess: (action) =>
      Effect.as(
        Effect.zipRight(
          setReady("True", options.successReason ?? "Reconciled", options.successMessage ?? ""),
          options.backoff.reset(key)
        ),
        action
      ),
    onFailure: (error) => {
      const reason = options.errorReason ?? "ReconcileError"
      const message = (options.errorMessage ?? defaultErrorMessage)(error)
      const report = Effect.zipRight(
        Effect.catchAll(setReady("False", reason, message), (e) =>
          Effect.logWarning(`could not set the ${conditionType} condition of ${key}: ${e.message}`)
        ),
        options.recordEvent ? options.recordEvent(object, { type: "Warning", reason, message }) : Effect.void
      )
      if (isTerminal(error)) return Effect.zipRight(report, Effect.fail(error))
      return Effect.zipRight(report, Effect.map(options.backoff.next(key), Action.requeueAfter))
    }
  })
}

const isTerminal = <E>(error: E): error is Extract<E, Action.TerminalError> => Action.isTerminalError(error)
