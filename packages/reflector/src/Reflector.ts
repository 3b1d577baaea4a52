/**
 * `reflect`: applies a watcher's events to a store `Writer` and emits the cache `Change`s they
 * made — the bridge between the list+watch state machine and the informer cache.
 *
 * Guarantees: events are applied in order, one chunk at a time, synchronously (no fiber or
 * Effect per event); a relist becomes visible to store readers only at `InitDone` (the store
 * swaps atomically) and then yields one `Change` per added, updated or vanished key.
 *
 * @since 0.1.0
 */
import * as Chunk from "effect/Chunk"
import * as Stream from "effect/Stream"
import type { Api } from "@effect-kube/client/Api"
import type { KubeObject } from "@effect-kube/core/Meta"
import type { Change, Writer } from "@effect-kube/store/Store"
import { type WatcherEvent, type WatcherOptions, watcher } from "./Watcher.js"

/**
 * Applies one chunk of events to the writer and returns the changes, in order.
 *
 * @example
 * const changes = Reflector.applyEvents(writer, [{ _tag: "Init" }, { _tag: "InitDone", resourceVersion: "1" }])
 * @since 0.1.0
 */
export const applyEvents = <A extends KubeObject>(
  writer: Writer<A>,
  events: Iterable<WatcherEvent<A>>
): Array<Change<A>> => {
  const out: Array<Change<A>> = []
  for (const event of events) {
    switch (event._tag) {
      case "Init":
        writer.beginRelist()
        break
      case "InitApply":
        writer.relistApply(event.object)
        break
      case "InitDone":
        for (const change of writer.commitRelist(event.resourceVersion)) out.push(change)
        break
      case "Apply":
        out.push(writer.apply(event.object))
        break
      case "Delete": {
        const change = writer.delete(event.object)
        if (change !== undefined) out.push(change)
        break
      }
    }
  }
  return out
}

/**
 * Applies each watcher event to `writer` (Init → beginRelist, InitApply → relistApply, InitDone →
 * commitRelist, Apply → apply, Delete → delete) and emits the resulting changes.
 *
 * @example
 * const writer = Store.makeWriter<KubeObject>()
 * const changes = Watcher.watcher(api).pipe(Reflector.reflect(writer))
 * @since 0.1.0
 */
export const reflect =
  <A extends KubeObject>(writer: Writer<A>) =>
  <E, R>(events: Stream.Stream<WatcherEvent<A>, E, R>): Stream.Stream<Change<A>, E, R> =>
    Stream.mapChunks(events, (chunk) => Chunk.unsafeFromArray(applyEvents(writer, chunk)))

/**
 * `watcher(api, options)` reflected into `writer`: keeps the store in sync with the server and
 * emits its changes. Never fails, never ends.
 *
 * @example
 * const writer = Store.makeWriter<KubeObject>()
 * yield* Reflector.reflector(writer, api).pipe(Stream.runDrain, Effect.forkScoped)
 * yield* writer.store.synced
 * @since 0.1.0
 */
export const reflector = <A extends KubeObject>(
  writer: Writer<A>,
  api: Api<A>,
  options?: WatcherOptions
): Stream.Stream<Change<A>> => watcher(api, options).pipe(reflect(writer))
