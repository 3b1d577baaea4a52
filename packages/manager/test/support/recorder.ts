/**
 * Test support: runnables that record their lifecycle ("start x", "ready x", "drained x",
 * "stop x") with the TestClock time.
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Runnable from "../../src/Runnable.js"

export interface Entry {
  readonly what: string
  readonly at: number
}

export class Recorder {
  readonly entries: Array<Entry> = []

  record(what: string): Effect.Effect<void> {
    return Effect.flatMap(Clock.currentTimeMillis, (at) =>
      Effect.sync(() => {
        this.entries.push({ what, at })
      })
    )
  }

  get log(): ReadonlyArray<string> {
    return this.entries.map((e) => e.what)
  }

  at(what: string): number | undefined {
    return this.entries.find((e) => e.what === what)?.at
  }

  has(what: string): boolean {
    return this.entries.some((e) => e.what === what)
  }

  /**
   * A runnable of `group` that records start/ready/stop; when `drain` is given it waits on
   * `stopping` and then takes that long to finish its in-flight work ("drained x").
   */
  runnable(
    name: string,
    group: Runnable.Group,
    options: { readonly drain?: Duration.DurationInput; readonly onStop?: Effect.Effect<void> } = {}
  ): Runnable.Runnable<never, Scope.Scope> {
    return Runnable.make({
      name,
      group,
      run: ({ ready, stopping }) =>
        Effect.gen(this, function* () {
          yield* this.record(`start ${name}`)
          yield* Effect.addFinalizer(() => Effect.zipRight(options.onStop ?? Effect.void, this.record(`stop ${name}`)))
          yield* ready
          if (options.drain === undefined) return yield* Effect.never
          yield* stopping
          yield* Effect.sleep(Duration.decode(options.drain))
          yield* this.record(`drained ${name}`)
        })
    })
  }
}
