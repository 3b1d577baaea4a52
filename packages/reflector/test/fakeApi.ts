/**
 * Test helpers: a scripted `Api` (list pages and watch streams are served in the order they were
 * queued; an exhausted script hangs like a quiet server), object/event builders, a log capture.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as HashMap from "effect/HashMap"
import * as Logger from "effect/Logger"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type { Api, ListOptions, ObjectList, WatchOptions } from "@effect-kube/client/Api"
import { fromStatus, type KubeError } from "@effect-kube/core/Errors"
import type { KubeObject } from "@effect-kube/core/Meta"
import * as Resource from "@effect-kube/core/Resource"
import { InitialEventsEndAnnotation, type WatchEvent } from "@effect-kube/core/WatchEvent"

export const ConfigMaps = Resource.unstructured({
  group: "",
  version: "v1",
  kind: "ConfigMap",
  plural: "configmaps",
  scope: "Namespaced"
})

export type Call =
  | { readonly verb: "list"; readonly options: ListOptions; readonly at: number }
  | { readonly verb: "watch"; readonly options: WatchOptions; readonly at: number }

export type ListResponse = (options: ListOptions) => Effect.Effect<ObjectList<KubeObject>, KubeError>
export type WatchResponse = (options: WatchOptions) => Stream.Stream<WatchEvent<KubeObject>, KubeError>

export interface FakeApi {
  readonly api: Api<KubeObject>
  readonly calls: Array<Call>
  readonly lists: () => ReadonlyArray<ListOptions>
  readonly watches: () => ReadonlyArray<WatchOptions>
  readonly times: (verb: "list" | "watch") => ReadonlyArray<number>
  readonly onList: (...responses: ReadonlyArray<ListResponse>) => void
  readonly onWatch: (...responses: ReadonlyArray<WatchResponse>) => void
}

const unsupported = (verb: string) => () => Effect.dieMessage(`fake Api: ${verb} is not scripted`)
const unsupportedStream = (verb: string) => () => Stream.dieMessage(`fake Api: ${verb} is not scripted`)

/** A fake Api of ConfigMaps in namespace "default" (or of all namespaces). */
export const makeFakeApi = (options?: { readonly allNamespaces?: boolean }): FakeApi => {
  const namespace = options?.allNamespaces === true ? undefined : "default"
  const calls: Array<Call> = []
  const listQueue: Array<ListResponse> = []
  const watchQueue: Array<WatchResponse> = []
  const list = (options: ListOptions = {}): Effect.Effect<ObjectList<KubeObject>, KubeError> =>
    Effect.flatMap(Clock.currentTimeMillis, (at) => {
      calls.push({ verb: "list", options, at })
      const next = listQueue.shift()
      return next === undefined ? Effect.never : next(options)
    })
  const watch = (options: WatchOptions = {}): Stream.Stream<WatchEvent<KubeObject>, KubeError> =>
    Stream.unwrap(
      Effect.map(Clock.currentTimeMillis, (at) => {
        calls.push({ verb: "watch", options, at })
        const next = watchQueue.shift()
        return next === undefined ? Stream.never : next(options)
      })
    )
  const api: Api<KubeObject> = {
    // Api.resource is typed from unknown input (Resource is invariant in its encoded type).
    resource: { ...ConfigMaps, schema: Schema.compose(Schema.Unknown, ConfigMaps.schema, { strict: false }) },
    namespace,
    get: unsupported("get"),
    list,
    listPages: unsupportedStream("listPages"),
    listAll: unsupportedStream("listAll"),
    watch,
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
      list: unsupported("metadata.list"),
      listPages: unsupportedStream("metadata.listPages"),
      watch: unsupportedStream("metadata.watch")
    }
  }
  return {
    api,
    calls,
    lists: () => calls.flatMap((c) => (c.verb === "list" ? [c.options] : [])),
    watches: () => calls.flatMap((c) => (c.verb === "watch" ? [c.options] : [])),
    times: (verb) => calls.flatMap((c) => (c.verb === verb ? [c.at] : [])),
    onList: (...responses) => {
      listQueue.push(...responses)
    },
    onWatch: (...responses) => {
      watchQueue.push(...responses)
    }
  }
}

export const cm = (name: string, rv: string, namespace = "default"): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace, resourceVersion: rv },
  data: { k: name }
})

export const page =
  (items: ReadonlyArray<KubeObject>, meta: { readonly rv?: string; readonly continue?: string }): ListResponse =>
  () =>
    Effect.succeed({ metadata: { resourceVersion: meta.rv, continue: meta.continue }, items })

export const listFails =
  (error: KubeError): ListResponse =>
  () =>
    Effect.fail(error)

/** A watch that sends `events` and then ends (a server-side timeout or a closed connection). */
export const watchEnds =
  (...events: ReadonlyArray<WatchEvent<KubeObject>>): WatchResponse =>
  () =>
    Stream.fromIterable(events)

/** A watch that sends `events` and then stays open, silent. */
export const watchStays =
  (...events: ReadonlyArray<WatchEvent<KubeObject>>): WatchResponse =>
  () =>
    Stream.concat(Stream.fromIterable(events), Stream.never)

/** A watch that sends `events` and then fails with `error` (an ERROR frame or a broken connection). */
export const watchFails =
  (error: KubeError, ...events: ReadonlyArray<WatchEvent<KubeObject>>): WatchResponse =>
  () =>
    Stream.concat(Stream.fromIterable(events), Stream.fail(error))

export const added = (object: KubeObject): WatchEvent<KubeObject> => ({ type: "ADDED", object })
export const modified = (object: KubeObject): WatchEvent<KubeObject> => ({ type: "MODIFIED", object })
export const deleted = (object: KubeObject): WatchEvent<KubeObject> => ({ type: "DELETED", object })
export const bookmark = (rv: string, initialEventsEnd = false): WatchEvent<KubeObject> => ({
  type: "BOOKMARK",
  object: {
    kind: "ConfigMap",
    apiVersion: "v1",
    metadata: {
      resourceVersion: rv,
      ...(initialEventsEnd ? { annotations: { [InitialEventsEndAnnotation]: "true" } } : {})
    }
  }
})

export const gone = (): KubeError =>
  fromStatus(410, { kind: "Status", reason: "Expired", code: 410, message: "too old resource version: 1 (20)" })
export const status = (code: number, retryAfterSeconds?: number): KubeError =>
  fromStatus(
    code,
    { kind: "Status", code, message: `the server said ${code}` },
    retryAfterSeconds === undefined ? undefined : String(retryAfterSeconds)
  )

/** Lets forked fibers run until they block (on the TestClock or a never-ending stream). */
export const settle: Effect.Effect<void> = Effect.gen(function* () {
  for (let i = 0; i < 200; i++) yield* Effect.yieldNow()
})

export interface LogLine {
  readonly level: string
  readonly message: string
  readonly annotations: Readonly<Record<string, unknown>>
}

/** A logger that records lines instead of printing them. */
export const captureLogs = () => {
  const lines: Array<LogLine> = []
  const logger = Logger.make(({ logLevel, message, annotations }) => {
    const text = Array.isArray(message) ? message.map(String).join(" ") : String(message)
    lines.push({
      level: logLevel.label,
      message: text,
      annotations: Object.fromEntries(HashMap.toEntries(annotations))
    })
  })
  return { lines, layer: Logger.replace(Logger.defaultLogger, logger) }
}
