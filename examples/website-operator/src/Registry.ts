/**
 * The operator's external side effect, simulated: a registry of served sites kept as entries of
 * one ConfigMap in another namespace (think DNS records or a CDN configuration). Entries cannot
 * be garbage-collected through owner references (cross-namespace), which is exactly why the
 * Website needs a finalizer.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { KubeApi } from "@effect-kube/client/KubeApi"
import type { KubeError } from "@effect-kube/core/Errors"
import * as Kinds from "@effect-kube/core/Kinds"
import type { KubeObject } from "@effect-kube/core/Meta"
import * as Patch from "@effect-kube/core/Patch"
import * as Resource from "@effect-kube/core/Resource"

/**
 * Where the registry lives.
 *
 * @since 0.1.0
 */
export const RegistryNamespace = "website-system"

/**
 * The registry ConfigMap's name.
 *
 * @since 0.1.0
 */
export const RegistryName = "website-registry"

/**
 * The registry key of a site: `<namespace>.<name>` (a valid ConfigMap key).
 *
 * @example
 * entryKey({ metadata: { name: "hello", namespace: "default" } }) // "default.hello"
 * @since 0.1.0
 */
export const entryKey = (site: KubeObject): string => `${site.metadata.namespace ?? ""}.${site.metadata.name ?? ""}`

/**
 * The in-cluster URL of a site.
 *
 * @example
 * urlOf({ metadata: { name: "hello", namespace: "default" } }) // "http://hello.default.svc.cluster.local"
 * @since 0.1.0
 */
export const urlOf = (site: KubeObject): string =>
  `http://${site.metadata.name ?? ""}.${site.metadata.namespace ?? ""}.svc.cluster.local`

/**
 * The registry service. Both operations are idempotent.
 *
 * @since 0.1.0
 */
export interface Service {
  /** Adds (or refreshes) the site's entry. */
  readonly register: (site: KubeObject) => Effect.Effect<void, KubeError>
  /** Removes the site's entry (a no-op when it is absent). */
  readonly unregister: (site: KubeObject) => Effect.Effect<void, KubeError>
  /** The current entries. */
  readonly entries: Effect.Effect<Readonly<Record<string, string>>, KubeError>
}

const isRecordOfStrings = (u: unknown): u is Record<string, string> =>
  typeof u === "object" && u !== null && Object.values(u).every((v) => typeof v === "string")

/**
 * The ConfigMap-backed registry over the `KubeApi` in context. Ensures its namespace exists.
 *
 * @example
 * const registry = yield* Registry.make
 * @since 0.1.0
 */
export const make: Effect.Effect<Service, KubeError, KubeApi> = Effect.gen(function* () {
  const kube = yield* KubeApi
  const namespaces = kube.resource(Resource.untyped(Kinds.Namespace))
  const configMaps = kube.resource(Resource.untyped(Kinds.ConfigMap), { namespace: RegistryNamespace })
  yield* namespaces
    .create({ apiVersion: "v1", kind: "Namespace", metadata: { name: RegistryNamespace } })
    .pipe(Effect.catchTag("AlreadyExists", () => Effect.void))

  // A JSON merge patch of one key: concurrent reconciles of different sites never overwrite
  // each other's entries (a server-side apply by one field manager would drop the others).
  const patch = (data: Record<string, string | null>) =>
    configMaps.patch(RegistryName, Patch.merge({ data })).pipe(
      Effect.catchTag("NotFound", () =>
        configMaps
          .create({
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { name: RegistryName, namespace: RegistryNamespace },
            data: Object.fromEntries(Object.entries(data).filter((e): e is [string, string] => e[1] !== null))
          })
          .pipe(Effect.catchTag("AlreadyExists", () => configMaps.patch(RegistryName, Patch.merge({ data }))))
      ),
      Effect.asVoid
    )

  return {
    register: (site) => patch({ [entryKey(site)]: urlOf(site) }),
    unregister: (site) => patch({ [entryKey(site)]: null }),
    entries: configMaps.get(RegistryName).pipe(
      Effect.map((cm) => (isRecordOfStrings(cm.data) ? cm.data : {})),
      Effect.catchTag("NotFound", () => Effect.succeed({}))
    )
  }
})

/**
 * The registry service tag.
 *
 * @example
 * const program = Effect.flatMap(Registry, (registry) => registry.entries)
 * @since 0.1.0
 */
export class Registry extends Context.Tag("@effect-kube/example-website-operator/Registry")<Registry, Service>() {
  /**
   * The ConfigMap-backed registry.
   *
   * @since 0.1.0
   */
  static readonly layer: Layer.Layer<Registry, KubeError, KubeApi> = Layer.effect(Registry, make)
}
