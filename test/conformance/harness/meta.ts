/**
 * The conformance data each test carries in its vitest task meta, read by the reporter.
 */
import type { TargetName } from "./Target.js"

/** What the reporter learns about one case on one target. */
export interface ConformanceMeta {
  readonly target: TargetName
  readonly caseId: string
  readonly outcome: "Passed" | "Failed" | "Divergent" | "StaleDivergence"
  /** For divergences: why the target does not match the real server (with the entry's kind). */
  readonly reason?: string
  /** For failures: what was expected and what the server did. */
  readonly detail?: string
}

declare module "vitest" {
  interface TaskMeta {
    conformance?: ConformanceMeta
  }
}
