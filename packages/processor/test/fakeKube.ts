/**
 * A small in-memory apiserver for one kind behind a `KubeApiService`: list (one page, optionally
 * exactly at a resourceVersion), watch from a resourceVersion (history replay, then live), the
 * metadata-only variants, request counters and faults (close watches, compaction → 410, failing
 * lists).
 */
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type { Api, ListOptions, ObjectList, WatchOptions } from "@effect-kube/client/Api"
import type { KubeApiService } from "@effect-kube/client/KubeApi"
import { fromStatus, type KubeError } from "@effect-kube/core/Errors"
import type { KubeObject, PartialObjectMetadata } from "@effect-kube/core/Meta"
import * as Resource from "@effect-kube/core/Resource"
import type { WatchEvent } from "@effect-kube/core/WatchEvent"

export const ConfigMaps = Resource.unstructured({
  group: "",
  version: "v1",
  kind: "ConfigMap",
  plural: "configmaps",
  scope: "Namespaced"
})

type Frame =
  | { readonly _tag: "Event"; readonly event: WatchEvent<KubeObject> }
  | { readonly _tag: "End" }
  | {
      readonly _tag: "Fail"
      readonly error: KubeError
    }

interface HistoryEntry {
  readonly rv: number
  readonly event: WatchEvent<KubeObject>
}

const keyOf = (o: KubeObject) => `${o.metadata.namespace ?? ""}/${o.metadata.name ?? ""}`
const gone = () => fromStatus(410, { reason: "Expired", message: "too old resource version" })

export interface FakeKube {
  readonly kube: KubeApiService
  readonly counts: { list: number; watch: number; metadataList: number; metadataWatch: number }
  readonly activeWatches: () => number
  readonly objects: () => ReadonlyArray<KubeObject>
  readonly upsert: (name: string, namespace?: string, data?: string) => Effect.Effect<KubeObject>
  readonly remove: (name: string, namespace?: string) => Effect.Effect<boolean>
  /** Ends every open watch (a server timeout / dropped connection). */
  readonly closeWatches: Effect.Effect<void>
  /** Forgets history: watches and exact lists from older versions get 410; open watches get 410. */
  readonly compact: Effect.Effect<void>
  /** The next `n` lists fail with a 500. */
  readonly failNextLists: (n: number) => Effect.Effect<void>
}

export const makeFakeKube = (): FakeKube => {
  const state = new Map<string, KubeObject>()
  const history: Array<HistoryEntry> = []
  const watchers = new Set<{ readonly namespace: string | undefined; readonly queue: Queue.Queue<Frame> }>()
  const counts = { list: 0, watch: 0, metadataList: 0, metadataWatch: 0 }
  let rv = 1
  let compactedBelow = 0
  let failLists = 0

  const inNamespace = (namespace: string | undefined) => (o: KubeObject) =>
    namespace === undefined || o.metadata.namespace === namespace

  const publish = (event: WatchEvent<KubeObject>) => {
    history.push({ rv, event })
    for (const watcher of watchers) {
      if (inNamespace(watcher.namespace)(event.object)) watcher.queue.unsafeOffer({ _tag: "Event", event })
    }
  }

  const stateAt = (at: number): Map<string, KubeObject> => {
    const out = new Map<string, KubeObject>()
    for (const entry of history) {
      if (entry.rv > at) break
      if (entry.event.type === "DELETED") out.delete(keyOf(entry.event.object))
      else out.set(keyOf(entry.event.object), entry.event.object)
    }
    return out
  }

  const list = (
    namespace: string | undefined,
    options: ListOptions
  ): Effect.Effect<ObjectList<KubeObject>, KubeError> =>
    Effect.suspend(() => {
      if (failLists > 0) {
        failLists--
        return Effect.fail(fromStatus(500, { reason: "InternalError", message: "injected" }))
      }
      const ns = options.namespace ?? namespace
      if (options.resourceVersionMatch === "Exact" && options.resourceVersion !== undefined) {
        const at = Number(options.resourceVersion)
        if (at < compactedBelow) return Effect.fail(gone())
        const items = [...stateAt(at).values()].filter(inNamespace(ns))
        return Effect.succeed({ metadata: { resourceVersion: options.resourceVersion }, items })
      }
      const items = [...state.values()].filter(inNamespace(ns))
      return Effect.succeed({ metadata: { resourceVersion: String(rv) }, items })
    })

  const watch = (
    namespace: string | undefined,
    options: WatchOptions
  ): Stream.Stream<WatchEvent<KubeObject>, KubeError> =>
    Stream.unwrapScoped(
      Effect.gen(function* () {
        const ns = options.namespace ?? namespace
        const from = Number(options.resourceVersion ?? "0")
        if (from < compactedBelow) return Stream.fail(gone())
        const queue = yield* Queue.unbounded<Frame>()
        const watcher = { namespace: ns, queue }
        yield* Effect.acquireRelease(
          Effect.sync(() => {
            for (const entry of history) {
              if (entry.rv > from && inNamespace(ns)(entry.event.object)) {
                queue.unsafeOffer({ _tag: "Event", event: entry.event })
              }
            }
            watchers.add(watcher)
          }),
          () => Effect.sync(() => watchers.delete(watcher))
        )
        return Stream.fromQueue(queue).pipe(
          Stream.takeWhile((frame) => frame._tag !== "End"),
          Stream.mapEffect(
            (frame): Effect.Effect<WatchEvent<KubeObject>, KubeError> =>
              frame._tag === "Event"
                ? Effect.succeed(frame.event)
                : frame._tag === "Fail"
                  ? Effect.fail(frame.error)
                  : Effect.dieMessage("unreachable")
          )
        )
      })
    )

  const toMeta = (o: KubeObject): PartialObjectMetadata => ({
    apiVersion: "meta.k8s.io/v1",
    kind: "PartialObjectMetadata",
    metadata: o.metadata
  })

  const unsupported = (verb: string) => () => Effect.dieMessage(`fake kube: ${verb} is not supported`)

  // Objects go through the kind's own decode, like the real client's responses do.
  const makeApi = <A extends KubeObject, I>(
    resource: Resource.Resource<A, I>,
    namespace: string | undefined
  ): Api<A> => {
    const decodePage = (page: ObjectList<KubeObject>): Effect.Effect<ObjectList<A>, KubeError> =>
      Effect.map(
        Effect.forEach(page.items, (item) => resource.decode(item)),
        (items) => ({ ...page, items })
      )
    const decodeEvent = (event: WatchEvent<KubeObject>): Effect.Effect<WatchEvent<A>, KubeError> => {
      switch (event.type) {
        case "BOOKMARK":
          return Effect.succeed(event)
        case "ADDED":
        case "MODIFIED":
        case "DELETED": {
          const type = event.type
          return Effect.map(resource.decode(event.object), (object) => ({ type, object }))
        }
      }
    }
    const typedList = (options: ListOptions) => Effect.flatMap(list(namespace, options), decodePage)
    return {
      resource: { ...resource, schema: Schema.compose(Schema.Unknown, resource.schema, { strict: false }) },
      namespace,
      get: unsupported("get"),
      list: (options = {}) => {
        counts.list++
        return typedList(options)
      },
      listPages: (options = {}) => Stream.fromEffect(typedList(options)),
      listAll: (options = {}) =>
        Stream.flatMap(Stream.fromEffect(typedList(options)), (page) => Stream.fromIterable(page.items)),
      watch: (options = {}) => {
        counts.watch++
        return Stream.mapEffect(watch(namespace, options), decodeEvent)
      },
      create: unsupported("create"),
      replace: unsupported("replace"),
      patch: unsupported("patch"),
      apply: unsupported("apply"),
      delete: unsupported("delete"),
      deleteCollection: unsupported("deleteCollection"),
      status: {
        get: unsupported("status.get"),
        replace: unsupported("status.replace"),
        patch: unsupported("status.patch"),
        apply: unsupported("status.apply")
      },
      metadata: {
        list: (options = {}) => {
          counts.metadataList++
          return Effect.map(list(namespace, options), (page) => ({ ...page, items: page.items.map(toMeta) }))
        },
        listPages: (options = {}) =>
          Stream.fromEffect(
            Effect.map(list(namespace, options), (page) => ({ ...page, items: page.items.map(toMeta) }))
          ),
        watch: (options = {}) => {
          counts.metadataWatch++
          return Stream.map(watch(namespace, options), (event): WatchEvent<PartialObjectMetadata> => {
            switch (event.type) {
              case "BOOKMARK":
                return event
              default:
                return { type: event.type, object: toMeta(event.object) }
            }
          })
        }
      }
    }
  }

  const endAll = (frame: Frame) =>
    Effect.sync(() => {
      for (const watcher of watchers) watcher.queue.unsafeOffer(frame)
    })

  return {
    kube: {
      resource: (resource, options) => makeApi(resource, options?.namespace),
      request: () => Effect.dieMessage("fake kube: raw requests are not supported")
    },
    counts,
    activeWatches: () => watchers.size,
    objects: () => [...state.values()],
    upsert: (name, namespace = "default", data = "") =>
      Effect.sync(() => {
        rv++
        const key = `${namespace}/${name}`
        const existed = state.has(key)
        const object: KubeObject = {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name, namespace, resourceVersion: String(rv), managedFields: [{ manager: "test" }] },
          data: { v: data }
        }
        state.set(key, object)
        publish({ type: existed ? "MODIFIED" : "ADDED", object })
        return object
      }),
    remove: (name, namespace = "default") =>
      Effect.sync(() => {
        const key = `${namespace}/${name}`
        const old = state.get(key)
        if (old === undefined) return false
        rv++
        state.delete(key)
        publish({ type: "DELETED", object: { ...old, metadata: { ...old.metadata, resourceVersion: String(rv) } } })
        return true
      }),
    closeWatches: endAll({ _tag: "End" }),
    compact: Effect.zipRight(
      Effect.sync(() => {
        compactedBelow = rv
      }),
      endAll({ _tag: "Fail", error: gone() })
    ),
    failNextLists: (n) =>
      Effect.sync(() => {
        failLists = n
      })
  }
}
