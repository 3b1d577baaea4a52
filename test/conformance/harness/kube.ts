/**
 * Small helpers the cases share: untyped kinds, object builders, `Api`s bound to the case's
 * namespace, and watch probes with timeouts (a case never hangs: it fails saying what it saw).
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { Api } from "@effect-kube/client/Api"
import { KubeApi } from "@effect-kube/client/KubeApi"
import type { KubeError } from "@effect-kube/core/Errors"
import * as Kinds from "@effect-kube/core/Kinds"
import type { KubeObject, ObjectMeta, PartialObjectMetadata } from "@effect-kube/core/Meta"
import * as Resource from "@effect-kube/core/Resource"
import type { WatchEvent } from "@effect-kube/core/WatchEvent"
import { ConformanceFailure, show } from "./Check.js"
import { FixtureGroup, Target } from "./Target.js"

export const ConfigMaps = Resource.untyped(Kinds.ConfigMap)
export const Secrets = Resource.untyped(Kinds.Secret)
export const Namespaces = Resource.untyped(Kinds.Namespace)
export const Deployments = Resource.untyped(Kinds.Deployment)
export const Pods = Resource.untyped(Kinds.Pod)

/** The `Api` of a kind in the case's namespace (or `namespace`). */
export const api = (
  resource: Resource.Resource<KubeObject, KubeObject>,
  namespace?: string
): Effect.Effect<Api<KubeObject>, never, KubeApi | Target> =>
  Effect.gen(function* () {
    const kube = yield* KubeApi
    const target = yield* Target
    return kube.resource(resource, resource.scope === "Namespaced" ? { namespace: namespace ?? target.namespace } : {})
  })

/** ConfigMaps in the case's namespace. */
export const configMaps = api(ConfigMaps)

/** Widgets (the namespaced CRD fixture) in the case's namespace. */
export const widgets = Effect.gen(function* () {
  const target = yield* Target
  return yield* api(yield* target.widgets)
})

/** Gadgets (the cluster-scoped CRD fixture). */
export const gadgets = Effect.gen(function* () {
  const target = yield* Target
  return yield* api(yield* target.gadgets)
})

type Meta = { -readonly [K in keyof ObjectMeta]?: ObjectMeta[K] }

/** A ConfigMap body. */
export const configMap = (name: string, data?: Readonly<Record<string, string>>, metadata: Meta = {}): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, ...metadata },
  ...(data === undefined ? {} : { data })
})

/** A Widget body. */
export const widget = (
  name: string,
  spec: Readonly<Record<string, unknown>>,
  extra: Readonly<Record<string, unknown>> = {},
  metadata: Meta = {}
): KubeObject => ({
  apiVersion: `${FixtureGroup}/v1`,
  kind: "Widget",
  metadata: { name, ...metadata },
  spec,
  ...extra
})

/** A Gadget body. */
export const gadget = (
  name: string,
  spec: Readonly<Record<string, unknown>>,
  extra: Readonly<Record<string, unknown>> = {}
): KubeObject => ({
  apiVersion: `${FixtureGroup}/v1`,
  kind: "Gadget",
  metadata: { name },
  spec,
  ...extra
})

/** A Deployment body with the given containers (`name=image`). */
export const deployment = (
  name: string,
  containers: ReadonlyArray<readonly [string, string]> = [["app", "nginx:1"]]
): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name },
  spec: {
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: containers.map(([n, image]) => ({ name: n, image })) }
    }
  }
})

/** `metadata.resourceVersion` (opaque). */
export const rv = (o: KubeObject): string => o.metadata.resourceVersion ?? ""

/** The value at a path of plain objects/arrays, `undefined` when absent. */
export const at = (value: unknown, ...path: ReadonlyArray<string | number>): unknown => {
  let current: unknown = value
  for (const key of path) {
    if (typeof current !== "object" || current === null) return undefined
    current = Reflect.get(current, key)
  }
  return current
}

/** Names of a list's items, in order. */
export const names = (items: ReadonlyArray<{ readonly metadata: ObjectMeta }>): ReadonlyArray<string | undefined> =>
  items.map((o) => o.metadata.name)

/** A watch event as `TYPE name` (bookmarks as `BOOKMARK`). */
export const describe = (e: WatchEvent<KubeObject>): string =>
  e.type === "BOOKMARK" ? "BOOKMARK" : `${e.type} ${e.object.metadata.name ?? "?"}`

/** An open watch read one event at a time, each read bounded by a timeout. */
export interface WatchProbe {
  /** The next event (bookmarks included); fails when the stream ends or nothing comes in time. */
  readonly next: (
    within?: Duration.DurationInput
  ) => Effect.Effect<WatchEvent<KubeObject>, ConformanceFailure | KubeError>
  /** The next `n` non-bookmark events. */
  readonly take: (
    n: number,
    within?: Duration.DurationInput
  ) => Effect.Effect<ReadonlyArray<WatchEvent<KubeObject>>, ConformanceFailure | KubeError>
  /** Everything until the server ends the stream (which must happen in time). */
  readonly rest: (
    within?: Duration.DurationInput
  ) => Effect.Effect<ReadonlyArray<WatchEvent<KubeObject>>, ConformanceFailure | KubeError>
}

type Item =
  | { readonly _tag: "Event"; readonly event: WatchEvent<KubeObject> }
  | { readonly _tag: "End"; readonly exit: Exit.Exit<void, KubeError> }

/** A metadata-only object seen as an untyped one (same fields, nothing else). */
const asKubeObject = (o: PartialObjectMetadata): KubeObject => ({ ...o })

/** Opens a watch in the background (closed with the case's scope). */
export const probe = (
  stream: Stream.Stream<WatchEvent<KubeObject>, KubeError> | Stream.Stream<WatchEvent<PartialObjectMetadata>, KubeError>
): Effect.Effect<WatchProbe, never, Scope.Scope> =>
  Effect.gen(function* () {
    const queue = yield* Queue.unbounded<Item>()
    const events: Stream.Stream<WatchEvent<KubeObject>, KubeError> = Stream.map(
      stream,
      (e: WatchEvent<KubeObject> | WatchEvent<PartialObjectMetadata>): WatchEvent<KubeObject> =>
        e.type === "BOOKMARK" ? e : { type: e.type, object: asKubeObject(e.object) }
    )
    yield* events.pipe(
      Stream.runForEach((event) => Queue.offer(queue, { _tag: "Event", event })),
      Effect.exit,
      Effect.flatMap((exit) => Queue.offer(queue, { _tag: "End", exit })),
      Effect.forkScoped
    )
    const seen: Array<string> = []
    let ended: Exit.Exit<void, KubeError> | undefined
    const next = (
      within: Duration.DurationInput = "20 seconds"
    ): Effect.Effect<WatchEvent<KubeObject>, ConformanceFailure | KubeError> =>
      Effect.gen(function* () {
        if (ended !== undefined) {
          return yield* Exit.isFailure(ended)
            ? Effect.failCause(ended.cause)
            : new ConformanceFailure({ message: `the watch ended; events seen: ${show(seen)}` })
        }
        const item = yield* Queue.take(queue).pipe(
          Effect.timeoutFail({
            duration: within,
            onTimeout: () =>
              new ConformanceFailure({
                message: `no watch event within ${Duration.format(Duration.decode(within))}; events seen: ${show(seen)}`
              })
          })
        )
        if (item._tag === "End") {
          ended = item.exit
          return yield* next(within)
        }
        seen.push(describe(item.event))
        return item.event
      })
    const take = (n: number, within?: Duration.DurationInput) =>
      Effect.gen(function* () {
        const out: Array<WatchEvent<KubeObject>> = []
        while (out.length < n) {
          const e = yield* next(within)
          if (e.type !== "BOOKMARK") out.push(e)
        }
        return out
      })
    const rest = (within: Duration.DurationInput = "30 seconds") =>
      Effect.gen(function* () {
        const out: Array<WatchEvent<KubeObject>> = []
        const deadline = Date.now() + Duration.toMillis(Duration.decode(within))
        while (true) {
          if (ended !== undefined) {
            if (Exit.isFailure(ended)) return yield* Effect.failCause(ended.cause)
            return out
          }
          const left = deadline - Date.now()
          if (left <= 0) {
            return yield* new ConformanceFailure({
              message: `the watch did not end within ${Duration.format(Duration.decode(within))}; events seen: ${show(seen)}`
            })
          }
          const item = yield* Queue.take(queue).pipe(
            Effect.timeoutFail({
              duration: Duration.millis(left),
              onTimeout: () =>
                new ConformanceFailure({
                  message: `the watch did not end within ${Duration.format(Duration.decode(within))}; events seen: ${show(seen)}`
                })
            })
          )
          if (item._tag === "End") ended = item.exit
          else {
            seen.push(describe(item.event))
            out.push(item.event)
          }
        }
      })
    return { next, take, rest }
  })
