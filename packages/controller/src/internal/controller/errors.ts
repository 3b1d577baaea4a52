import * as Data from "effect/Data"

/**
 * A controller that cannot start: empty or duplicate name, or a concurrency that is not a
 * positive integer.
 *
 * @example
 * Controller.run(websites).pipe(Effect.catchTag("InvalidController", (e) => Effect.logError(e.message)))
 * @since 0.1.0
 */
export class InvalidController extends Data.TaggedError("InvalidController")<{
  readonly controller: string
  readonly reason: "EmptyName" | "DuplicateName" | "InvalidConcurrency"
  readonly message: string
}> {}
