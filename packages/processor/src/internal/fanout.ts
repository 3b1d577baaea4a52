import type * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Metric from "effect/Metric"
import * as MetricLabel from "effect/MetricLabel"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { KubeObject } from "@effect-kube/core/Meta"
import * as Store from "@effect-kube/store/Store"
import type { Handler, HandlerOptions, Registration, RegistrationStats } from "../SharedInformer.js"
import * as metrics from "./metrics.js"

/**
 * One consumer of the published Changes. `push` and `markSynced` are called synchronously by the
 * publishing writer, so a subscriber sees exactly the sequence of writes after its snapshot.
 */
interface Subscriber<A> {
  /** Whether resourceVersion-unchanged updates (relist replays) are delivered. */
  readonly wantsSync: boolean
  syncedSent: boolean
  readonly push: (change: Store.Change<A>) => void
  readonly markSynced: () => void
}

type Item<A> =
  | Store.Change<A>
  | { readonly _tag: "Synced" }
  | { readonly _tag: "Resync"; readonly objects: ReadonlyArray<A> }

const syncedItem = { _tag: "Synced" } as const

/** The smallest resync period: client-go's minimumResyncPeriod. */
export const minResyncPeriod = Duration.seconds(1)

/** Objects are logged by key, never by content (they may hold secrets). */
const describe = (object: KubeObject): string => Store.keyOf(object)

/** @internal */
export interface FanOut<A extends KubeObject> {
  /** The writer the reflector drives: every write is published before it returns. */
  readonly writer: Store.Writer<A>
  readonly addHandler: <R = never>(
    handler: Handler<A, R>,
    options?: HandlerOptions
  ) => Effect.Effect<Registration, never, Scope.Scope | R>
  readonly changes: Stream.Stream<Store.Change<A>>
  readonly subscriberCount: () => number
}

/**
 * The single-writer fan-out: the reflector's writes and the publication of their Changes to
 * every subscriber happen in one synchronous step, and so does a late subscriber's snapshot plus
 * its insertion into the subscriber set. No fiber can run in between either, so a late
 * subscriber sees the snapshot and then exactly the writes after it: no gap, no duplicate.
 *
 * @internal
 */
export const make = <A extends KubeObject>(kind: string, inner: Store.Writer<A>): FanOut<A> => {
  const store = inner.store
  const subscribers = new Set<Subscriber<A>>()
  let handlerSeq = 0

  const publish = (change: Store.Change<A>): void => {
    const sync = Store.isResync(change)
    for (const subscriber of subscribers) {
      if (sync && !subscriber.wantsSync) continue
      subscriber.push(change)
    }
  }

  const markSynced = (): void => {
    for (const subscriber of subscribers) {
      if (subscriber.syncedSent) continue
      subscriber.syncedSent = true
      subscriber.markSynced()
    }
  }

  const writer: Store.Writer<A> = {
    store,
    beginRelist: inner.beginRelist,
    relistApply: inner.relistApply,
    commitRelist: (resourceVersion) => {
      const changes = inner.commitRelist(resourceVersion)
      for (const change of changes) publish(change)
      markSynced()
      return changes
    },
    apply: (object) => {
      const change = inner.apply(object)
      publish(change)
      return change
    },
    delete: (object) => {
      const change = inner.delete(object)
      if (change !== undefined) publish(change)
      return change
    }
  }

  const subscribe = (subscriber: Subscriber<A>): Effect.Effect<void, never, Scope.Scope> =>
    Effect.acquireRelease(
      Effect.sync(() => {
        if (store.isSynced()) {
          for (const object of store.list()) subscriber.push({ _tag: "Added", object, isInitialList: true })
          subscriber.syncedSent = true
          subscriber.markSynced()
        }
        subscribers.add(subscriber)
      }),
      () => Effect.sync(() => subscribers.delete(subscriber))
    )

  const addHandler = <R = never>(
    handler: Handler<A, R>,
    options?: HandlerOptions
  ): Effect.Effect<Registration, never, Scope.Scope | R> =>
    Effect.gen(function* () {
      handlerSeq++
      const name = options?.name ?? `handler-${handlerSeq}`
      const labels = [MetricLabel.make("kind", kind), MetricLabel.make("handler", name)]
      const eventsCounter = Metric.taggedWithLabels(metrics.handlerEvents, labels)
      const errorsCounter = Metric.taggedWithLabels(metrics.handlerErrors, labels)
      const highWaterGauge = Metric.taggedWithLabels(metrics.bufferHighWater, labels)
      const depthGauge = Metric.taggedWithLabels(metrics.bufferDepth, labels)
      const resyncPeriod =
        options?.resyncPeriod === undefined
          ? undefined
          : Duration.max(Duration.decode(options.resyncPeriod), minResyncPeriod)

      const queue = yield* Queue.unbounded<Item<A>>()
      const synced = Deferred.unsafeMake<void>(FiberId.none)
      let pending = 0
      let highWater = 0
      let delivered = 0
      let errors = 0
      let resyncQueued = false
      let hasSynced = false

      const offer = (item: Item<A>): void => {
        queue.unsafeOffer(item)
        pending++
        // Metric updates cost a registry lookup: only on a new high-water mark here (rare); the
        // handler fiber refreshes the depth after every batch.
        if (pending > highWater) {
          highWater = pending
          highWaterGauge.unsafeUpdate(highWater, [])
          depthGauge.unsafeUpdate(pending, [])
        }
      }

      const logFailure = (event: string, object: A, cause: Cause.Cause<unknown>): Effect.Effect<void> => {
        errors++
        errorsCounter.unsafeUpdate(1, [])
        return Effect.logError(`informer handler ${event} failed; the handler keeps receiving events`, cause).pipe(
          Effect.annotateLogs({ kind, handler: name, event, key: describe(object) })
        )
      }

      const invoke = (
        event: string,
        object: A,
        call: () => Effect.Effect<void, unknown, R>
      ): Effect.Effect<void, never, R> =>
        Effect.catchAllCause(Effect.suspend(call), (cause) => logFailure(event, object, cause))

      /**
       * The handler call of one item, uncaught; `undefined` when there is nothing to run. Resyncs
       * (rare) catch per object themselves, so a failing object does not skip the rest.
       */
      const callOf = (item: Item<A>): Effect.Effect<void, unknown, R> | undefined => {
        switch (item._tag) {
          case "Added":
            return handler.onAdd?.(item.object, item.isInitialList)
          case "Updated":
            return handler.onUpdate?.(item.old, item.object, Store.isResync(item))
          case "Deleted":
            return handler.onDelete?.(item.object, item.finalStateUnknown)
          case "Synced":
            hasSynced = true
            Deferred.unsafeDone(synced, Exit.void)
            return undefined
          case "Resync": {
            resyncQueued = false
            const onUpdate = handler.onUpdate
            if (onUpdate === undefined) return undefined
            return Effect.forEach(
              item.objects,
              (object) => invoke("resync", object, () => onUpdate(object, object, true)),
              { discard: true }
            )
          }
        }
      }

      /** Handler calls an item counts: one per event, one per object of a resync. */
      const callsOf = (item: Item<A>): number => (item._tag === "Resync" ? item.objects.length : 1)

      const eventOf = (item: Store.Change<A>): string =>
        item._tag === "Added" ? "add" : item._tag === "Updated" ? "update" : "delete"

      /**
       * Delivers a batch in order with one error handler for the whole batch rather than one per
       * event: on a failure the failing event is logged and counted, and delivery goes on after it.
       */
      const deliverBatch = (batch: ReadonlyArray<Item<A>>): Effect.Effect<void, never, R> => {
        let index = 0
        let calls = 0
        const finish = Effect.sync(() => {
          delivered += calls
          if (calls > 0) eventsCounter.unsafeUpdate(calls, [])
          depthGauge.unsafeUpdate(pending, [])
        })
        const next = (): Effect.Effect<void, unknown, R> => {
          while (index < batch.length) {
            const item = batch[index]
            // A throwing handler is a failure of its event, like a failing effect.
            const call = callOf(item)
            if (call === undefined) {
              index++
              pending--
              continue
            }
            return Effect.flatMap(call, afterCall)
          }
          return Effect.void
        }
        const afterCall = (): Effect.Effect<void, unknown, R> => {
          calls += callsOf(batch[index])
          index++
          pending--
          return next()
        }
        const run: Effect.Effect<void, never, R> = Effect.catchAllCause(Effect.suspend(next), (cause) => {
          const item = batch[index]
          index++
          pending--
          // Only an event's handler call can fail: Synced runs nothing, a resync catches per object.
          if (item._tag === "Synced" || item._tag === "Resync") return run
          calls++
          return Effect.zipRight(logFailure(eventOf(item), item.object, cause), run)
        })
        return Effect.zipRight(run, finish)
      }

      const loop: Effect.Effect<never, never, R> = Effect.forever(
        Effect.flatMap(Queue.takeBetween(queue, 1, 256), (batch) => deliverBatch(Chunk.toReadonlyArray(batch)))
      )

      yield* Effect.forkScoped(loop)
      yield* Effect.addFinalizer(() => Queue.shutdown(queue))
      yield* subscribe({
        wantsSync: resyncPeriod !== undefined,
        syncedSent: false,
        push: offer,
        markSynced: () => offer(syncedItem)
      })

      if (resyncPeriod !== undefined) {
        // A snapshot taken in one synchronous step is consistent with the handler's queue position;
        // at most one resync waits per handler, so a slow handler's buffer cannot grow by replays.
        const tick = Effect.sync(() => {
          if (resyncQueued || !store.isSynced()) return
          resyncQueued = true
          offer({ _tag: "Resync", objects: store.list() })
        })
        yield* Effect.forkScoped(Effect.forever(Effect.zipRight(Effect.sleep(resyncPeriod), tick)))
      }

      const stats: Effect.Effect<RegistrationStats> = Effect.sync(() => ({ pending, highWater, delivered, errors }))
      const registration: Registration = {
        name,
        hasSynced: Effect.sync(() => hasSynced),
        awaitSynced: Deferred.await(synced),
        stats
      }
      return registration
    })

  const changes: Stream.Stream<Store.Change<A>> = Stream.unwrapScoped(
    Effect.gen(function* () {
      const queue = yield* Queue.unbounded<Store.Change<A>>()
      yield* subscribe({
        wantsSync: true,
        syncedSent: false,
        push: (change) => {
          queue.unsafeOffer(change)
        },
        markSynced: () => {}
      })
      return Stream.fromQueue(queue)
    })
  )

  return { writer, addHandler, changes, subscriberCount: () => subscribers.size }
}
