/**
 * `Manager.runMain` as a real process (test/fixtures/signals-main.ts, run from source): SIGTERM
 * drains and exits 0, a second signal forces exit 130, a failure exits 1 with the error logged.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as ChildProcess from "node:child_process"
import * as Path from "node:path"

const packageDir = Path.resolve(import.meta.dirname, "..")

interface Outcome {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly lines: ReadonlyArray<Record<string, unknown>>
  readonly millisAfterFirstSignal: number
}

const parseLines = (out: string) =>
  out
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l): Record<string, unknown> => Object.fromEntries(Object.entries(JSON.parse(l))))

/** Runs the fixture; sends `signals` (in order, `gap` ms apart) once the manager started. */
const runFixture = (mode: string, signals: ReadonlyArray<NodeJS.Signals>, gap = 300) =>
  Effect.async<Outcome>((resume) => {
    const child = ChildProcess.spawn(
      process.execPath,
      [
        "--conditions=@effect-kube/source",
        "--experimental-transform-types",
        "--no-warnings",
        "--import",
        "./test/fixtures/register.mjs",
        "test/fixtures/signals-main.ts",
        mode
      ],
      { cwd: packageDir, stdio: ["ignore", "pipe", "pipe"] }
    )
    let out = ""
    let firstSignalAt = 0
    let sent = false
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString()
      if (!sent && signals.length > 0 && out.includes('"manager started"')) {
        sent = true
        firstSignalAt = Date.now()
        for (const [i, signal] of signals.entries()) {
          setTimeout(() => child.kill(signal), i * gap)
        }
      }
    })
    child.stderr.on("data", (chunk: Buffer) => {
      out += chunk.toString()
    })
    const killer = setTimeout(() => child.kill("SIGKILL"), 60_000)
    child.on("exit", (code, signal) => {
      clearTimeout(killer)
      resume(
        Effect.succeed({
          code,
          signal,
          lines: parseLines(out),
          millisAfterFirstSignal: firstSignalAt === 0 ? 0 : Date.now() - firstSignalAt
        })
      )
    })
    return Effect.sync(() => child.kill("SIGKILL"))
  })

const messages = (outcome: Outcome) => outcome.lines.map((l) => l.msg)

describe("Manager.runMain (real processes)", () => {
  it.live(
    "SIGTERM: the manager drains in-flight work, stops, and the process exits 0",
    () =>
      Effect.gen(function* () {
        const outcome = yield* runFixture("drain", ["SIGTERM"])
        expect(outcome.code).toBe(0)
        const log = messages(outcome)
        expect(log).toContain("draining")
        expect(log.indexOf("drained")).toBeGreaterThan(log.indexOf("draining"))
        expect(log[log.length - 1]).toBe("manager stopped")
      }),
    60_000
  )

  it.live(
    "a second signal forces the exit (130) without waiting for the drain",
    () =>
      Effect.gen(function* () {
        const outcome = yield* runFixture("stuck", ["SIGTERM", "SIGINT"], 500)
        expect(outcome.code).toBe(130)
        expect(messages(outcome)).toContain("draining")
        expect(messages(outcome)).not.toContain("drained")
        expect(outcome.millisAfterFirstSignal).toBeLessThan(20_000)
      }),
    60_000
  )

  it.live(
    "a failing runnable: the manager stops, the error is logged in the configured format, exit code 1",
    () =>
      Effect.gen(function* () {
        const outcome = yield* runFixture("fail", [])
        expect(outcome.code).toBe(1)
        const fatal = outcome.lines.find((l) => l.msg === "fatal error; exiting")
        expect(String(fatal?.error)).toContain("Broken: worker broke")
        expect(messages(outcome)).toContain("manager stopped")
      }),
    60_000
  )
})
