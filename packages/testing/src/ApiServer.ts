/**
 * An in-memory Kubernetes apiserver with the semantics of kube-apiserver v1.37: resourceVersions,
 * generation, optimistic concurrency, status subresources, finalizers and graceful deletion,
 * consistent paginated lists with selectors, watches with history / 410 / bookmarks / timeouts /
 * streaming lists, CRDs registered at run time with structural pruning and defaulting, and
 * fault injection. Errors are `Status` bodies shaped exactly like the real server's.
 *
 * Its core has the `KubeTransport` shape, so `KubeApi` runs against it unchanged (see
 * `TestKube.layer`); the HTTP mock serves the same state over a socket.
 *
 * Guarantees and caveats:
 * - Requests run one at a time to completion (a write, its history entry and the fan-out to
 *   watchers are atomic); time comes from Effect's `Clock`, so `TestClock` drives timestamps,
 *   bookmarks, watch timeouts and injected latency.
 * - `handle` bodies are fresh copies. Watch event objects are frozen and shared between
 *   watchers (no per-watcher copy): mutating one throws.
 * - Each watcher buffers without bound, so a slow watcher never blocks a writer (the real server
 *   would eventually drop it; the mock stays deterministic).
 * - Built-in kinds get the defaults controllers meet most (pod templates, Deployments,
 *   StatefulSets, DaemonSets, Services, Events) but not every `SetDefaults_*` of kube-apiserver;
 *   unknown top-level fields of built-ins are dropped, nested ones are kept. Validation of
 *   built-ins covers object metadata (with the kube finalizer-name rule), ConfigMap / Secret keys
 *   and `immutable`, and Pod containers (name, image) — not every `Validate*` of kube-apiserver.
 * - No controllers run: no garbage collection (`orphan`/`foregroundDeletion` finalizers stay),
 *   no namespace controller (a deleted namespace stays Terminating until `/finalize` empties
 *   `spec.finalizers`), no kubelet (a scheduled pod with a grace period stays until deleted with
 *   `gracePeriodSeconds: 0`). The CRD controllers are emulated synchronously.
 *
 * @since 0.1.0
 */
import type { KubeRequest, KubeResponse } from "@effect-kube/client/Transport"
import * as Errors from "@effect-kube/core/Errors"
import type { KubeObject } from "@effect-kube/core/Meta"
import type { KindInfo } from "@effect-kube/core/Resource"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { DefaultVersion, type VersionInfo } from "./internal/discovery.js"
import { clone } from "./internal/json.js"
import { fromKindInfo, toKindInfo, versionOf } from "./internal/kinds.js"
import { Server, type Verb } from "./internal/server.js"
import { injected, type StatusFailure, textStatus } from "./internal/status.js"
import { objectKey } from "./internal/store.js"
import { watchStream } from "./internal/watch.js"

/**
 * Options of {@link make}.
 *
 * @example
 * const options: ApiServer.Options = { objects: [configMap], watchHistory: 50, bookmarkInterval: "10 seconds" }
 * @since 0.1.0
 */
export interface Options {
  /** Objects created at start (as a POST would; missing namespaces are created). */
  readonly objects?: ReadonlyArray<unknown>
  /** Extra kinds served at start (e.g. `Resource.custom` definitions) — no CRD object needed. */
  readonly kinds?: ReadonlyArray<KindInfo>
  /**
   * Events kept per resource for watch resumption and consistent `continue` pagination. A watch
   * or continue token older than the history gets 410 Expired. Default 1000.
   */
  readonly watchHistory?: number
  /** Interval of BOOKMARK events on watches that allow them. Default 1 minute (kube-apiserver's). */
  readonly bookmarkInterval?: Duration.DurationInput
  /** fieldManager recorded in managedFields for writes that name none. Default "effect-kube". */
  readonly defaultFieldManager?: string
  /** What `/version` reports. Default v1.37.0. */
  readonly version?: VersionInfo
}

/**
 * Options of {@link Faults.failNext}.
 *
 * @example
 * server.faults.failNext(2, { code: 429, retryAfterSeconds: 1, match: (req) => req.method === "GET" })
 * @since 0.1.0
 */
export interface FailOptions {
  /** HTTP status of the injected failure (429, 500, 503, 504, …). */
  readonly code: number
  /** Sent as `Retry-After` and `details.retryAfterSeconds`. */
  readonly retryAfterSeconds?: number
  /** Only requests matching this fail (and count against `n`); default all. */
  readonly match?: (request: KubeRequest) => boolean
}

/**
 * Fault injection, for testing reflectors, informers and retry policies. Every fault is driven by
 * Effect's Clock where time matters, so `TestClock` controls it.
 *
 * @example
 * const server = yield* ApiServer
 * yield* server.faults.compact       // the informer's next watch gets 410 and relists
 * yield* server.faults.closeWatches  // every open watch ends now
 * @since 0.1.0
 */
export interface Faults {
  /** Ends every open watch stream now (as if the connection closed cleanly). */
  readonly closeWatches: Effect.Effect<void>
  /** Drops all event history: any older resourceVersion now gets 410 Expired. */
  readonly compact: Effect.Effect<void>
  /** The next `n` matching requests (handle or watch) fail with the given status. */
  readonly failNext: (n: number, options: FailOptions) => Effect.Effect<void>
  /** Every request first sleeps this long (Clock-driven). `Duration.zero` turns it off. */
  readonly latency: (duration: Duration.DurationInput) => Effect.Effect<void>
  /** The next `n` updates/patches/applies fail with 409 Conflict (the optimistic-lock message). */
  readonly forceConflict: (n: number) => Effect.Effect<void>
  /** While on, watches are accepted but deliver no frames (not even bookmarks). */
  readonly hangWatches: (hang?: boolean) => Effect.Effect<void>
  /** Clears latency, pending failures, forced conflicts and hanging. */
  readonly reset: Effect.Effect<void>
}

/**
 * Filter of {@link Service.requestCount}.
 *
 * @example
 * const lists = yield* server.requestCount({ verb: "list" })
 * @since 0.1.0
 */
export interface CountFilter {
  readonly verb?: Verb
}

/**
 * The service: the `KubeTransport` shape (`request`/`watch`, plus `handle`) and helpers for
 * seeding, assertions and fault injection.
 *
 * @example
 * const server = yield* ApiServer
 * const res = yield* server.handle({ method: "GET", path: "/api/v1/namespaces/default/configmaps" })
 * @since 0.1.0
 */
export interface Service {
  /** Answers one request; never fails (errors are Status responses). Bodies never alias internal state. */
  readonly handle: (request: KubeRequest) => Effect.Effect<KubeResponse>
  /**
   * `handle` as a client transport sees it (with `watch`, the exact `KubeTransport` shape): a
   * non-JSON error body (the plain-text `404 page not found`) becomes a `Status` carrying the
   * text as its message, like `HttpTransport` does.
   */
  readonly request: (request: KubeRequest) => Effect.Effect<KubeResponse>
  /**
   * A watch: `{ type, object }` frames, `ERROR` frames included; refusals fail the stream with the
   * typed error of the Status. Event objects are frozen and shared between watchers.
   */
  readonly watch: (request: KubeRequest) => Stream.Stream<unknown, Errors.KubeError>
  /** Serves a kind from now on (a no-op for a kind already served in that version). */
  readonly registerKind: (info: KindInfo) => Effect.Effect<void>
  /** Creates (or updates) objects; fails with the apiserver's error for an invalid one. */
  readonly seed: (objects: ReadonlyArray<unknown>) => Effect.Effect<ReadonlyArray<KubeObject>, Errors.StatusError>
  /** Every stored object, by kind then key (copies). */
  readonly snapshot: Effect.Effect<ReadonlyArray<KubeObject>>
  /** The stored objects of one kind (copies), optionally in one namespace, sorted by key. */
  readonly list: (kind: KindInfo, namespace?: string) => Effect.Effect<ReadonlyArray<KubeObject>>
  /** One stored object (a copy). */
  readonly get: (kind: KindInfo, name: string, namespace?: string) => Effect.Effect<Option.Option<KubeObject>>
  /** The current (last committed) resourceVersion. */
  readonly resourceVersion: Effect.Effect<string>
  /** The kinds served, one entry per served version. */
  readonly kinds: Effect.Effect<ReadonlyArray<KindInfo>>
  /** Requests received (all, or of one verb). Discovery requests count as verb "discovery". */
  readonly requestCount: (filter?: CountFilter) => Effect.Effect<number>
  readonly faults: Faults
}

/**
 * The in-memory apiserver service.
 *
 * @example
 * const program = Effect.gen(function* () {
 *   const server = yield* ApiServer
 *   const res = yield* server.handle({ method: "GET", path: "/api/v1/namespaces/default" })
 *   res.status // 200
 * }).pipe(Effect.provide(ApiServer.layer()))
 * @since 0.1.0
 */
export class ApiServer extends Context.Tag("@effect-kube/testing/ApiServer")<ApiServer, Service>() {
  /**
   * A layer with a fresh server; its watches end when the layer's scope closes. An invalid seeded
   * object is a defect (a bug in the test), reported with the apiserver's message.
   *
   * @example
   * const layer = ApiServer.layer({ objects: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a" } }] })
   * @since 0.1.0
   */
  static readonly layer = (options: Options = {}): Layer.Layer<ApiServer> =>
    Layer.scoped(ApiServer, Effect.orDie(make(options)))
}

interface FailRule {
  remaining: number
  readonly options: FailOptions
}

/**
 * Builds a server. Scoped: closing the scope ends every open watch.
 *
 * @example
 * const server = yield* ApiServer.make({ watchHistory: 10 })
 * @since 0.1.0
 */
export const make = (options: Options = {}): Effect.Effect<Service, Errors.StatusError, Scope.Scope> =>
  Effect.gen(function* () {
    const server = new Server({
      watchHistory: Math.max(1, options.watchHistory ?? 1000),
      defaultFieldManager: options.defaultFieldManager ?? "effect-kube",
      version: options.version ?? DefaultVersion
    })
    const bookmarkInterval = Duration.decode(options.bookmarkInterval ?? Duration.minutes(1))
    let latency = Duration.zero
    let hung = false
    let rules: Array<FailRule> = []

    const takeFailure = (request: KubeRequest): StatusFailure | undefined => {
      for (const rule of rules) {
        if (rule.remaining > 0 && (rule.options.match === undefined || rule.options.match(request))) {
          rule.remaining--
          rules = rules.filter((r) => r.remaining > 0)
          return injected(rule.options.code, rule.options.retryAfterSeconds)
        }
      }
      return undefined
    }

    const delay = Effect.suspend(() => (Duration.toMillis(latency) > 0 ? Effect.sleep(latency) : Effect.void))

    const handle = (request: KubeRequest): Effect.Effect<KubeResponse> =>
      Effect.gen(function* () {
        yield* delay
        const now = yield* Clock.currentTimeMillis
        return yield* Effect.sync((): KubeResponse => {
          const failure = takeFailure(request)
          if (failure !== undefined) {
            server.counts.set(server.verbOf(request), (server.counts.get(server.verbOf(request)) ?? 0) + 1)
            return {
              status: failure.code,
              headers: { "content-type": "application/json", ...failure.headers },
              body: failure.status
            }
          }
          const response = server.handle(request, now)
          return { status: response.status, headers: response.headers, body: clone(response.body) }
        })
      })

    // What a client sees over HTTP: a non-JSON error body (the text 404) arrives as a Status
    // carrying the text, so `KubeApi` reports the same error on both transports.
    const request = (req: KubeRequest): Effect.Effect<KubeResponse> =>
      Effect.map(handle(req), (response) =>
        response.status >= 300 && typeof response.body === "string"
          ? {
              status: response.status,
              headers: { ...response.headers, "content-type": "application/json" },
              body: textStatus(response.status, response.body)
            }
          : response
      )

    const watch = (request: KubeRequest): Stream.Stream<unknown, Errors.KubeError> =>
      Stream.unwrap(
        Effect.gen(function* () {
          yield* delay
          const failure = yield* Effect.sync(() => {
            const f = takeFailure(request)
            if (f !== undefined) server.counts.set("watch", (server.counts.get("watch") ?? 0) + 1)
            return f
          })
          if (failure !== undefined) {
            return Stream.fail(Errors.fromStatus(failure.code, failure.status, failure.headers["retry-after"]))
          }
          return watchStream({ server, bookmarkInterval, hung: () => hung }, request)
        })
      )

    const registerKind = (info: KindInfo): Effect.Effect<void> =>
      Effect.sync(() => {
        const existing = server.state(info.group, info.plural)
        if (existing === undefined) {
          server.register(fromKindInfo(info))
          return
        }
        if (versionOf(existing.spec, info.version) !== undefined) return
        server.register({
          ...existing.spec,
          versions: [
            ...existing.spec.versions,
            { name: info.version, served: true, storage: false, status: info.subresources?.status ?? false }
          ]
        })
      })

    const seed = (objects: ReadonlyArray<unknown>): Effect.Effect<ReadonlyArray<KubeObject>, Errors.StatusError> =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.suspend(() => {
          const out: Array<KubeObject> = []
          for (const object of objects) {
            try {
              out.push(clone(server.seed(object, now)))
            } catch (e) {
              const failure = Server.refusal(e)
              return Effect.fail(Errors.fromStatus(failure.code, failure.status))
            }
          }
          return Effect.succeed(out)
        })
      )

    const list = (kind: KindInfo, namespace?: string): Effect.Effect<ReadonlyArray<KubeObject>> =>
      Effect.sync(() => {
        const state = server.state(kind.group, kind.plural)
        if (state === undefined) return []
        const prefix = namespace === undefined ? "" : `${namespace}/`
        return [...state.objects.entries()]
          .filter(([key]) => prefix === "" || key.startsWith(prefix))
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([, object]) => clone(object))
      })

    const get = (kind: KindInfo, name: string, namespace?: string): Effect.Effect<Option.Option<KubeObject>> =>
      Effect.sync(() => {
        const state = server.state(kind.group, kind.plural)
        const object = state?.objects.get(objectKey(kind.scope === "Namespaced" ? namespace : undefined, name))
        return object === undefined ? Option.none() : Option.some(clone(object))
      })

    const snapshot = Effect.sync(() => {
      const out: Array<KubeObject> = []
      const states = [...server.store.resources.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      for (const [, state] of states) {
        const entries = [...state.objects.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        for (const [, object] of entries) out.push(clone(object))
      }
      return out
    })

    const kinds = Effect.sync(() =>
      server.specs().flatMap((spec) => spec.versions.filter((v) => v.served).map((v) => toKindInfo(spec, v.name)))
    )

    const faults: Faults = {
      closeWatches: Effect.sync(() => server.closeWatches()),
      compact: Effect.sync(() => server.store.compact()),
      failNext: (n, failOptions) =>
        Effect.sync(() => {
          if (n > 0) rules = [...rules, { remaining: n, options: failOptions }]
        }),
      latency: (duration) =>
        Effect.sync(() => {
          latency = Duration.decode(duration)
        }),
      forceConflict: (n) =>
        Effect.sync(() => {
          server.forcedConflicts = Math.max(0, n)
        }),
      hangWatches: (hang = true) =>
        Effect.sync(() => {
          hung = hang
        }),
      reset: Effect.sync(() => {
        latency = Duration.zero
        rules = []
        hung = false
        server.forcedConflicts = 0
      })
    }

    const service: Service = {
      handle,
      request,
      watch,
      registerKind,
      seed,
      snapshot,
      list,
      get,
      resourceVersion: Effect.sync(() => String(server.store.rv)),
      kinds,
      requestCount: (filter) =>
        Effect.sync(() =>
          filter?.verb === undefined
            ? [...server.counts.values()].reduce((a, b) => a + b, 0)
            : (server.counts.get(filter.verb) ?? 0)
        ),
      faults
    }

    for (const kind of options.kinds ?? []) yield* registerKind(kind)
    if (options.objects !== undefined && options.objects.length > 0) yield* seed(options.objects)
    yield* Effect.addFinalizer(() => Effect.sync(() => server.closeWatches()))
    return service
  })

/**
 * The verbs requests are counted under (`"discovery"` for discovery documents).
 *
 * @example
 * const verb: ApiServer.Verb = "watch"
 * @since 0.1.0
 */
export type { Verb }

/**
 * What `/version` reports.
 *
 * @example
 * ApiServer.layer({ version: { major: "1", minor: "36", gitVersion: "v1.36.2" } })
 * @since 0.1.0
 */
export type { VersionInfo }
