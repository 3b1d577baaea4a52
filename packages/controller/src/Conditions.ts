/**
 * `metav1.Condition` helpers over `status.conditions` (apimachinery `meta.SetStatusCondition`
 * semantics): set, find, remove, and the status checks. `lastTransitionTime` changes only when a
 * condition's `status` changes; reason, message and `observedGeneration` are updated in place.
 * The pure functions take the timestamp; {@link set} reads it from the Effect `Clock`.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type { Condition, KubeObject } from "@effect-kube/core/Meta"
import { asRecord, isRecord } from "./internal/json.js"

/**
 * What to set: a condition without (or with an explicit) `lastTransitionTime`.
 *
 * @example
 * const ready: Conditions.ConditionInput = { type: "Ready", status: "True", reason: "Reconciled", message: "", observedGeneration: 3 }
 * @since 0.1.0
 */
export interface ConditionInput {
  readonly type: string
  readonly status: Condition["status"]
  readonly reason: string
  readonly message?: string
  readonly observedGeneration?: number
  /** Used only when the status changes (or the condition is new); default: now. */
  readonly lastTransitionTime?: string
}

/**
 * A new condition list and whether it differs from the old one.
 *
 * @example
 * const { conditions, changed } = Conditions.setAt(old, ready, now)
 * @since 0.1.0
 */
export interface Result {
  readonly conditions: ReadonlyArray<Condition>
  readonly changed: boolean
}

/**
 * Formats epoch milliseconds like `metav1.Time` (RFC 3339, second precision, UTC).
 *
 * @example
 * Conditions.timestamp(0) // "1970-01-01T00:00:00Z"
 * @since 0.1.0
 */
export const timestamp = (millis: number): string =>
  `${new Date(Math.floor(millis / 1000) * 1000).toISOString().slice(0, 19)}Z`

/**
 * The condition of a type, if present.
 *
 * @example
 * Conditions.find(Conditions.get(site), "Ready")?.status
 * @since 0.1.0
 */
export const find = (conditions: ReadonlyArray<Condition> | undefined, type: string): Condition | undefined =>
  conditions?.find((c) => c.type === type)

/**
 * Sets a condition at time `now` (an RFC 3339 string). New conditions are appended; an existing
 * one keeps its position and its `lastTransitionTime` unless its `status` changes.
 *
 * @example
 * const { conditions, changed } = Conditions.setAt(old, { type: "Ready", status: "False", reason: "Failed", message: "boom" }, "2026-01-01T00:00:00Z")
 * @since 0.1.0
 */
export const setAt = (conditions: ReadonlyArray<Condition> | undefined, input: ConditionInput, now: string): Result => {
  const list = conditions ?? []
  const index = list.findIndex((c) => c.type === input.type)
  if (index < 0) {
    const added: Condition = {
      type: input.type,
      status: input.status,
      reason: input.reason,
      message: input.message ?? "",
      lastTransitionTime: input.lastTransitionTime ?? now,
      ...(input.observedGeneration !== undefined ? { observedGeneration: input.observedGeneration } : {})
    }
    return { conditions: [...list, added], changed: true }
  }
  const existing = list[index]
  const statusChanged = existing.status !== input.status
  const message = input.message ?? ""
  const observedGeneration = input.observedGeneration ?? existing.observedGeneration
  const changed =
    statusChanged ||
    existing.reason !== input.reason ||
    existing.message !== message ||
    existing.observedGeneration !== observedGeneration
  if (!changed) return { conditions: list, changed: false }
  const updated: Condition = {
    type: existing.type,
    status: input.status,
    reason: input.reason,
    message,
    lastTransitionTime: statusChanged ? (input.lastTransitionTime ?? now) : existing.lastTransitionTime,
    ...(observedGeneration !== undefined ? { observedGeneration } : {})
  }
  return { conditions: list.map((c, i) => (i === index ? updated : c)), changed: true }
}

/**
 * {@link setAt} with the current time from the Effect `Clock`.
 *
 * @example
 * const { conditions } = yield* Conditions.set(Conditions.get(site), { type: "Ready", status: "True", reason: "Reconciled" })
 * @since 0.1.0
 */
export const set = (conditions: ReadonlyArray<Condition> | undefined, input: ConditionInput): Effect.Effect<Result> =>
  Effect.map(Clock.currentTimeMillis, (millis) => setAt(conditions, input, timestamp(millis)))

/**
 * Removes the condition of a type.
 *
 * @example
 * Conditions.remove(Conditions.get(site), "Progressing")
 * @since 0.1.0
 */
export const remove = (conditions: ReadonlyArray<Condition> | undefined, type: string): Result => {
  const list = conditions ?? []
  const kept = list.filter((c) => c.type !== type)
  return kept.length === list.length ? { conditions: list, changed: false } : { conditions: kept, changed: true }
}

/**
 * Whether the condition is present with status `True`.
 *
 * @example
 * Conditions.isTrue(Conditions.get(deployment), "Available")
 * @since 0.1.0
 */
export const isTrue = (conditions: ReadonlyArray<Condition> | undefined, type: string): boolean =>
  find(conditions, type)?.status === "True"

/**
 * Whether the condition is present with status `False`.
 *
 * @example
 * Conditions.isFalse(Conditions.get(site), "Ready")
 * @since 0.1.0
 */
export const isFalse = (conditions: ReadonlyArray<Condition> | undefined, type: string): boolean =>
  find(conditions, type)?.status === "False"

/**
 * Whether the condition is absent or has status `Unknown`.
 *
 * @example
 * Conditions.isUnknown(Conditions.get(site), "Ready")
 * @since 0.1.0
 */
export const isUnknown = (conditions: ReadonlyArray<Condition> | undefined, type: string): boolean => {
  const c = find(conditions, type)
  return c === undefined || c.status === "Unknown"
}

/**
 * Whether the condition is present with the given status and reason.
 *
 * @example
 * Conditions.hasStatusAndReason(Conditions.get(site), "Ready", "False", "ImagePullFailed")
 * @since 0.1.0
 */
export const hasStatusAndReason = (
  conditions: ReadonlyArray<Condition> | undefined,
  type: string,
  status: Condition["status"],
  reason: string
): boolean => {
  const c = find(conditions, type)
  return c !== undefined && c.status === status && c.reason === reason
}

const statuses: ReadonlySet<string> = new Set(["True", "False", "Unknown"])

const isCondition = (u: unknown): u is Condition =>
  isRecord(u) &&
  typeof u.type === "string" &&
  typeof u.status === "string" &&
  statuses.has(u.status) &&
  typeof u.reason === "string" &&
  typeof u.message === "string" &&
  typeof u.lastTransitionTime === "string" &&
  (u.observedGeneration === undefined || typeof u.observedGeneration === "number")

/**
 * The well-formed conditions in `object.status.conditions` (ill-formed entries are skipped; no
 * Schema decode).
 *
 * @example
 * const conditions = Conditions.get(site)
 * @since 0.1.0
 */
export const get = (object: KubeObject): ReadonlyArray<Condition> => {
  const raw = asRecord(object.status).conditions
  return Array.isArray(raw) ? raw.filter(isCondition) : []
}

/**
 * `object` with `status.conditions` replaced (other status fields kept).
 *
 * @example
 * const next = Conditions.withConditions(site, conditions)
 * @since 0.1.0
 */
export const withConditions = <A extends KubeObject>(object: A, conditions: ReadonlyArray<Condition>): A => ({
  ...object,
  status: { ...asRecord(object.status), conditions }
})
