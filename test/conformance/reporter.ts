/**
 * vitest reporter printing the conformance summary (see harness/report.ts) after the run:
 * `vitest run test/conformance --reporter=default --reporter=./test/conformance/reporter.ts`.
 * Targets `run.ts` skipped are passed in `CONFORMANCE_SKIPPED` (JSON).
 */
import type { Reporter, TestModule } from "vitest/node"
import "./harness/meta.js"
import { type CaseResult, render, targetOfFile } from "./harness/report.js"
import { type TargetName, targetNames } from "./harness/Target.js"

const isTarget = (s: unknown): s is TargetName => targetNames.some((t) => t === s)

const skippedFromEnv = (): ReadonlyArray<{ readonly target: TargetName; readonly reason: string }> => {
  const raw = process.env.CONFORMANCE_SKIPPED
  if (raw === undefined || raw === "") return []
  try {
    const parsed: unknown = JSON.parse(raw)
    if (!Array.isArray(parsed)) return []
    return parsed.flatMap((entry: unknown) =>
      typeof entry === "object" && entry !== null && "target" in entry && "reason" in entry && isTarget(entry.target)
        ? [{ target: entry.target, reason: String(entry.reason) }]
        : []
    )
  } catch {
    return []
  }
}

export default class ConformanceReporter implements Reporter {
  private results: ReadonlyArray<CaseResult> = []

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const results: Array<CaseResult> = []
    for (const module of testModules) {
      const fileTarget = targetOfFile(module.moduleId)
      if (fileTarget === undefined) continue
      for (const test of module.children.allTests()) {
        const meta = test.meta().conformance
        const result = test.result()
        results.push({
          target: meta?.target ?? fileTarget,
          caseId: meta?.caseId ?? test.name,
          state: result.state,
          outcome: meta?.outcome,
          reason: meta?.reason,
          error: result.state === "failed" ? (meta?.detail ?? result.errors[0]?.message) : undefined
        })
      }
    }
    this.results = results
  }

  // The default reporter prints its failure details and summary in onFinished, which runs
  // after every onTestRunEnd: print here so the conformance lines come last.
  onFinished(): void {
    process.stdout.write(render(this.results, skippedFromEnv()))
  }
}
