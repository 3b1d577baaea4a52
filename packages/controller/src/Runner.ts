/**
 * A minimal runner: several controllers over one shared informer factory, started together and
 * stopped together — enough to run an operator without the full manager (which adds ordered
 * start-up of servers and webhooks, leader election, probes and the metrics endpoint).
 *
 * Guarantees: controllers start concurrently, each reconciling only once its own caches have
 * synced; if one cannot start, the others are stopped and the runner fails with its error. On
 * interruption (SIGINT/SIGTERM through `NodeRuntime.runMain`), every controller stops intake at
 * once, in-flight reconciles get their graceful shutdown timeout to finish, then the informers
 * stop.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import type * as Types from "effect/Types"
import type { KubeApi } from "@effect-kube/client/KubeApi"
import { InformerFactory } from "@effect-kube/processor/InformerFactory"
import type { Runnable, Running, StartError, TypeId } from "./Controller.js"

/**
 * What the reconciles of the given controllers need.
 *
 * @example
 * type R = Runner.Requirements<typeof websites | typeof databases> // KubeApi | EventRecorder
 * @since 0.1.0
 */
export type Requirements<C> = C extends { readonly [TypeId]: { readonly _R: Types.Covariant<infer R> } } ? R : never

/**
 * Starts every controller in the current scope and returns once all of them reconcile. Closing
 * the scope shuts them all down together (intake first, then the in-flight drain).
 *
 * @example
 * const program = Effect.gen(function* () {
 *   const running = yield* Runner.start([websites, databases])
 *   yield* Effect.log(`${running.length} controllers running`)
 * }).pipe(Effect.scoped, Effect.provide(InformerFactory.layer))
 * @since 0.1.0
 */
export const start = <const Cs extends ReadonlyArray<Runnable<unknown>>>(
  controllers: Cs & ReadonlyArray<Runnable<Requirements<Cs[number]>>>
): Effect.Effect<ReadonlyArray<Running>, StartError, Requirements<Cs[number]> | InformerFactory | Scope.Scope> =>
  Effect.gen(function* () {
    const list: ReadonlyArray<Runnable<Requirements<Cs[number]>>> = controllers
    const running = yield* Effect.forEach(list, (controller) => controller.start, { concurrency: "unbounded" })
    // Added after every controller's own finalizers, so it runs first: all queues stop taking
    // work at the same moment and drain in parallel.
    yield* Effect.addFinalizer(() =>
      Effect.forEach(running, (r) => r.shutdown, { concurrency: "unbounded", discard: true })
    )
    return running
  })

/**
 * Runs the controllers until interrupted, over an `InformerFactory` of their own (built from
 * the `KubeApi` in context). Fails only when a controller cannot start.
 *
 * @example
 * Runner.run([websites]).pipe(
 *   Effect.provide(EventRecorder.layer({ reportingController: "example.com/website-operator" })),
 *   Effect.provide(KubeApi.layerFromKubeConfig()),
 *   NodeRuntime.runMain
 * )
 * @since 0.1.0
 */
export const run = <const Cs extends ReadonlyArray<Runnable<unknown>>>(
  controllers: Cs & ReadonlyArray<Runnable<Requirements<Cs[number]>>>
): Effect.Effect<never, StartError, Exclude<Requirements<Cs[number]>, InformerFactory> | KubeApi> =>
  Effect.scoped(
    Effect.gen(function* () {
      const running = yield* start(controllers)
      yield* Effect.logInfo(`running controllers: ${running.map((r) => r.name).join(", ")}`)
      return yield* Effect.never
    })
  ).pipe(Effect.provide(InformerFactory.layer))

/**
 * The controllers as a layer: started when the layer is built (after their caches synced),
 * stopped gracefully when it is released. Needs an `InformerFactory`.
 *
 * @example
 * const Operator = Runner.layer([websites]).pipe(Layer.provide(InformerFactory.layer))
 * Layer.launch(Operator).pipe(Effect.provide(KubeApi.layerFromKubeConfig()), NodeRuntime.runMain)
 * @since 0.1.0
 */
export const layer = <const Cs extends ReadonlyArray<Runnable<unknown>>>(
  controllers: Cs & ReadonlyArray<Runnable<Requirements<Cs[number]>>>
): Layer.Layer<never, StartError, Requirements<Cs[number]> | InformerFactory> => Layer.scopedDiscard(start(controllers))
