/**
 * Helpers of the informer end-to-end tests: bulk object creation against a real apiserver,
 * idempotent writes that ride out an apiserver restart, and bounded polling for "the cache
 * equals the server".
 */
import type { Api } from "@effect-kube/client/Api"
import { KubeApi } from "@effect-kube/client/KubeApi"
import type { KubeError } from "@effect-kube/core/Errors"
import * as Kinds from "@effect-kube/core/Kinds"
import type { KubeObject } from "@effect-kube/core/Meta"
import * as Patch from "@effect-kube/core/Patch"
import * as Resource from "@effect-kube/core/Resource"
import type { SharedInformer } from "@effect-kube/processor/SharedInformer"
import type { WatcherStatus } from "@effect-kube/reflector/Watcher"
import * as Store from "@effect-kube/store/Store"
import * as Chunk from "effect/Chunk"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"

/**
 * A bounded wait ran out: what was expected and what was last seen.
 *
 * @example
 * awaitConverged(informer, api).pipe(Effect.catchTag("WaitTimeout", (e) => Effect.die(e.message)))
 */
export class WaitTimeout extends Data.TaggedError("WaitTimeout")<{ readonly message: string }> {}

/** Writes in flight when creating objects in bulk: enough to keep the apiserver busy, few enough for a 2-core box. */
export const Concurrency = 32

/**
 * A ConfigMap with one data key.
 *
 * @example
 * configMap("e2e", "cm-0001", "v0")
 */
export const configMap = (namespace: string, name: string, value: string): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace, labels: { "e2e.effect-kube.io/suite": "informer" } },
  data: { value }
})

/**
 * `name-00042`-style names, sortable and unique.
 *
 * @example
 * names("cm", 3) // ["cm-00000", "cm-00001", "cm-00002"]
 */
export const names = (prefix: string, n: number): ReadonlyArray<string> =>
  Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(5, "0")}`)

/**
 * The untyped ConfigMap Api of one namespace (untyped: no Schema decode per object, as
 * informers use it).
 *
 * @example
 * const cms = yield* configMaps("e2e-informer")
 */
export const configMaps = (namespace: string): Effect.Effect<Api<KubeObject>, never, KubeApi> =>
  Effect.map(KubeApi, (kube) => kube.resource(Resource.untyped(Kinds.ConfigMap), { namespace }))

/**
 * Creates a namespace (a fresh one per test: namespaces never finish terminating without a
 * controller-manager, so they are not deleted).
 *
 * @example
 * yield* createNamespace("e2e-informer-restart")
 */
export const createNamespace = (name: string): Effect.Effect<void, KubeError, KubeApi> =>
  Effect.flatMap(KubeApi, (kube) =>
    kube
      .resource(Resource.untyped(Kinds.Namespace))
      .create({ apiVersion: "v1", kind: "Namespace", metadata: { name } })
      .pipe(Effect.asVoid)
  )

/**
 * Creates `objects` with {@link Concurrency} requests in flight; returns `key → resourceVersion`
 * of what the server answered.
 *
 * @example
 * const created = yield* createAll(cms, names("cm", 2000).map((n) => configMap("ns", n, "v0")))
 */
export const createAll = (
  api: Api<KubeObject>,
  objects: ReadonlyArray<KubeObject>
): Effect.Effect<ReadonlyMap<string, string>, KubeError> =>
  Effect.map(
    Effect.forEach(objects, (object) => api.create(object), { concurrency: Concurrency }),
    (created) => new Map(created.map((o) => [Store.keyOf(o), o.metadata.resourceVersion ?? ""]))
  )

/** The errors a write may meet while the apiserver restarts: refused connections, 503s, timeouts. */
const retryWhileDown = <A>(effect: Effect.Effect<A, KubeError>, what: string): Effect.Effect<A, KubeError> =>
  effect.pipe(
    Effect.tapError((e) => Effect.logDebug(`${what}: ${e._tag}, retrying`)),
    Effect.retry(Schedule.spaced("250 millis").pipe(Schedule.upTo("2 minutes")))
  )

/**
 * Sets the data value of a ConfigMap (a merge patch: idempotent, so a retry after a lost
 * response is harmless), retrying through an apiserver outage.
 *
 * @example
 * yield* setValue(cms, "cm-00001", "v1")
 */
export const setValue = (api: Api<KubeObject>, name: string, value: string): Effect.Effect<void, KubeError> =>
  retryWhileDown(api.patch(name, Patch.merge({ data: { value } })), `patch ${name}`).pipe(Effect.asVoid)

/**
 * Deletes a ConfigMap, retrying through an apiserver outage; `NotFound` (a retry of a delete
 * whose response was lost) counts as done.
 *
 * @example
 * yield* remove(cms, "cm-00001")
 */
export const remove = (api: Api<KubeObject>, name: string): Effect.Effect<void, KubeError> =>
  retryWhileDown(
    api.delete(name).pipe(
      Effect.asVoid,
      Effect.catchTag("NotFound", () => Effect.void)
    ),
    `delete ${name}`
  )

/**
 * Creates a ConfigMap, retrying through an apiserver outage; `AlreadyExists` (a retry of a create
 * whose response was lost) counts as done.
 *
 * @example
 * yield* add(cms, configMap("ns", "late-1", "v0"))
 */
export const add = (api: Api<KubeObject>, object: KubeObject): Effect.Effect<void, KubeError> =>
  retryWhileDown(
    api.create(object).pipe(
      Effect.asVoid,
      Effect.catchTag("AlreadyExists", () => Effect.void)
    ),
    `create ${object.metadata.name ?? ""}`
  )

/**
 * `key → resourceVersion` of a fresh (consistent) list of the Api's namespace.
 *
 * @example
 * const server = yield* serverState(cms)
 */
export const serverState = (api: Api<KubeObject>): Effect.Effect<ReadonlyMap<string, string>, KubeError> =>
  Effect.map(
    Stream.runCollect(api.listAll()),
    (items) => new Map(Chunk.toReadonlyArray(items).map((o) => [Store.keyOf(o), o.metadata.resourceVersion ?? ""]))
  )

/**
 * `key → resourceVersion` of an informer's cache.
 *
 * @example
 * const cached = cacheState(informer)
 */
export const cacheState = (informer: SharedInformer<KubeObject>): ReadonlyMap<string, string> =>
  new Map(informer.store.list().map((o) => [Store.keyOf(o), o.metadata.resourceVersion ?? ""]))

/**
 * What differs between two `key → resourceVersion` maps (empty when equal), for assertion
 * messages that say more than "not equal".
 *
 * @example
 * diff(cacheState(informer), yield* serverState(cms)) // { missing: [...], extra: [...], stale: [...] }
 */
export const diff = (
  cache: ReadonlyMap<string, string>,
  server: ReadonlyMap<string, string>
): {
  readonly missing: ReadonlyArray<string>
  readonly extra: ReadonlyArray<string>
  readonly stale: ReadonlyArray<string>
} => ({
  missing: [...server.keys()].filter((k) => !cache.has(k)),
  extra: [...cache.keys()].filter((k) => !server.has(k)),
  stale: [...server].filter(([k, rv]) => cache.has(k) && cache.get(k) !== rv).map(([k]) => k)
})

const summary = (d: ReturnType<typeof diff>): string =>
  `${d.missing.length} missing (${d.missing.slice(0, 3).join(", ")}), ${d.extra.length} extra (${d.extra
    .slice(0, 3)
    .join(", ")}), ${d.stale.length} stale (${d.stale.slice(0, 3).join(", ")})`

/**
 * Polls until the informer's cache (keys and resourceVersions) equals a fresh list of the
 * server, failing with {@link WaitTimeout} (naming the difference) after `timeout`. Returns the
 * converged state. Polling, not sleeping: it returns as soon as the two agree.
 *
 * @example
 * const state = yield* awaitConverged(informer, cms, "60 seconds")
 */
export const awaitConverged = (
  informer: SharedInformer<KubeObject>,
  api: Api<KubeObject>,
  timeout: Duration.DurationInput = "60 seconds"
): Effect.Effect<ReadonlyMap<string, string>, KubeError | WaitTimeout> => {
  let last = "never compared"
  const attempt = Effect.gen(function* () {
    const server = yield* serverState(api)
    const d = diff(cacheState(informer), server)
    if (d.missing.length + d.extra.length + d.stale.length === 0) return server
    last = summary(d)
    return yield* new WaitTimeout({ message: last })
  })
  return attempt.pipe(
    // Transient list failures (an apiserver coming back) are retried like a difference.
    Effect.retry(Schedule.spaced("250 millis")),
    Effect.timeoutFail({
      duration: timeout,
      onTimeout: () =>
        new WaitTimeout({
          message: `cache of ${informer.target.kind} in ${informer.target.namespace ?? "all namespaces"} did not converge within ${Duration.format(Duration.decode(timeout))}: ${last}`
        })
    })
  )
}

/**
 * Waits (bounded) until the informer's watcher status satisfies `predicate`; returns that status.
 *
 * @example
 * yield* awaitStatus(informer, (s) => s.relists >= 1, "60 seconds", "a relist")
 */
export const awaitStatus = (
  informer: SharedInformer<KubeObject>,
  predicate: (status: WatcherStatus) => boolean,
  timeout: Duration.DurationInput,
  what: string
): Effect.Effect<WatcherStatus, WaitTimeout> =>
  informer.statusChanges.pipe(
    Stream.filter(predicate),
    Stream.runHead,
    Effect.flatten,
    Effect.timeoutFail({
      duration: timeout,
      onTimeout: () =>
        new WaitTimeout({ message: `${what}: not seen within ${Duration.format(Duration.decode(timeout))}` })
    }),
    Effect.catchTag("NoSuchElementException", () =>
      Effect.fail(new WaitTimeout({ message: `${what}: the status stream ended` }))
    )
  )
