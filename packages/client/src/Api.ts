/**
 * `Api<A>`: every verb on one kind, typed by the kind's Schema.
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Stream from "effect/Stream"
import type { KubeError } from "@effect-kube/core/Errors"
import type { KubeObject, ListMeta, PartialObjectMetadata, Status } from "@effect-kube/core/Meta"
import type { Patch } from "@effect-kube/core/Patch"
import type { Resource } from "@effect-kube/core/Resource"
import type { WatchEvent } from "@effect-kube/core/WatchEvent"

/**
 * Namespace override for one call. When omitted the `Api`'s own namespace is used (for writes of
 * an object: the object's `metadata.namespace` first). For list/watch, no namespace = all
 * namespaces.
 *
 * @since 0.1.0
 */
export interface NamespaceOption {
  readonly namespace?: string
}

/**
 * Options of a list call (one page).
 *
 * @since 0.1.0
 */
export interface ListOptions extends NamespaceOption {
  readonly labelSelector?: string
  readonly fieldSelector?: string
  /** Page size; `listPages`/`listAll` default to 500. */
  readonly limit?: number
  readonly continue?: string
  /** `""`/absent: consistent read (quorum); `"0"`: any (cache). */
  readonly resourceVersion?: string
  readonly resourceVersionMatch?: "Exact" | "NotOlderThan"
  readonly timeoutSeconds?: number
}

/**
 * Options of a watch.
 *
 * @since 0.1.0
 */
export interface WatchOptions extends NamespaceOption {
  readonly labelSelector?: string
  readonly fieldSelector?: string
  readonly resourceVersion?: string
  readonly resourceVersionMatch?: "Exact" | "NotOlderThan"
  /** Default true. */
  readonly allowWatchBookmarks?: boolean
  /** Server-side timeout; the server ends the stream after it. */
  readonly timeoutSeconds?: number
  /** Streaming list: initial state as ADDED events, then the initial-events-end BOOKMARK. */
  readonly sendInitialEvents?: boolean
  /**
   * Client inactivity timeout: no frame for this long fails the stream with a
   * `TransportError` (a half-dead connection). Default: `timeoutSeconds` + 30 s, or 5 minutes.
   */
  readonly idleTimeout?: Duration.DurationInput
}

/**
 * Options of create / replace / patch.
 *
 * @since 0.1.0
 */
export interface WriteOptions extends NamespaceOption {
  readonly dryRun?: boolean
  readonly fieldManager?: string
  readonly fieldValidation?: "Ignore" | "Warn" | "Strict"
}

/**
 * Options of server-side apply. `fieldManager` is required by the apiserver.
 *
 * @since 0.1.0
 */
export interface ApplyOptions extends NamespaceOption {
  readonly fieldManager: string
  readonly force?: boolean
  readonly dryRun?: boolean
}

/**
 * Options of delete.
 *
 * @since 0.1.0
 */
export interface DeleteOptions extends NamespaceOption {
  readonly propagationPolicy?: "Orphan" | "Background" | "Foreground"
  readonly preconditions?: { readonly uid?: string; readonly resourceVersion?: string }
  readonly gracePeriodSeconds?: number
  readonly dryRun?: boolean
}

/**
 * Options of deleteCollection: the selection of a list plus delete's options.
 *
 * @since 0.1.0
 */
export interface DeleteCollectionOptions extends DeleteOptions {
  readonly labelSelector?: string
  readonly fieldSelector?: string
}

/**
 * A list page.
 *
 * @since 0.1.0
 */
export interface ObjectList<A> {
  readonly apiVersion?: string
  readonly kind?: string
  readonly metadata: ListMeta
  readonly items: ReadonlyArray<A>
}

/**
 * What delete returns: the object (still present with a deletionTimestamp when finalizers
 * hold it, or its final state), or a Status for servers that answer with one.
 *
 * @since 0.1.0
 */
export type DeleteResult<A> =
  | { readonly _tag: "Object"; readonly object: A }
  | { readonly _tag: "Status"; readonly status: Status }

/**
 * The `/status` subresource verbs. Writes here change only `.status`.
 *
 * @since 0.1.0
 */
export interface StatusApi<A> {
  readonly get: (name: string, options?: NamespaceOption) => Effect.Effect<A, KubeError>
  readonly replace: (object: A, options?: WriteOptions) => Effect.Effect<A, KubeError>
  readonly patch: (name: string, patch: Patch, options?: WriteOptions) => Effect.Effect<A, KubeError>
  readonly apply: (object: A, options: ApplyOptions) => Effect.Effect<A, KubeError>
}

/**
 * Metadata-only list/watch (`as=PartialObjectMetadata`): for watching many large objects when
 * only their metadata matters.
 *
 * @since 0.1.0
 */
export interface MetadataApi {
  readonly list: (options?: ListOptions) => Effect.Effect<ObjectList<PartialObjectMetadata>, KubeError>
  readonly listPages: (options?: ListOptions) => Stream.Stream<ObjectList<PartialObjectMetadata>, KubeError>
  readonly watch: (options?: WatchOptions) => Stream.Stream<WatchEvent<PartialObjectMetadata>, KubeError>
}

/**
 * Every verb on one kind. Obtain it with `KubeApi.resource(kind)`.
 *
 * Guarantees: every failure is a typed `KubeError`; responses are decoded with the kind's
 * Schema (unknown fields preserved), so a `DecodeError` names the kind and object; `watch`
 * surfaces `ERROR` frames as typed errors (410 → `Gone`) and fails with a `TransportError` when
 * no frame arrives within the inactivity timeout.
 *
 * @example
 * const program = Effect.gen(function* () {
 *   const kube = yield* KubeApi
 *   const cms = kube.resource(Kinds.ConfigMap, { namespace: "default" })
 *   yield* cms.create({ metadata: { name: "a" }, data: { k: "v" } })
 *   return yield* cms.get("a")
 * })
 * @since 0.1.0
 */
export interface Api<A extends KubeObject> {
  readonly resource: Resource<A, unknown>
  /** The default namespace of this Api (`undefined`: all namespaces / cluster-scoped). */
  readonly namespace: string | undefined
  readonly get: (name: string, options?: NamespaceOption) => Effect.Effect<A, KubeError>
  /** One page. */
  readonly list: (options?: ListOptions) => Effect.Effect<ObjectList<A>, KubeError>
  /** Every page, following `continue` (limit 500 unless given). */
  readonly listPages: (options?: ListOptions) => Stream.Stream<ObjectList<A>, KubeError>
  /** Every object, page by page. */
  readonly listAll: (options?: ListOptions) => Stream.Stream<A, KubeError>
  readonly watch: (options?: WatchOptions) => Stream.Stream<WatchEvent<A>, KubeError>
  readonly create: (object: A, options?: WriteOptions) => Effect.Effect<A, KubeError>
  readonly replace: (object: A, options?: WriteOptions) => Effect.Effect<A, KubeError>
  readonly patch: (name: string, patch: Patch, options?: WriteOptions) => Effect.Effect<A, KubeError>
  /** Server-side apply of the fields in `object`. */
  readonly apply: (object: A, options: ApplyOptions) => Effect.Effect<A, KubeError>
  readonly delete: (name: string, options?: DeleteOptions) => Effect.Effect<DeleteResult<A>, KubeError>
  readonly deleteCollection: (
    options?: DeleteCollectionOptions
  ) => Effect.Effect<DeleteResult<ObjectList<A>>, KubeError>
  readonly status: StatusApi<A>
  readonly metadata: MetadataApi
}
