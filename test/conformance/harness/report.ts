/**
 * The conformance summary: per target `<target>: N passed, M failed, K divergent`, then the
 * divergences with their reasons and the failures with their first line. Pure, so the reporter
 * stays a thin vitest adapter and this part is unit-tested.
 */
import { type TargetName, targetNames } from "./Target.js"

/** One test's result as the reporter sees it. */
export interface CaseResult {
  readonly target: TargetName
  readonly caseId: string
  /** vitest's state of the test. */
  readonly state: "passed" | "failed" | "skipped" | "pending"
  /** The suite's own classification (absent when the test body never ran, e.g. the target did not start). */
  readonly outcome?: "Passed" | "Failed" | "Divergent" | "StaleDivergence"
  readonly reason?: string
  readonly error?: string
}

/** Counts of one target. */
export interface TargetSummary {
  readonly target: TargetName
  readonly passed: number
  readonly failed: number
  readonly divergent: number
}

/** Per-target counts: a divergent case is neither passed nor failed; anything else not passed failed. */
export const summarize = (results: ReadonlyArray<CaseResult>): ReadonlyArray<TargetSummary> =>
  targetNames.flatMap((target) => {
    const mine = results.filter((r) => r.target === target)
    if (mine.length === 0) return []
    const divergent = mine.filter((r) => r.state === "passed" && r.outcome === "Divergent").length
    const passed = mine.filter((r) => r.state === "passed" && r.outcome !== "Divergent").length
    return [{ target, passed, failed: mine.length - passed - divergent, divergent }]
  })

/** The target a test file runs (from its file name). */
export const targetOfFile = (moduleId: string): TargetName | undefined => {
  const file = moduleId.split("/").pop() ?? ""
  if (file.startsWith("mock-http.")) return "mock-http"
  if (file.startsWith("mock.")) return "mock"
  if (file.startsWith("real.")) return "real"
  return undefined
}

const firstLine = (s: string | undefined): string => (s ?? "").split("\n")[0]?.slice(0, 300) ?? ""

/** The printed report. `skipped` names targets that did not run and why. */
export const render = (
  results: ReadonlyArray<CaseResult>,
  skipped: ReadonlyArray<{ readonly target: TargetName; readonly reason: string }> = []
): string => {
  const lines: Array<string> = ["", "Conformance"]
  for (const s of summarize(results)) {
    lines.push(
      `${s.target}: ${s.passed} passed, ${s.failed} failed${s.divergent > 0 ? `, ${s.divergent} divergent` : ""}`
    )
  }
  for (const s of skipped) lines.push(`${s.target}: skipped (${s.reason})`)
  const divergent = results.filter((r) => r.state === "passed" && r.outcome === "Divergent")
  if (divergent.length > 0) {
    lines.push("", "Known divergences (test/conformance/divergences.ts):")
    for (const r of divergent) lines.push(`  ${r.target} ${r.caseId}: ${r.reason ?? ""}`)
  }
  const failed = results.filter((r) => r.state !== "passed")
  if (failed.length > 0) {
    lines.push("", "Failed:")
    for (const r of failed) lines.push(`  ${r.target} ${r.caseId}: ${firstLine(r.error) || r.state}`)
  }
  return `${lines.join("\n")}\n`
}
