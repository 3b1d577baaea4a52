import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Action from "../src/Action.js"

describe("Action", () => {
  it("constructors and match", () => {
    const describeAction = (a: Action.Action) =>
      Action.match(a, {
        onDone: () => "done",
        onRequeueAfter: (d) => `after ${Duration.toSeconds(d)}s`,
        onRequeue: () => "rate-limited"
      })
    expect(describeAction(Action.done)).toBe("done")
    expect(describeAction(Action.requeue)).toBe("rate-limited")
    expect(describeAction(Action.requeueAfter("2 minutes"))).toBe("after 120s")
  })

  it.effect("TerminalError is a tagged, yieldable error recognised by isTerminalError", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(new Action.TerminalError({ message: "invalid spec" }))
      expect(error._tag).toBe("TerminalError")
      expect(error.message).toBe("invalid spec")
      expect(Action.isTerminalError(error)).toBe(true)
      expect(Action.isTerminalError(new Error("x"))).toBe(false)
      expect(Action.isTerminalError({ _tag: "Conflict" })).toBe(false)
    })
  )
})
