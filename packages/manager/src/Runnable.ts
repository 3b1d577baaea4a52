/**
 * `Runnable`: anything the {@link Manager} starts and stops — servers, webhooks, caches,
 * controllers, your own loops — with a two-level stop protocol:
 *
 * - **graceful**: `stopping` completes; a runnable that has in-flight work finishes it and
 *   returns (the manager waits up to the remaining graceful shutdown budget);
 * - **hard**: the runnable's fiber is interrupted (its scope closes). That happens when the
 *   graceful budget is spent, when a runnable ignores `stopping`, and at once for leader-only
 *   runnables when leadership is lost.
 *
 * Groups decide the start phase (controller-runtime's order): `HttpServer` → `Webhook` →
 * `Cache` → `Other` (needs no leadership) → `LeaderElected` (only while leading; the default,
 * as in controller-runtime). Stop happens in reverse.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type * as Controller from "@effect-kube/controller/Controller"
import type { InformerFactory } from "@effect-kube/processor/InformerFactory"

/**
 * The start phase of a runnable.
 *
 * @example
 * const group: Runnable.Group = "Other"
 * @since 0.1.0
 */
export type Group = "HttpServer" | "Webhook" | "Cache" | "Other" | "LeaderElected"

/**
 * The phases in start order.
 *
 * @example
 * Runnable.groups[0] // "HttpServer"
 * @since 0.1.0
 */
export const groups: ReadonlyArray<Group> = ["HttpServer", "Webhook", "Cache", "Other", "LeaderElected"]

/**
 * What a running runnable gets from the manager.
 *
 * @example
 * const run = ({ ready, stopping }: Runnable.RunContext) =>
 *   Effect.gen(function* () { yield* listen; yield* ready; yield* stopping; yield* drain })
 * @since 0.1.0
 */
export interface RunContext {
  /** Signals "started" (listening, synced…); the next phase waits for it. Idempotent. */
  readonly ready: Effect.Effect<void>
  /** Completes when the manager asks for a graceful stop. */
  readonly stopping: Effect.Effect<void>
}

/**
 * A component the manager runs. `run` may use the provided scope (closed when it stops).
 * Returning successfully ends the runnable without stopping the manager (controller-runtime's
 * "a runnable returning nil is done"); failing stops the manager with that error.
 *
 * @example
 * const ticker: Runnable.Runnable = Runnable.fromEffect("ticker", Effect.forever(Effect.delay(Effect.log("tick"), "1 minute")), { group: "Other" })
 * @since 0.1.0
 */
export interface Runnable<out E = never, out R = never> {
  readonly name: string
  readonly group: Group
  /** Runs in a scope of its own (so `R` may include `Scope`), closed when it stops. */
  readonly run: (context: RunContext) => Effect.Effect<void, E, R>
}

/**
 * A runnable from a `run` function (default group `LeaderElected`).
 *
 * @example
 * const worker = Runnable.make({
 *   name: "worker",
 *   group: "Other",
 *   run: ({ ready, stopping }) => Effect.gen(function* () {
 *     const queue = yield* startQueue
 *     yield* ready
 *     yield* stopping
 *     yield* queue.drain
 *   })
 * })
 * @since 0.1.0
 */
export const make = <E = never, R = never>(options: {
  readonly name: string
  readonly group?: Group
  readonly run: (context: RunContext) => Effect.Effect<void, E, R>
}): Runnable<E, R> => ({
  name: options.name,
  group: options.group ?? "LeaderElected",
  run: options.run
})

/**
 * A long-running effect, ready as soon as it is forked; stopped by interruption.
 *
 * @example
 * const loop = Runnable.fromEffect("gc", Effect.forever(collectGarbage), { group: "LeaderElected" })
 * @since 0.1.0
 */
export const fromEffect = <E, R>(
  name: string,
  effect: Effect.Effect<unknown, E, R>,
  options: { readonly group?: Group } = {}
): Runnable<E, R> =>
  make({ name, group: options.group, run: ({ ready }) => Effect.zipRight(ready, Effect.asVoid(effect)) })

/**
 * A resource acquired in the runnable's scope (a server, a connection): ready once acquired,
 * released when the runnable stops.
 *
 * @example
 * const server = Runnable.scoped("admin", HttpServer.serve({ port: 9090, routes }), { group: "HttpServer" })
 * @since 0.1.0
 */
export const scoped = <A, E, R>(
  name: string,
  acquire: Effect.Effect<A, E, R>,
  options: { readonly group?: Group } = {}
): Runnable<E, R> =>
  make({
    name,
    group: options.group,
    run: ({ ready, stopping }) => Effect.zipRight(Effect.zipRight(acquire, ready), stopping)
  })

/**
 * A controller (`Controller.make`) as a runnable: ready once its caches synced and its workers
 * run; a graceful stop drains its in-flight reconciles (`Running.shutdown`, bounded by the
 * controller's graceful timeout), then its informers stop. Leader-only by default.
 *
 * A hard stop (interruption: leadership lost, graceful budget spent) aborts the controller
 * (`Running.abort`): intake stops and in-flight reconciles are interrupted at once, without
 * waiting for the graceful timeout.
 *
 * @example
 * const standalone = Runnable.fromController(auditLogger, { group: "Other" })
 * @since 0.1.0
 */
export const fromController = <R>(
  controller: Controller.Runnable<R>,
  options: { readonly group?: "LeaderElected" | "Other" } = {}
): Runnable<Controller.StartError, R | InformerFactory | Scope.Scope> =>
  make({
    name: controller.name,
    group: options.group ?? "LeaderElected",
    run: ({ ready, stopping }) =>
      Effect.gen(function* () {
        const running = yield* controller.start
        yield* Effect.onInterrupt(
          Effect.zipRight(Effect.zipRight(ready, stopping), running.shutdown),
          () => running.abort
        )
      })
  })
