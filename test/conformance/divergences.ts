/**
 * The one list of known divergences: cases a target does not meet, each with the reason. A
 * divergent case still runs on that target; while it keeps failing it is reported as
 * divergent, and the day it passes its test fails until the entry is removed, so the list
 * cannot rot.
 *
 * `kind`:
 * - `mock-bug`: the mock (or the in-memory/HTTP plumbing) disagrees with the real server and
 *   should be fixed; the entry keeps `pnpm test` green meanwhile and documents what the real
 *   server does. These are the open work items of the mock's owners.
 * - `accepted`: the mock will not reasonably match (e.g. behaviour that needs a controller the
 *   mock does not run); the reason says why.
 */
import type { TargetName } from "./harness/Target.js"

/** One known divergence. */
export interface Divergence {
  readonly caseId: string
  readonly targets: ReadonlyArray<TargetName>
  readonly kind: "mock-bug" | "accepted"
  readonly reason: string
}

/**
 * Every known divergence. Keep it short: fix the mock instead wherever that is reasonable.
 * Empty: all three targets pass every case. (The eleven `mock-bug` entries the first runs found
 * — config-key, finalizer-name, Pod and immutable-ConfigMap validation, the plain-text 404 of
 * unknown paths, 404 of `/status` without the subresource, SSA on CRD map-lists and on
 * `/status` — were fixed in the mock and the clients, and removed when their cases passed.)
 */
export const divergences: ReadonlyArray<Divergence> = []

/** The divergence of a case on a target, if listed. */
export const divergenceOf = (caseId: string, target: TargetName): Divergence | undefined =>
  divergences.find((d) => d.caseId === caseId && d.targets.includes(target))
