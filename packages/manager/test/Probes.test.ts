import { describe, expect, it } from "@effect/vitest"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import * as Probes from "../src/Probes.js"

class NotSynced extends Data.TaggedError("NotSynced")<{ readonly message: string }> {}

const checks = [
  Probes.ping,
  Probes.check("informers", Effect.fail(new NotSynced({ message: "ConfigMap not synced" }))),
  Probes.check("db", Effect.fail("connection refused"))
]

describe("Probes", () => {
  it.effect("all passing: 200 ok; verbose lists every check", () =>
    Effect.gen(function* () {
      expect(yield* Probes.respond("healthz", [Probes.ping], "/healthz", new URLSearchParams())).toEqual({
        status: 200,
        body: "ok"
      })
      expect(yield* Probes.respond("healthz", [Probes.ping], "/healthz", new URLSearchParams("verbose"))).toEqual({
        status: 200,
        body: "[+]ping ok\nhealthz check passed\n"
      })
    })
  )

  it.effect("a failing check: 500 listing every check with the failure's reason", () =>
    Effect.gen(function* () {
      const answer = yield* Probes.respond("readyz", checks, "/readyz", new URLSearchParams())
      expect(answer).toEqual({
        status: 500,
        body:
          "[+]ping ok\n" +
          "[-]informers failed: NotSynced: ConfigMap not synced\n" +
          "[-]db failed: connection refused\n" +
          "readyz check failed\n"
      })
    })
  )

  it.effect("exclude skips checks; a single check by path; unknown check 404", () =>
    Effect.gen(function* () {
      const excluded = yield* Probes.respond(
        "readyz",
        checks,
        "/readyz",
        new URLSearchParams("exclude=informers&exclude=db")
      )
      expect(excluded).toEqual({ status: 200, body: "ok" })
      expect(yield* Probes.respond("readyz", checks, "/readyz/db", new URLSearchParams())).toEqual({
        status: 500,
        body: "internal server error: connection refused\n"
      })
      expect(yield* Probes.respond("readyz", checks, "/readyz/ping", new URLSearchParams())).toEqual({
        status: 200,
        body: "ok"
      })
      expect((yield* Probes.respond("readyz", checks, "/readyz/nope", new URLSearchParams())).status).toBe(404)
    })
  )

  it.effect("a hanging check fails with a timeout instead of hanging the probe; a defect is a failure", () =>
    Effect.gen(function* () {
      const fiber = yield* Effect.fork(
        Probes.run([Probes.check("stuck", Effect.never), Probes.check("buggy", Effect.die(new Error("bug")))], {
          timeout: "2 seconds"
        })
      )
      yield* TestClock.adjust("2 seconds")
      const results = yield* Fiber.join(fiber)
      expect(results).toEqual([
        { name: "stuck", ok: false, reason: "timed out after 2s" },
        { name: "buggy", ok: false, reason: "defect: bug" }
      ])
    })
  )
})
