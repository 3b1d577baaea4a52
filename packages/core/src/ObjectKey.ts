/**
 * Object keys: `namespace/name` (or just `name` for cluster-scoped objects), the identity the
 * store, the workqueue and reconcilers share; and {@link ObjectRef}, a key plus its kind, for logs.
 *
 * The string form follows client-go's `MetaNamespaceKeyFunc`: an empty namespace means
 * cluster-scoped. Keys are plain strings at run time; the brand only keeps them apart from
 * other strings in signatures.
 *
 * @since 0.1.0
 */
import * as Brand from "effect/Brand"
import * as Data from "effect/Data"
import * as Either from "effect/Either"
import type { KubeObject, OwnerReference } from "./Meta.js"

/**
 * The structured key of an object.
 *
 * @example
 * const k: ObjectKey = { namespace: "default", name: "web" }
 * @since 0.1.0
 */
export interface ObjectKey {
  readonly namespace?: string
  readonly name: string
}

/**
 * The string key `namespace/name` or `name`. Branded at the type level only (no runtime cost).
 *
 * @since 0.1.0
 */
export type Key = string & Brand.Brand<"@effect-kube/core/ObjectKey">

// The one place a string becomes a Key (a phantom brand: the identity at run time).
const brand = Brand.nominal<Key>()

/**
 * Builds a structured key; an empty or absent namespace means cluster-scoped.
 *
 * @example
 * ObjectKey.make("web", "default") // { namespace: "default", name: "web" }
 * @since 0.1.0
 */
export const make = (name: string, namespace?: string): ObjectKey => (namespace ? { namespace, name } : { name })

/**
 * The string key of a structured key or of an object (`metadata.namespace`/`metadata.name`).
 * Cheap enough for the hot path: one concatenation, no allocation besides the string.
 * An object without a name (only `generateName`) gets the key of an empty name.
 *
 * @example
 * ObjectKey.key({ metadata: { namespace: "default", name: "web" } }) // "default/web"
 * ObjectKey.key({ name: "node-1" }) // "node-1"
 * @since 0.1.0
 */
export const key = (target: ObjectKey | KubeObject): Key => {
  if ("metadata" in target) {
    const { namespace, name } = target.metadata
    return brand(namespace ? `${namespace}/${name ?? ""}` : (name ?? ""))
  }
  return brand(target.namespace ? `${target.namespace}/${target.name}` : target.name)
}

/**
 * The structured key of an object.
 *
 * @example
 * ObjectKey.fromObject({ metadata: { name: "web", namespace: "default" } }) // { namespace: "default", name: "web" }
 * @since 0.1.0
 */
export const fromObject = (obj: KubeObject): ObjectKey => make(obj.metadata.name ?? "", obj.metadata.namespace)

/**
 * A string that is not a valid key: empty, an empty segment, or more than one `/`.
 *
 * @since 0.1.0
 */
export class InvalidKey extends Data.TaggedError("InvalidKey")<{ readonly key: string; readonly message: string }> {}

/**
 * Parses `namespace/name` or `name`. Unlike client-go's `SplitMetaNamespaceKey` it also rejects
 * empty segments (`"/a"`, `"a/"`), which {@link key} never produces for a named object.
 *
 * @example
 * ObjectKey.parse("default/web") // Right({ namespace: "default", name: "web" })
 * ObjectKey.parse("a/b/c")       // Left(InvalidKey)
 * @since 0.1.0
 */
export const parse = (s: string): Either.Either<ObjectKey, InvalidKey> => {
  const slash = s.indexOf("/")
  if (slash === -1) {
    return s === ""
      ? Either.left(new InvalidKey({ key: s, message: "an object key must not be empty" }))
      : Either.right({ name: s })
  }
  const namespace = s.slice(0, slash)
  const name = s.slice(slash + 1)
  if (name.includes("/")) {
    return Either.left(new InvalidKey({ key: s, message: `unexpected key format "${s}": more than one "/"` }))
  }
  if (namespace === "" || name === "") {
    return Either.left(new InvalidKey({ key: s, message: `unexpected key format "${s}": empty namespace or name` }))
  }
  return Either.right({ namespace, name })
}

/**
 * Whether two structured keys name the same object (absent and empty namespace are equal).
 *
 * @example
 * ObjectKey.equals({ name: "a" }, { namespace: "", name: "a" }) // true
 * @since 0.1.0
 */
export const equals = (a: ObjectKey, b: ObjectKey): boolean =>
  a.name === b.name && (a.namespace || undefined) === (b.namespace || undefined)

/**
 * A reference to one object of one kind: what logs, events and owner lookups carry.
 *
 * @example
 * const ref: ObjectRef = { apiVersion: "apps/v1", kind: "Deployment", namespace: "default", name: "web" }
 * @since 0.1.0
 */
export interface ObjectRef extends ObjectKey {
  readonly apiVersion: string
  readonly kind: string
  readonly uid?: string
}

/**
 * The reference of an object of a kind (the kind's `apiVersion`/`kind` win over the object's,
 * which list items omit).
 *
 * @example
 * ObjectKey.refOf(Kinds.ConfigMap, cm) // { apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "cfg", uid: "…" }
 * @since 0.1.0
 */
export const refOf = (kind: { readonly apiVersion: string; readonly kind: string }, obj: KubeObject): ObjectRef => {
  const { namespace, name, uid } = obj.metadata
  return {
    apiVersion: kind.apiVersion,
    kind: kind.kind,
    ...(namespace ? { namespace } : {}),
    name: name ?? "",
    ...(uid !== undefined ? { uid } : {})
  }
}

/**
 * The reference an `ownerReference` points at. Owners live in the dependent's namespace (or
 * are cluster-scoped): pass the dependent's namespace and whether the owner kind is namespaced.
 *
 * @example
 * ObjectKey.fromOwnerReference(owner, "default") // { apiVersion, kind, namespace: "default", name, uid }
 * @since 0.1.0
 */
export const fromOwnerReference = (
  owner: OwnerReference,
  namespace: string | undefined,
  ownerNamespaced = true
): ObjectRef => ({
  apiVersion: owner.apiVersion,
  kind: owner.kind,
  ...(ownerNamespaced && namespace ? { namespace } : {}),
  name: owner.name,
  uid: owner.uid
})

/**
 * A short human form for logs: `Kind namespace/name`.
 *
 * @example
 * ObjectKey.refToString({ apiVersion: "apps/v1", kind: "Deployment", namespace: "default", name: "web" }) // "Deployment default/web"
 * @since 0.1.0
 */
export const refToString = (ref: ObjectRef): string => `${ref.kind} ${key(ref)}`
