import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { InvalidController } from "./errors.js"

// Controller names label metrics and logs, so two running controllers must not share one
// (controller-runtime enforces the same). Process-wide: metrics are process-wide too.
const running = new Set<string>()

/** Claims `name` for the lifetime of the current scope. @internal */
export const claim = (name: string): Effect.Effect<void, InvalidController, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.suspend(() => {
      if (running.has(name)) {
        return Effect.fail(
          new InvalidController({
            controller: name,
            reason: "DuplicateName",
            message: `a controller named ${JSON.stringify(name)} is already running; controller names must be unique (metrics and logs use them)`
          })
        )
      }
      running.add(name)
      return Effect.void
    }),
    () =>
      Effect.sync(() => {
        running.delete(name)
      })
  )
