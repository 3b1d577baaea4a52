/**
 * `KubeApi`: the Kubernetes API as an Effect service — a typed {@link Api} per kind plus raw
 * requests, over any {@link KubeTransport} (the live HTTP layer or the testing mock).
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { KubeError } from "@effect-kube/core/Errors"
import type { KubeObject } from "@effect-kube/core/Meta"
import type { Resource } from "@effect-kube/core/Resource"
import type { Api } from "./Api.js"
import * as HttpTransport from "./HttpTransport.js"
import { makeApi, send } from "./internal/api.js"
import * as KubeConfig from "./KubeConfig.js"
import { KubeTransport, type KubeRequest } from "./Transport.js"

/**
 * Options of {@link KubeApi}'s `resource`.
 *
 * @example
 * kube.resource(ConfigMap, { namespace: "default" })
 * @since 0.1.0
 */
export interface ResourceOptions {
  /** Default namespace of the returned Api; absent = all namespaces (list/watch) or cluster-scoped. */
  readonly namespace?: string
}

/**
 * The service's interface.
 *
 * @example
 * const fake: KubeApiService = KubeApi.make(myTransport)
 * @since 0.1.0
 */
export interface KubeApiService {
  /**
   * The typed `Api` of one kind. Objects are decoded with `resource.decode`: pass
   * `Resource.untyped(kind)` for the cheap structural path.
   */
  readonly resource: <A extends KubeObject, I>(resource: Resource<A, I>, options?: ResourceOptions) => Api<A>
  /** Raw request: non-2xx mapped to typed errors with `Errors.fromStatus`; body returned parsed. */
  readonly request: (request: KubeRequest) => Effect.Effect<unknown, KubeError>
}

/**
 * The Kubernetes API.
 *
 * Guarantees: every failure is a typed `KubeError`; namespaced object verbs (get, create,
 * replace, patch, apply, delete, deleteCollection, status) with no namespace from the option,
 * the object or the Api fail with a `BadRequest` *without sending a request*; list and watch
 * without a namespace address all namespaces; cluster-scoped kinds ignore namespaces.
 *
 * @example
 * const program = Effect.gen(function* () {
 *   const kube = yield* KubeApi
 *   const cms = kube.resource(ConfigMap, { namespace: "default" })
 *   yield* cms.apply({ metadata: { name: "a" }, data: { k: "v" } }, { fieldManager: "me" })
 * }).pipe(Effect.provide(KubeApi.layerFromKubeConfig()))
 * @since 0.1.0
 */
export class KubeApi extends Context.Tag("@effect-kube/client/KubeApi")<KubeApi, KubeApiService>() {
  /**
   * `KubeApi` over whatever `KubeTransport` is provided (the live HTTP transport, or a mock).
   *
   * @example
   * const live = KubeApi.layer.pipe(Layer.provide(myTransportLayer))
   * @since 0.1.0
   */
  static readonly layer: Layer.Layer<KubeApi, never, KubeTransport> = Layer.effect(
    KubeApi,
    Effect.map(KubeTransport, make)
  )

  /**
   * The service over a transport value (for code that holds a transport, not a layer).
   *
   * @example
   * const kube = KubeApi.make(transport)
   * @since 0.1.0
   */
  static readonly make: (transport: Context.Tag.Service<KubeTransport>) => KubeApiService = make

  /**
   * The live API for a resolved {@link KubeConfig.ClusterAccess}. The HTTP agent (and every
   * pooled connection) closes with the layer's scope.
   *
   * @example
   * const live = KubeApi.layerFromAccess(KubeConfig.make({ server: "https://127.0.0.1:6443", ca }))
   * @since 0.1.0
   */
  static readonly layerFromAccess = (
    access: KubeConfig.ClusterAccess,
    options?: HttpTransport.HttpTransportOptions
  ): Layer.Layer<KubeApi> => KubeApi.layer.pipe(Layer.provide(HttpTransport.layer(access, options)))

  /**
   * The live API from kubeconfig: `options.kubeconfig`, `KUBECONFIG`, in-cluster, then
   * `~/.kube/config` (see {@link KubeConfig.load}); `options.context` picks a context.
   *
   * @example
   * program.pipe(Effect.provide(KubeApi.layerFromKubeConfig({ context: "kind-dev" })))
   * @since 0.1.0
   */
  static readonly layerFromKubeConfig = (
    options?: KubeConfig.LoadOptions & HttpTransport.HttpTransportOptions
  ): Layer.Layer<KubeApi, KubeConfig.KubeConfigError> =>
    Layer.unwrapEffect(Effect.map(KubeConfig.load(options), (access) => KubeApi.layerFromAccess(access, options)))

  /**
   * The live API from the pod's service account (token re-read as it rotates).
   *
   * @example
   * program.pipe(Effect.provide(KubeApi.layerInCluster()))
   * @since 0.1.0
   */
  static readonly layerInCluster = (
    options?: KubeConfig.InClusterOptions & HttpTransport.HttpTransportOptions
  ): Layer.Layer<KubeApi, KubeConfig.KubeConfigError> =>
    Layer.unwrapEffect(Effect.map(KubeConfig.inCluster(options), (access) => KubeApi.layerFromAccess(access, options)))
}

/**
 * Builds the service over a transport value (for code that holds a transport, not a layer).
 *
 * @example
 * const kube = KubeApi.make(transport)
 * @since 0.1.0
 */
export function make(transport: Context.Tag.Service<KubeTransport>): KubeApiService {
  return {
    resource: (resource, options) => makeApi(transport, resource, options?.namespace),
    request: (request) => send(transport, request)
  }
}
