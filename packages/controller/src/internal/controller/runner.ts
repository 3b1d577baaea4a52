import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import { randomUUID } from "node:crypto"
import type { DecodeError } from "@effect-kube/core/Errors"
import type { KubeObject } from "@effect-kube/core/Meta"
import * as ObjectKey from "@effect-kube/core/ObjectKey"
import * as Resource from "@effect-kube/core/Resource"
import { InformerFactory, type InformerOptions } from "@effect-kube/processor/InformerFactory"
import type { Handler, HandlerOptions, Registration, SharedInformer } from "@effect-kube/processor/SharedInformer"
import type { Store } from "@effect-kube/store/Store"
import * as Action from "../../Action.js"
import type { Controller, MapFunction, ReconcileContext, Running, SourceOptions, StartError } from "../../Controller.js"
import * as Decoder from "../../Decoder.js"
import * as EventRecorder from "../../EventRecorder.js"
import * as Predicates from "../../Predicates.js"
import * as WorkQueue from "../../WorkQueue.js"
import { InvalidController } from "./errors.js"
import * as Metrics from "./metrics.js"
import { claim } from "./names.js"

type Priority = WorkQueue.Priority

const groupOf = (apiVersion: string): string => {
  const slash = apiVersion.indexOf("/")
  return slash < 0 ? "" : apiVersion.slice(0, slash)
}

const validate = (controller: { readonly name: string; readonly concurrency: number }) => {
  if (controller.name.trim() === "") {
    return Effect.fail(
      new InvalidController({ controller: controller.name, reason: "EmptyName", message: "a controller needs a name" })
    )
  }
  if (!Number.isInteger(controller.concurrency) || controller.concurrency < 1) {
    return Effect.fail(
      new InvalidController({
        controller: controller.name,
        reason: "InvalidConcurrency",
        message: `controller ${controller.name}: concurrency must be a positive integer, got ${controller.concurrency}`
      })
    )
  }
  return Effect.void
}

const splitKey = (key: string): { readonly namespace: string | undefined; readonly name: string } => {
  const parsed = ObjectKey.parse(key)
  return Either.isRight(parsed)
    ? { namespace: parsed.right.namespace, name: parsed.right.name }
    : { namespace: undefined, name: key }
}

/** Turns one source's events into keys, applying its predicates. */
const sourceHandler = (
  predicates: ReadonlyArray<Predicates.Predicate<KubeObject>>,
  keysOf: (object: KubeObject) => Iterable<string>,
  enqueue: (key: string, priority: Priority) => void,
  options: { readonly resyncBypassesPredicates: boolean; readonly onDelete?: (object: KubeObject) => void }
): Handler<KubeObject> => {
  // One add per key per event: the queue hands a key to a waiting worker at once, so a second
  // add of it in the same event would mark it dirty and reconcile it twice.
  const push = (objects: ReadonlyArray<KubeObject>, priority: Priority) => {
    const keys = new Set<string>()
    for (const object of objects) for (const key of keysOf(object)) keys.add(key)
    for (const key of keys) enqueue(key, priority)
  }
  return {
    onAdd: (object, isInitialList) =>
      Effect.sync(() => {
        if (Predicates.passesAll(predicates, { _tag: "Create", object, isInInitialList: isInitialList })) {
          push([object], isInitialList ? "Low" : "Normal")
        }
      }),
    onUpdate: (oldObject, newObject, isSync) =>
      Effect.sync(() => {
        if (
          (isSync && options.resyncBypassesPredicates) ||
          Predicates.passesAll(predicates, { _tag: "Update", oldObject, newObject })
        ) {
          const priority: Priority = isSync ? "Low" : "Normal"
          push(oldObject === newObject ? [newObject] : [oldObject, newObject], priority)
        }
      }),
    onDelete: (object, deleteStateUnknown) =>
      Effect.sync(() => {
        options.onDelete?.(object)
        if (Predicates.passesAll(predicates, { _tag: "Delete", object, deleteStateUnknown })) push([object], "Normal")
      })
  }
}

type Outcome =
  | { readonly _tag: "Done" }
  | { readonly _tag: "RequeueAfter"; readonly delay: Duration.Duration }
  | { readonly _tag: "Requeue" }
  | { readonly _tag: "Error"; readonly cause: Cause.Cause<unknown> }
  | { readonly _tag: "Terminal"; readonly cause: Cause.Cause<unknown> }
  | { readonly _tag: "Panic"; readonly cause: Cause.Cause<unknown> }
  | { readonly _tag: "Timeout" }

const resultOf = (outcome: Outcome): Metrics.Result => {
  switch (outcome._tag) {
    case "Done":
      return "success"
    case "RequeueAfter":
      return "requeue_after"
    case "Requeue":
      return "requeue"
    default:
      return "error"
  }
}

/** @internal */
export const start = <A extends KubeObject, E, R>(
  controller: Controller<A, E, R>
): Effect.Effect<Running, StartError, R | InformerFactory | Scope.Scope> =>
  Effect.gen(function* () {
    yield* validate(controller)
    yield* claim(controller.name)
    const name = controller.name
    const factory = yield* InformerFactory
    const metrics = Metrics.make(name, controller.concurrency)
    const queue = yield* WorkQueue.make({
      name,
      controller: name,
      ...(controller.rateLimiter !== undefined ? { rateLimiter: controller.rateLimiter } : {})
    })
    const decoder = Decoder.make(controller.for)
    const forResource = Resource.untyped(controller.for)
    const informerOptions = (source: SourceOptions | undefined): InformerOptions => ({
      namespace: source?.namespace ?? controller.namespace,
      labelSelector: source?.labelSelector,
      fieldSelector: source?.fieldSelector,
      metadataOnly: source?.metadataOnly
    })

    const caches = new Map<string, Store<KubeObject>>()
    const informers: Array<SharedInformer<KubeObject>> = []
    const registrations: Array<Registration> = []
    const enqueue = (key: string, priority: Priority) => queue.unsafeAdd(key, priority)
    const register = (informer: SharedInformer<KubeObject>, handler: Handler<KubeObject>, options: HandlerOptions) =>
      Effect.map(informer.addHandler(handler, options), (registration) => {
        registrations.push(registration)
      })
    const remember = (resource: Resource.Any, informer: SharedInformer<KubeObject>) => {
      informers.push(informer)
      const gvk = Resource.gvk(resource)
      if (!caches.has(gvk)) caches.set(gvk, informer.store)
    }

    // for: the object's own key.
    const primary = yield* factory.informer(forResource, {
      namespace: controller.namespace,
      labelSelector: controller.labelSelector,
      ...(controller.indexers !== undefined ? { indexers: controller.indexers } : {})
    })
    remember(controller.for, primary)
    yield* register(
      primary,
      sourceHandler(controller.predicates, (object) => [ObjectKey.key(object)], enqueue, {
        resyncBypassesPredicates: true,
        onDelete: decoder.forget
      }),
      {
        name: `${name}/for`,
        ...(controller.resyncPeriod !== undefined ? { resyncPeriod: controller.resyncPeriod } : {})
      }
    )

    // owns: the key of the controller owner reference of the `for` kind (group + kind, any version).
    const forGroup = controller.for.group
    const forKind = controller.for.kind
    const forClusterScoped = controller.for.scope === "Cluster"
    const ownerKey = (object: KubeObject): Array<string> => {
      const refs = object.metadata.ownerReferences
      if (refs === undefined) return []
      for (const ref of refs) {
        if (ref.controller !== true) continue
        if (ref.kind !== forKind || groupOf(ref.apiVersion) !== forGroup) return []
        if (forClusterScoped) return [ref.name]
        const namespace = object.metadata.namespace
        // A namespaced owner lives in its dependent's namespace; a cluster-scoped object cannot have one.
        return namespace ? [ObjectKey.key({ namespace, name: ref.name })] : []
      }
      return []
    }
    for (const source of controller.owns) {
      const informer = yield* factory.informer(Resource.untyped(source.resource), informerOptions(source.options))
      remember(source.resource, informer)
      yield* register(
        informer,
        sourceHandler(source.options.predicates ?? [], ownerKey, enqueue, { resyncBypassesPredicates: false }),
        { name: `${name}/owns/${source.resource.kind}` }
      )
    }

    // watches: the map function's keys.
    const mapContext = { primary: primary.store }
    const mapKeys =
      (map: MapFunction) =>
      (object: KubeObject): Array<string> => {
        const keys: Array<string> = []
        for (const k of map(object, mapContext)) keys.push(typeof k === "string" ? k : ObjectKey.key(k))
        return keys
      }
    for (const source of controller.watches) {
      const informer = yield* factory.informer(Resource.untyped(source.resource), informerOptions(source.options))
      remember(source.resource, informer)
      yield* register(
        informer,
        sourceHandler(source.options.predicates ?? [], mapKeys(source.map), enqueue, {
          resyncBypassesPredicates: false
        }),
        { name: `${name}/watches/${source.resource.kind}` }
      )
    }

    const cache = (resource: Resource.Any) => caches.get(Resource.gvk(resource))

    yield* Effect.logDebug("waiting for caches to sync").pipe(Effect.annotateLogs({ controller: name }))
    yield* factory.waitForCacheSync(informers, controller.cacheSyncTimeout)
    yield* Effect.forEach(registrations, (r) => r.awaitSynced, { discard: true })

    const reportDecodeFailure = (raw: KubeObject, error: DecodeError) =>
      Effect.zipRight(
        Effect.logWarning(
          `${controller.for.kind} does not decode; it is not reconciled until it changes`,
          error.message
        ),
        EventRecorder.record(ObjectKey.refOf(controller.for, raw), {
          type: "Warning",
          reason: "DecodeFailed",
          action: "Reconcile",
          note: error.message
        })
      )

    const body = (context: ReconcileContext): Effect.Effect<Action.Action, E | DecodeError, R> =>
      Effect.suspend((): Effect.Effect<Action.Action, E | DecodeError, R> => {
        const raw = primary.store.get(context.key)
        if (raw === undefined) return controller.onGone ? controller.onGone(context) : Effect.succeed(Action.done)
        const decoded = decoder.decodeFresh(raw)
        if (Either.isLeft(decoded.result)) {
          const error = decoded.result.left
          return decoded.fresh
            ? Effect.zipRight(reportDecodeFailure(raw, error), Effect.fail(error))
            : Effect.fail(error)
        }
        return controller.reconcile(decoded.result.right, context)
      })

    const timeoutMillis = Duration.toMillis(controller.reconcileTimeout)
    const timed = (effect: Effect.Effect<Action.Action, E | DecodeError, R>) =>
      Number.isFinite(timeoutMillis) ? Effect.timeoutOption(effect, controller.reconcileTimeout) : Effect.asSome(effect)

    const classify = (
      exit: Exit.Exit<Option.Option<Action.Action>, E | DecodeError>,
      shuttingDown: boolean
    ): Outcome | undefined => {
      if (Exit.isSuccess(exit)) {
        if (Option.isNone(exit.value)) return { _tag: "Timeout" }
        return exit.value.value
      }
      const cause = exit.cause
      // Interrupted by the shutdown: nothing was decided. An interruption the reconcile caused
      // itself while the queue runs is a bug in it: treated like a defect, so it cannot spin.
      if (Cause.isInterruptedOnly(cause)) return shuttingDown ? undefined : { _tag: "Panic", cause }
      const failure = Cause.failureOption(cause)
      if (Option.isSome(failure)) {
        return Action.isTerminalError(failure.value) ? { _tag: "Terminal", cause } : { _tag: "Error", cause }
      }
      return { _tag: "Panic", cause }
    }

    const settle = (key: string, outcome: Outcome): Effect.Effect<void> => {
      switch (outcome._tag) {
        case "Done":
          return Effect.zipRight(queue.forget(key), Effect.logDebug("reconciled"))
        case "RequeueAfter":
          return Effect.zipRight(
            Effect.zipRight(queue.forget(key), queue.addAfter(key, outcome.delay)),
            Effect.logDebug(`reconciled; requeue after ${Duration.format(outcome.delay)}`)
          )
        case "Requeue":
          return Effect.zipRight(queue.addRateLimited(key), Effect.logDebug("reconciled; requeue with backoff"))
        case "Error":
          metrics.error()
          return Effect.zipRight(queue.addRateLimited(key), Effect.logError("Reconciler error", outcome.cause))
        case "Terminal":
          metrics.error()
          metrics.terminal()
          return Effect.zipRight(
            queue.forget(key),
            Effect.logError("Reconciler error (terminal: not requeued)", outcome.cause)
          )
        case "Panic":
          metrics.error()
          metrics.panic()
          return Effect.zipRight(
            queue.addRateLimited(key),
            Effect.logError("Observed a defect in the reconciler (recovered)", outcome.cause)
          )
        case "Timeout":
          metrics.error()
          metrics.timeout()
          return Effect.zipRight(
            queue.addRateLimited(key),
            Effect.logError(`Reconcile timed out after ${Duration.format(controller.reconcileTimeout)}`)
          )
      }
    }

    const processKey = (key: string): Effect.Effect<void, never, R> =>
      Effect.suspend(() => {
        const reconcileID = randomUUID()
        const { namespace, name: objectName } = splitKey(key)
        return Effect.gen(function* () {
          const started = yield* Clock.currentTimeMillis
          const retries = yield* queue.numRequeues(key)
          const context: ReconcileContext = {
            controller: name,
            key,
            namespace,
            name: objectName,
            reconcileID,
            retries,
            cache
          }
          metrics.workerDelta(1)
          const exit = yield* Effect.exit(timed(body(context))).pipe(
            Effect.ensuring(Effect.sync(() => metrics.workerDelta(-1)))
          )
          const outcome = classify(exit, yield* queue.isShuttingDown)
          // Interrupted by the shutdown: the queue takes the key back.
          if (outcome === undefined) return yield* Effect.interrupt
          const finished = yield* Clock.currentTimeMillis
          const result = resultOf(outcome)
          metrics.reconciled(result, (finished - started) / 1000)
          yield* Effect.annotateCurrentSpan("result", result)
          yield* settle(key, outcome)
        }).pipe(
          Effect.annotateLogs({ controller: name, namespace: namespace ?? "", name: objectName, reconcileID }),
          Effect.withSpan("reconcile", {
            kind: "internal",
            attributes: { controller: name, key, namespace: namespace ?? "", name: objectName, reconcileID }
          })
        )
      })

    const worker = WorkQueue.runWorker(queue, processKey)
    const workers = yield* Effect.forkScoped(
      Effect.forEach(Array.from({ length: controller.concurrency }), () => worker, {
        concurrency: "unbounded",
        discard: true
      })
    )
    // Set by `abort`: the graceful drain (a later `shutdown`, the scope finalizer) has nothing
    // left to wait for and must not hold a stop that is meant to be immediate.
    let aborted = false
    const abort = Effect.uninterruptible(
      Effect.suspend(() => {
        if (aborted) return Effect.void
        aborted = true
        // Shutdown first: an interrupted reconcile is then classified as "stopped", not a
        // panic, and its key is handed back instead of being requeued.
        return Effect.zipRight(queue.shutdown, Fiber.interrupt(workers)).pipe(
          Effect.zipRight(Effect.logInfo("controller aborted: in-flight reconciles interrupted")),
          Effect.asVoid
        )
      })
    ).pipe(Effect.annotateLogs({ controller: name }))
    const drain = Effect.flatMap(queue.shutdownWithDrain(controller.gracefulShutdownTimeout), (drained) =>
      drained
        ? Effect.as(Effect.logDebug("controller stopped: in-flight reconciles finished"), true)
        : Effect.as(
            Effect.logWarning(
              `graceful shutdown timed out after ${Duration.format(controller.gracefulShutdownTimeout)}; interrupting in-flight reconciles`
            ),
            false
          )
    ).pipe(Effect.annotateLogs({ controller: name }))
    const shutdown = Effect.suspend(() => (aborted ? Effect.succeed(false) : drain))
    // Runs before the workers are interrupted and the informers released (finalizers run in
    // reverse order): intake stops, in-flight reconciles finish, then everything else stops.
    yield* Effect.addFinalizer(() => shutdown)
    yield* Effect.logInfo(`controller started (${controller.concurrency} workers)`).pipe(
      Effect.annotateLogs({ controller: name })
    )
    return { name, queue, primary: primary.store, cache, shutdown, abort }
  })
