import { describe, expect, it } from "@effect/vitest"
import { allCases } from "./cases/index.js"
import { divergences } from "./divergences.js"
import { type CaseResult, render, summarize, targetOfFile } from "./harness/report.js"

describe("conformance report", () => {
  const results: ReadonlyArray<CaseResult> = [
    { target: "mock", caseId: "a", state: "passed", outcome: "Passed" },
    { target: "mock", caseId: "b", state: "passed", outcome: "Divergent", reason: "no GC" },
    { target: "mock", caseId: "c", state: "failed", outcome: "Failed", error: "c [mock]: boom\nstack" },
    { target: "mock", caseId: "d", state: "failed", outcome: "StaleDivergence", error: "d passes: remove it" },
    { target: "real", caseId: "a", state: "passed", outcome: "Passed" },
    // The target never started: the test failed before its body ran.
    { target: "real", caseId: "b", state: "failed", error: "kube-apiserver did not start" }
  ]

  it("counts divergences apart, and any test that did not pass as failed", () => {
    expect(summarize(results)).toEqual([
      { target: "mock", passed: 1, failed: 2, divergent: 1 },
      { target: "real", passed: 1, failed: 1, divergent: 0 }
    ])
  })

  it("prints one line per target, the divergences with reasons and the failures", () => {
    const text = render(results, [{ target: "mock-http", reason: "not run" }])
    expect(text.split("\n")).toEqual(
      expect.arrayContaining([
        "mock: 1 passed, 2 failed, 1 divergent",
        "real: 1 passed, 1 failed",
        "mock-http: skipped (not run)",
        "  mock b: no GC",
        "  mock c: c [mock]: boom",
        "  real b: kube-apiserver did not start"
      ])
    )
  })

  it("maps test files to targets", () => {
    expect(
      ["/x/test/conformance/mock.test.ts", "/x/mock-http.test.ts", "/x/real.e2e.test.ts", "/x/report.test.ts"].map(
        targetOfFile
      )
    ).toEqual(["mock", "mock-http", "real", undefined])
  })

  it("has at least 120 cases with unique ids of the form area/name", () => {
    expect(allCases.length).toBeGreaterThanOrEqual(120)
    expect(new Set(allCases.map((c) => c.id)).size).toBe(allCases.length)
    for (const c of allCases) expect(c.id).toMatch(/^[a-z]+\/[a-z0-9-]+$/)
  })

  it("lists only divergences of existing cases, each with a reason and a mock target", () => {
    const ids = new Set(allCases.map((c) => c.id))
    for (const d of divergences) {
      expect(ids.has(d.caseId)).toBe(true)
      expect(d.reason.length).toBeGreaterThan(10)
      expect(d.targets.length).toBeGreaterThan(0)
      expect(d.targets).not.toContain("real")
    }
  })
})
