import * as Channel from "effect/Channel"
import * as Chunk from "effect/Chunk"
import type * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Mailbox from "effect/Mailbox"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import {
  BadRequest,
  DecodeError,
  fromStatus,
  type KubeError,
  statusFromUnknown,
  TransportError
} from "@effect-kube/core/Errors"
import {
  isKubeObject,
  isPlainObject,
  type KubeObject,
  type ListMeta,
  type PartialObjectMetadata
} from "@effect-kube/core/Meta"
import * as Patch from "@effect-kube/core/Patch"
import type { Resource } from "@effect-kube/core/Resource"
import type { WatchEvent } from "@effect-kube/core/WatchEvent"
import type * as Api from "../Api.js"
import type { KubeRequest, KubeTransport } from "../Transport.js"
import { collectionPath, objectPath, renderUrl } from "./paths.js"

type Transport = Context.Tag.Service<KubeTransport>
type Query = Record<string, string | undefined>
type Decoder<X> = (u: unknown) => Either.Either<X, DecodeError>

/** Default page size of `listPages`/`listAll` (client-go's pager default). */
export const DefaultPageSize = 500

/** Accept header of a metadata-only list. */
export const MetadataListAccept = "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json"
/** Accept header of a metadata-only get/watch. */
export const MetadataAccept = "application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io,application/json"

/** One request; a non-2xx response becomes the typed error of its Status. */
export const send = (transport: Transport, request: KubeRequest): Effect.Effect<unknown, KubeError> =>
  Effect.flatMap(transport.request(request), (response) =>
    response.status >= 200 && response.status < 300
      ? Effect.succeed(response.body)
      : Effect.fail(fromStatus(response.status, response.body, response.headers["retry-after"]))
  )

/**
 * A request the client refuses to send (a namespaced object without a namespace, an object
 * without a name). Shaped like the apiserver's own BadRequest so callers handle one error type.
 */
const clientBadRequest = (message: string): BadRequest =>
  new BadRequest({
    message,
    code: 400,
    reason: "BadRequest",
    status: { kind: "Status", apiVersion: "v1", status: "Failure", message, reason: "BadRequest", code: 400 }
  })

const nonEmpty = (s: string | undefined): string | undefined => (s === undefined || s === "" ? undefined : s)

const decodeListMeta = (u: unknown): ListMeta => {
  if (!isPlainObject(u)) return {}
  const meta: { resourceVersion?: string; continue?: string; remainingItemCount?: number } = {}
  if (typeof u.resourceVersion === "string") meta.resourceVersion = u.resourceVersion
  if (typeof u.continue === "string") meta.continue = u.continue
  if (typeof u.remainingItemCount === "number") meta.remainingItemCount = u.remainingItemCount
  return meta
}

/**
 * Decodes a list body. Items of built-in lists omit `apiVersion`/`kind`; they are filled in
 * place (the body was just parsed and belongs to us) so untyped objects still say what they are.
 */
const decodeList = <X>(
  body: unknown,
  decodeItem: Decoder<X>,
  kindName: string,
  itemType: { readonly apiVersion: string; readonly kind: string } | undefined
): Either.Either<Api.ObjectList<X>, DecodeError> => {
  if (!isPlainObject(body)) {
    return Either.left(
      new DecodeError({ message: `${kindName} list: the response is not a JSON object`, kind: kindName })
    )
  }
  const rawItems = body.items ?? []
  if (!Array.isArray(rawItems)) {
    return Either.left(new DecodeError({ message: `${kindName} list: "items" is not an array`, kind: kindName }))
  }
  const items: Array<X> = new Array(rawItems.length)
  for (let i = 0; i < rawItems.length; i++) {
    const raw: unknown = rawItems[i]
    if (itemType !== undefined && isPlainObject(raw) && raw.kind === undefined && raw.apiVersion === undefined) {
      Object.assign(raw, itemType)
    }
    const decoded = decodeItem(raw)
    if (Either.isLeft(decoded)) return Either.left(decoded.left)
    items[i] = decoded.right
  }
  return Either.right({
    apiVersion: typeof body.apiVersion === "string" ? body.apiVersion : undefined,
    kind: typeof body.kind === "string" ? body.kind : undefined,
    metadata: decodeListMeta(body.metadata),
    items
  })
}

const decodeDeleteResult = <X>(body: unknown, decode: Decoder<X>): Either.Either<Api.DeleteResult<X>, DecodeError> =>
  isPlainObject(body) && body.kind === "Status"
    ? Either.right({ _tag: "Status", status: statusFromUnknown(body) })
    : Either.map(decode(body), (object) => ({ _tag: "Object", object }))

const decodeMetadata =
  (kindName: string): Decoder<PartialObjectMetadata> =>
  (u) =>
    isKubeObject(u)
      ? Either.right(u)
      : Either.left(
          new DecodeError({
            message: `${kindName}: expected PartialObjectMetadata (an object with metadata)`,
            kind: kindName
          })
        )

/**
 * Appends the event of one watch frame to `out`, or returns the error that must end the stream.
 * Returning instead of wrapping keeps the per-frame path allocation-free apart from the event.
 */
const pushEvent = <X>(
  frame: unknown,
  decode: Decoder<X>,
  kindName: string,
  out: Array<WatchEvent<X>>
): KubeError | undefined => {
  if (!isPlainObject(frame)) {
    return new DecodeError({ message: `${kindName} watch: a frame is not a JSON object`, kind: kindName })
  }
  const type = frame.type
  const object = frame.object
  switch (type) {
    case "ADDED":
    case "MODIFIED":
    case "DELETED": {
      const decoded = decode(object)
      if (Either.isLeft(decoded)) return decoded.left
      out.push({ type, object: decoded.right })
      return undefined
    }
    case "BOOKMARK": {
      // A bookmark carries only metadata.resourceVersion: never run the kind's Schema on it.
      if (!isKubeObject(object)) {
        return new DecodeError({ message: `${kindName} watch: a BOOKMARK without metadata`, kind: kindName })
      }
      out.push({ type: "BOOKMARK", object })
      return undefined
    }
    case "ERROR": {
      const code = isPlainObject(object) && typeof object.code === "number" ? object.code : 500
      return fromStatus(code, object)
    }
    default:
      return new DecodeError({
        message: `${kindName} watch: unknown event type ${typeof type === "string" ? JSON.stringify(type) : typeof type}`,
        kind: kindName
      })
  }
}

type EventsChannel<X> = Channel.Channel<
  Chunk.Chunk<WatchEvent<X>>,
  Chunk.Chunk<unknown>,
  KubeError,
  KubeError,
  unknown,
  unknown
>

/**
 * Frames → events, one chunk at a time. The frames of a chunk before a bad one are still
 * emitted, then the stream fails: a consumer never loses events it could have seen.
 */
const framesToEvents = <X>(decode: Decoder<X>, kindName: string): EventsChannel<X> => {
  const loop: EventsChannel<X> = Channel.readWithCause({
    onInput: (frames: Chunk.Chunk<unknown>) => {
      const out: Array<WatchEvent<X>> = []
      let error: KubeError | undefined
      for (const frame of frames) {
        error = pushEvent(frame, decode, kindName, out)
        if (error !== undefined) break
      }
      const emit = out.length === 0 ? Channel.void : Channel.write(Chunk.unsafeFromArray(out))
      return error === undefined ? Channel.zipRight(emit, loop) : Channel.zipRight(emit, Channel.fail(error))
    },
    onFailure: (cause) => Channel.failCause(cause),
    onDone: () => Channel.void
  })
  return loop
}

const listQuery = (o: Api.ListOptions | undefined): Query => ({
  labelSelector: o?.labelSelector,
  fieldSelector: o?.fieldSelector,
  limit: o?.limit === undefined ? undefined : String(o.limit),
  continue: nonEmpty(o?.continue),
  resourceVersion: o?.resourceVersion,
  resourceVersionMatch: o?.resourceVersionMatch,
  timeoutSeconds: o?.timeoutSeconds === undefined ? undefined : String(o.timeoutSeconds)
})

const watchQuery = (o: Api.WatchOptions | undefined): Query => ({
  watch: "true",
  labelSelector: o?.labelSelector,
  fieldSelector: o?.fieldSelector,
  resourceVersion: o?.resourceVersion,
  resourceVersionMatch: o?.resourceVersionMatch,
  allowWatchBookmarks: (o?.allowWatchBookmarks ?? true) ? "true" : undefined,
  timeoutSeconds: o?.timeoutSeconds === undefined ? undefined : String(o.timeoutSeconds),
  sendInitialEvents: o?.sendInitialEvents === undefined ? undefined : String(o.sendInitialEvents)
})

const writeQuery = (o: Api.WriteOptions | undefined): Query => ({
  dryRun: o?.dryRun ? "All" : undefined,
  fieldManager: o?.fieldManager,
  fieldValidation: o?.fieldValidation
})

const applyQuery = (o: Api.ApplyOptions): Query => ({
  dryRun: o.dryRun ? "All" : undefined,
  fieldManager: o.fieldManager,
  force: o.force ? "true" : undefined
})

/** A `meta/v1 DeleteOptions` body with only the fields the caller set. */
const deleteBody = (o: Api.DeleteOptions | undefined): Record<string, unknown> => {
  const body: Record<string, unknown> = { kind: "DeleteOptions", apiVersion: "v1" }
  if (o === undefined) return body
  if (o.propagationPolicy !== undefined) body.propagationPolicy = o.propagationPolicy
  if (o.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = o.gracePeriodSeconds
  if (o.preconditions !== undefined) body.preconditions = o.preconditions
  if (o.dryRun) body.dryRun = ["All"]
  return body
}

const patchBody = (patch: Patch.Patch): unknown => (patch._tag === "Json" ? patch.operations : patch.body)

/** The idle timeout of a watch: explicit, else the server timeout plus a margin, else 5 minutes. */
export const idleTimeoutOf = (o: Api.WatchOptions | undefined): Duration.Duration =>
  o?.idleTimeout !== undefined
    ? Duration.decode(o.idleTimeout)
    : o?.timeoutSeconds !== undefined
      ? Duration.seconds(o.timeoutSeconds + 30)
      : Duration.minutes(5)

/** Frames buffered between the socket reader and the decoder of one watch (backpressure beyond). */
const WatchBuffer = 128

/**
 * The watch frames with an inactivity timeout: fails with `onIdle()` when upstream delivered
 * nothing for `idle` while it was being waited on (time the reader spends blocked on a full
 * buffer, i.e. a slow consumer, does not count). Bookmarks count as activity.
 *
 * Why not `Stream.timeoutFail`: it races a timer against every pull (a fork and a timer per
 * chunk), which doubled the cost of a busy watch. Here the reader stamps a mutable timestamp per
 * chunk and a single scoped watchdog fiber sleeps until the deadline and re-checks; the reader
 * runs in its own fiber and hands chunks over through a bounded mailbox, which the watchdog fails.
 * The timestamp comes from the `Clock` service, so `TestClock` drives it.
 */
const withIdleTimeout = <A>(
  frames: Stream.Stream<A, KubeError>,
  idle: Duration.Duration,
  onIdle: () => KubeError
): Stream.Stream<A, KubeError> =>
  Stream.unwrapScoped(
    Effect.gen(function* () {
      const clock = yield* Effect.clock
      const idleMillis = Duration.toMillis(idle)
      const mailbox = yield* Mailbox.make<A, KubeError>({ capacity: WatchBuffer, strategy: "suspend" })
      let lastActivity = clock.unsafeCurrentTimeMillis()
      let offering = false
      yield* Effect.forkScoped(
        Mailbox.into(mailbox)(
          Stream.runForEachChunk(frames, (chunk) => {
            lastActivity = clock.unsafeCurrentTimeMillis()
            offering = true
            return Effect.map(mailbox.offerAll(chunk), () => {
              offering = false
              lastActivity = clock.unsafeCurrentTimeMillis()
            })
          })
        )
      )
      yield* Effect.forkScoped(
        Effect.gen(function* () {
          while (true) {
            const remaining = offering ? idleMillis : lastActivity + idleMillis - clock.unsafeCurrentTimeMillis()
            if (remaining <= 0) return yield* mailbox.fail(onIdle())
            yield* Effect.sleep(Duration.millis(remaining))
          }
        })
      )
      return Mailbox.toStream(mailbox)
    })
  )

/**
 * A decoded watch over a transport: inactivity timeout on the raw frames (bookmarks count as
 * activity), then frame → event mapping in chunks.
 */
const watchWith = <X>(
  transport: Transport,
  request: KubeRequest,
  decode: Decoder<X>,
  kindName: string,
  idle: Duration.Duration
): Stream.Stream<WatchEvent<X>, KubeError> =>
  withIdleTimeout(
    transport.watch(request),
    idle,
    () =>
      new TransportError({
        message: `watch ${kindName}: no event for ${Duration.format(idle)}, the connection is presumed dead`,
        method: request.method,
        url: renderUrl(request.path, request.query)
      })
  ).pipe(Stream.pipeThroughChannel(framesToEvents(decode, kindName)))

/** Every page of a list, following `continue`. */
const paginate = <P extends { readonly metadata: ListMeta }>(
  options: Api.ListOptions | undefined,
  listPage: (options: Api.ListOptions) => Effect.Effect<P, KubeError>
): Stream.Stream<P, KubeError> =>
  Stream.paginateEffect({ ...options, limit: options?.limit ?? DefaultPageSize }, (pageOptions: Api.ListOptions) =>
    Effect.map(listPage(pageOptions), (page) => {
      const token = nonEmpty(page.metadata.continue)
      // Like client-go's pager: later pages carry only the token; the apiserver rejects a
      // resourceVersion next to `continue`.
      const next: Option.Option<Api.ListOptions> =
        token === undefined
          ? Option.none()
          : Option.some({
              ...pageOptions,
              continue: token,
              resourceVersion: undefined,
              resourceVersionMatch: undefined
            })
      return [page, next] as const
    })
  )

/** Builds the `Api` of one kind over a transport. */
export const makeApi = <A extends KubeObject, I>(
  transport: Transport,
  resource: Resource<A, I>,
  defaultNamespace: string | undefined
): Api.Api<A> => {
  const kindName = resource.kind
  const namespaced = resource.scope === "Namespaced"
  const apiNamespace = nonEmpty(defaultNamespace)
  const decode: Decoder<A> = resource.decode
  const itemType = { apiVersion: resource.apiVersion, kind: resource.kind }
  const metadataDecode = decodeMetadata(kindName)

  /** The namespace of a call on one object; fails (without sending) when a namespaced kind has none. */
  const objectNamespace = (
    verb: string,
    name: string | undefined,
    explicit: string | undefined,
    fromObject?: string
  ): Effect.Effect<string | undefined, BadRequest> => {
    if (!namespaced) return Effect.succeed(undefined)
    const ns = nonEmpty(explicit) ?? nonEmpty(fromObject) ?? apiNamespace
    return ns === undefined
      ? Effect.fail(
          clientBadRequest(
            `cannot ${verb} ${kindName}${name === undefined ? "" : ` "${name}"`}: ${kindName} is namespaced and no namespace was given (option, object metadata or Api)`
          )
        )
      : Effect.succeed(ns)
  }

  /** List/watch: no namespace means every namespace. */
  const listNamespace = (explicit: string | undefined): string | undefined =>
    namespaced ? (nonEmpty(explicit) ?? apiNamespace) : undefined

  const requireName = (verb: string, object: A): Effect.Effect<string, BadRequest> => {
    const name = nonEmpty(object.metadata.name)
    return name === undefined
      ? Effect.fail(clientBadRequest(`cannot ${verb} ${kindName}: metadata.name is required`))
      : Effect.succeed(name)
  }

  /** Encodes an object for a write and makes sure it names its kind (required by apply). */
  const encodeBody = (object: A): Effect.Effect<unknown, DecodeError> =>
    Effect.map(resource.encode(object), (encoded) =>
      isPlainObject(encoded) && (encoded.apiVersion === undefined || encoded.kind === undefined)
        ? { ...encoded, apiVersion: encoded.apiVersion ?? resource.apiVersion, kind: encoded.kind ?? resource.kind }
        : encoded
    )

  const call = <X>(request: KubeRequest, decoder: Decoder<X>): Effect.Effect<X, KubeError> =>
    Effect.flatMap(send(transport, request), decoder)

  const get =
    (subresource: string | undefined) =>
    (name: string, options?: Api.NamespaceOption): Effect.Effect<A, KubeError> =>
      Effect.flatMap(objectNamespace("get", name, options?.namespace), (ns) =>
        call({ method: "GET", path: objectPath(resource, ns, name, subresource) }, decode)
      )

  const replace =
    (subresource: string | undefined) =>
    (object: A, options?: Api.WriteOptions): Effect.Effect<A, KubeError> =>
      Effect.gen(function* () {
        const name = yield* requireName("replace", object)
        const ns = yield* objectNamespace("replace", name, options?.namespace, object.metadata.namespace)
        const body = yield* encodeBody(object)
        return yield* call(
          { method: "PUT", path: objectPath(resource, ns, name, subresource), query: writeQuery(options), body },
          decode
        )
      })

  const patch =
    (subresource: string | undefined) =>
    (name: string, p: Patch.Patch, options?: Api.WriteOptions): Effect.Effect<A, KubeError> =>
      Effect.flatMap(objectNamespace("patch", name, options?.namespace), (ns) =>
        call(
          {
            method: "PATCH",
            path: objectPath(resource, ns, name, subresource),
            query: writeQuery(options),
            body: patchBody(p),
            contentType: Patch.contentType(p)
          },
          decode
        )
      )

  const apply =
    (subresource: string | undefined) =>
    (object: A, options: Api.ApplyOptions): Effect.Effect<A, KubeError> =>
      Effect.gen(function* () {
        const name = yield* requireName("apply", object)
        const ns = yield* objectNamespace("apply", name, options.namespace, object.metadata.namespace)
        const body = yield* encodeBody(object)
        return yield* call(
          {
            method: "PATCH",
            path: objectPath(resource, ns, name, subresource),
            query: applyQuery(options),
            // JSON is YAML: the apply body is the object's JSON.
            body,
            contentType: Patch.ApplyContentType
          },
          decode
        )
      })

  const list = (options?: Api.ListOptions): Effect.Effect<Api.ObjectList<A>, KubeError> =>
    call(
      { method: "GET", path: collectionPath(resource, listNamespace(options?.namespace)), query: listQuery(options) },
      (body) => decodeList(body, decode, kindName, itemType)
    )

  const metadataList = (options?: Api.ListOptions): Effect.Effect<Api.ObjectList<PartialObjectMetadata>, KubeError> =>
    call(
      {
        method: "GET",
        path: collectionPath(resource, listNamespace(options?.namespace)),
        query: listQuery(options),
        accept: MetadataListAccept
      },
      (body) => decodeList(body, metadataDecode, kindName, undefined)
    )

  const watchRequest = (options: Api.WatchOptions | undefined, accept?: string): KubeRequest => ({
    method: "GET",
    path: collectionPath(resource, listNamespace(options?.namespace)),
    query: watchQuery(options),
    ...(accept === undefined ? {} : { accept })
  })

  const listPages = (options?: Api.ListOptions) => paginate(options, list)

  return {
    resource: { ...resource, schema: Schema.compose(Schema.Unknown, resource.schema, { strict: false }) },
    namespace: apiNamespace,
    get: get(undefined),
    list,
    listPages,
    listAll: (options) => Stream.mapConcat(listPages(options), (page) => page.items),
    watch: (options) => watchWith(transport, watchRequest(options), decode, kindName, idleTimeoutOf(options)),
    create: (object, options) =>
      Effect.gen(function* () {
        const ns = yield* objectNamespace(
          "create",
          nonEmpty(object.metadata.name),
          options?.namespace,
          object.metadata.namespace
        )
        const body = yield* encodeBody(object)
        return yield* call(
          { method: "POST", path: collectionPath(resource, ns), query: writeQuery(options), body },
          decode
        )
      }),
    replace: replace(undefined),
    patch: patch(undefined),
    apply: apply(undefined),
    delete: (name, options) =>
      Effect.flatMap(objectNamespace("delete", name, options?.namespace), (ns) =>
        call({ method: "DELETE", path: objectPath(resource, ns, name), body: deleteBody(options) }, (body) =>
          decodeDeleteResult(body, decode)
        )
      ),
    deleteCollection: (options) =>
      Effect.flatMap(objectNamespace("deleteCollection", undefined, options?.namespace), (ns) =>
        call(
          {
            method: "DELETE",
            path: collectionPath(resource, ns),
            query: { labelSelector: options?.labelSelector, fieldSelector: options?.fieldSelector },
            body: deleteBody(options)
          },
          (body) => decodeDeleteResult(body, (u) => decodeList(u, decode, kindName, itemType))
        )
      ),
    status: {
      get: get("status"),
      replace: replace("status"),
      patch: patch("status"),
      apply: apply("status")
    },
    metadata: {
      list: metadataList,
      listPages: (options) => paginate(options, metadataList),
      watch: (options) =>
        watchWith(transport, watchRequest(options, MetadataAccept), metadataDecode, kindName, idleTimeoutOf(options))
    }
  }
}
