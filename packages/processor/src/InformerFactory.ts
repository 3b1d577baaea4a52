/**
 * `InformerFactory`: shared, ref-counted informers — one watch per (kind, namespace, label
 * selector, field selector, transform, indexers, metadata-only), however many controllers ask.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Equal from "effect/Equal"
import * as Hash from "effect/Hash"
import * as Layer from "effect/Layer"
import * as RcMap from "effect/RcMap"
import type * as Scope from "effect/Scope"
import { KubeApi } from "@effect-kube/client/KubeApi"
import type { KubeObject } from "@effect-kube/core/Meta"
import * as Resource from "@effect-kube/core/Resource"
import type { WatcherOptions } from "@effect-kube/reflector/Watcher"
import type { Indexer } from "@effect-kube/store/Store"
import * as SharedInformer from "./SharedInformer.js"

/**
 * Which informer to get. Everything here is part of the sharing key except the functions:
 * a transform is identified by its `id`, indexers by their names — two callers that use the same
 * id (or index name) must mean the same function.
 *
 * @example
 * const options: InformerOptions = {
 *   namespace: "default",
 *   labelSelector: "app=web",
 *   transform: { id: "strip-managed-fields", f: Store.stripManagedFields }
 * }
 * @since 0.1.0
 */
export interface InformerOptions {
  /** Namespace to watch; absent = all namespaces (or a cluster-scoped kind). */
  readonly namespace?: string
  readonly labelSelector?: string
  readonly fieldSelector?: string
  /** Applied before storing (e.g. `{ id: "strip-managed-fields", f: Store.stripManagedFields }`). */
  readonly transform?: { readonly id: string; readonly f: (object: KubeObject) => KubeObject }
  /** Custom indexes of the store. */
  readonly indexers?: Readonly<Record<string, Indexer<KubeObject>>> & { readonly namespace?: never }
  /** List/watch `PartialObjectMetadata` only (`metadata` + apiVersion/kind). */
  readonly metadataOnly?: boolean
  /** Compare the cache with a fresh list periodically; only the first caller's setting applies. */
  readonly consistencyCheck?: SharedInformer.ConsistencyCheckOptions
}

/**
 * The factory's interface.
 *
 * @example
 * const useFactory = (factory: InformerFactoryService) => factory.informer(Kinds.ConfigMap, { namespace: "default" })
 * @since 0.1.0
 */
export interface InformerFactoryService {
  /**
   * The shared informer for `resource` and `options`, started on first use and stopped when the
   * last scope that got it closes. Objects are cached untyped (`Resource.untyped`): no Schema
   * decode per event; decode at the controller boundary.
   */
  readonly informer: <A extends KubeObject, I>(
    resource: Resource.Resource<A, I>,
    options?: InformerOptions
  ) => Effect.Effect<SharedInformer.SharedInformer<KubeObject>, never, Scope.Scope>
  /** {@link SharedInformer.waitForCacheSync} (default timeout 2 minutes). */
  readonly waitForCacheSync: (
    informers: Iterable<SharedInformer.Syncable>,
    timeout?: Duration.DurationInput
  ) => Effect.Effect<void, SharedInformer.CacheSyncTimeout>
}

/** Value-equal key for the RcMap: compared by `id`, carrying what the lookup needs. */
class InformerKey implements Equal.Equal {
  constructor(
    readonly id: string,
    readonly resource: Resource.Resource<KubeObject, KubeObject>,
    readonly options: InformerOptions
  ) {}
  [Equal.symbol](that: Equal.Equal): boolean {
    return that instanceof InformerKey && that.id === this.id
  }
  [Hash.symbol](): number {
    return Hash.string(this.id)
  }
}

const keyOf = <A extends KubeObject, I>(resource: Resource.Resource<A, I>, options: InformerOptions): InformerKey => {
  const namespace = resource.scope === "Cluster" ? undefined : options.namespace
  const id = JSON.stringify([
    Resource.gvk(resource),
    namespace ?? "",
    options.labelSelector ?? "",
    options.fieldSelector ?? "",
    options.transform?.id ?? "",
    Object.keys(options.indexers ?? {}).sort(),
    options.metadataOnly === true
  ])
  return new InformerKey(id, Resource.untyped(resource), { ...options, namespace })
}

/**
 * Builds the service over a `KubeApi` (needs a scope: informers stop when it closes).
 *
 * @example
 * const factory = yield* InformerFactory.make(kube)
 * @since 0.1.0
 */
export const make = (kube: Context.Tag.Service<KubeApi>): Effect.Effect<InformerFactoryService, never, Scope.Scope> =>
  Effect.gen(function* () {
    const informers = yield* RcMap.make({
      lookup: (key: InformerKey) => {
        const api = kube.resource(key.resource, { namespace: key.options.namespace })
        const watcherOptions: WatcherOptions = {
          namespace: key.options.namespace,
          labelSelector: key.options.labelSelector,
          fieldSelector: key.options.fieldSelector
        }
        const options: SharedInformer.Options<KubeObject> = {
          ...watcherOptions,
          transform: key.options.transform?.f,
          indexers: key.options.indexers,
          consistencyCheck: key.options.consistencyCheck
        }
        return key.options.metadataOnly === true
          ? SharedInformer.makeMetadata(api, options)
          : SharedInformer.make(api, options)
      }
    })
    return {
      informer: (resource, options) => RcMap.get(informers, keyOf(resource, options ?? {})),
      waitForCacheSync: SharedInformer.waitForCacheSync
    }
  })

/**
 * Shared informers per kind and selection, ref-counted.
 *
 * Guarantees: callers asking for the same kind, namespace, selectors, transform id, index names
 * and metadata-only flag share one informer (one watch on the server); it starts on first use
 * and stops when the last scope that got it closes.
 *
 * @example
 * const program = Effect.gen(function* () {
 *   const factory = yield* InformerFactory
 *   const pods = yield* factory.informer(Kinds.Pod, { namespace: "default" })
 *   yield* factory.waitForCacheSync([pods])
 *   return pods.store.list()
 * }).pipe(Effect.scoped, Effect.provide(InformerFactory.layer))
 * @since 0.1.0
 */
export class InformerFactory extends Context.Tag("@effect-kube/processor/InformerFactory")<
  InformerFactory,
  InformerFactoryService
>() {
  /**
   * The factory over the `KubeApi` in context; informers live until the layer is released.
   *
   * @since 0.1.0
   */
  static readonly layer: Layer.Layer<InformerFactory, never, KubeApi> = Layer.scoped(
    InformerFactory,
    Effect.flatMap(KubeApi, make)
  )
}
