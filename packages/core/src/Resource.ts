/**
 * A resource kind: where it lives in the API (group, version, plural, scope) and the Schema
 * that decodes its objects. Built-in kinds live in `Kinds`; CRDs are declared with
 * {@link custom}; kinds known only at run time with {@link unstructured}.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { DecodeError } from "./Errors.js"
import { isKubeObject, type KubeObject, ObjectMeta } from "./Meta.js"

/**
 * `Namespaced` objects live in a namespace; `Cluster` objects do not.
 *
 * @since 0.1.0
 */
export type Scope = "Namespaced" | "Cluster"

/**
 * Which subresources a kind serves.
 *
 * @since 0.1.0
 */
export interface Subresources {
  readonly status: boolean
  readonly scale?: {
    readonly specReplicasPath: string
    readonly statusReplicasPath: string
    readonly labelSelectorPath?: string
  }
}

/**
 * A kind of Kubernetes object, typed by the value its Schema decodes to.
 *
 * Guarantees: `decode` keeps fields the Schema does not name (so an object read, changed and
 * written back loses nothing) and reports every failing field; it never throws.
 *
 * @example
 * import { Kinds } from "@effect-kube/core"
 * Kinds.ConfigMap.plural // "configmaps"
 * @since 0.1.0
 */
export interface Resource<A extends KubeObject = KubeObject, I = unknown> {
  readonly _tag: "Resource"
  /** API group, `""` for the core group. */
  readonly group: string
  readonly version: string
  /** `group/version`, or just `version` for the core group. */
  readonly apiVersion: string
  readonly kind: string
  readonly listKind: string
  /** Lower-case plural used in URLs. */
  readonly plural: string
  readonly singular: string
  readonly scope: Scope
  readonly shortNames: ReadonlyArray<string>
  readonly categories: ReadonlyArray<string>
  readonly subresources: Subresources
  /** The Schema objects decode with; for {@link unstructured} kinds it checks only `metadata`. */
  readonly schema: Schema.Schema<A, I>
  /** Decode an untrusted value; excess fields are preserved. */
  readonly decode: (u: unknown) => Either.Either<A, DecodeError>
  /** Encode a typed value back to its JSON form. */
  readonly encode: (a: A) => Either.Either<I, DecodeError>
  /** Whether {@link decode} is a full Schema decode (false for unstructured kinds). */
  readonly typed: boolean
}

/**
 * Any resource, whatever it decodes to: its API placement and a decode into {@link KubeObject}.
 * Every `Resource<A, I>` is assignable to it (a `Resource` is invariant in `A`, so
 * `Resource<KubeObject>` cannot hold typed kinds); use it for heterogeneous lists such as
 * `Kinds.all` or a controller's `owns`.
 *
 * @example
 * const watched: ReadonlyArray<Resource.Any> = [Kinds.ConfigMap, Kinds.Deployment]
 * @since 0.1.0
 */
export interface Any {
  readonly _tag: "Resource"
  readonly group: string
  readonly version: string
  readonly apiVersion: string
  readonly kind: string
  readonly listKind: string
  readonly plural: string
  readonly singular: string
  readonly scope: Scope
  readonly shortNames: ReadonlyArray<string>
  readonly categories: ReadonlyArray<string>
  readonly subresources: Subresources
  readonly typed: boolean
  readonly decode: (u: unknown) => Either.Either<KubeObject, DecodeError>
}

/**
 * The decoded type of a resource.
 *
 * @since 0.1.0
 */
export type TypeOf<R> = R extends Resource<infer A, infer _I> ? A : never

/**
 * The fields that place a kind in the API.
 *
 * @since 0.1.0
 */
export interface KindInfo {
  readonly group: string
  readonly version: string
  readonly kind: string
  readonly plural: string
  readonly scope: Scope
  readonly singular?: string
  readonly listKind?: string
  readonly shortNames?: ReadonlyArray<string>
  readonly categories?: ReadonlyArray<string>
  readonly subresources?: Subresources
}

const parseOptions = { onExcessProperty: "preserve", errors: "all" } as const

/**
 * `group/version` for an API group, `version` for the core group.
 *
 * @example
 * apiVersionOf("apps", "v1") // "apps/v1"
 * @since 0.1.0
 */
export const apiVersionOf = (group: string, version: string): string => (group === "" ? version : `${group}/${version}`)

/**
 * Builds a {@link Resource} from its API placement and a Schema.
 *
 * @example
 * const Thing = Resource.make({ group: "x.io", version: "v1", kind: "Thing", plural: "things", scope: "Namespaced" }, ThingSchema)
 * @since 0.1.0
 */
export const make = <A extends KubeObject, I>(info: KindInfo, schema: Schema.Schema<A, I>): Resource<A, I> => {
  const decodeEither = Schema.decodeUnknownEither(schema, parseOptions)
  const encodeEither = Schema.encodeEither(schema, parseOptions)
  const kind = info.kind
  return {
    _tag: "Resource",
    group: info.group,
    version: info.version,
    apiVersion: apiVersionOf(info.group, info.version),
    kind,
    listKind: info.listKind ?? `${kind}List`,
    plural: info.plural,
    singular: info.singular ?? kind.toLowerCase(),
    scope: info.scope,
    shortNames: info.shortNames ?? [],
    categories: info.categories ?? [],
    subresources: info.subresources ?? { status: false },
    schema,
    typed: true,
    decode: (u) =>
      Either.mapLeft(
        decodeEither(u),
        (error) =>
          new DecodeError({
            message: `${kind} does not match its schema: ${ParseResult.TreeFormatter.formatErrorSync(error)}`,
            kind,
            key: keyHint(u),
            resourceVersion: resourceVersionHint(u),
            cause: error
          })
      ),
    encode: (a) =>
      Either.mapLeft(
        encodeEither(a),
        (error) =>
          new DecodeError({
            message: `${kind} cannot be encoded: ${ParseResult.TreeFormatter.formatErrorSync(error)}`,
            kind,
            key: keyHint(a),
            cause: error
          })
      )
  }
}

const resourceVersionHint = (u: unknown): string | undefined => {
  if (!isKubeObject(u)) return undefined
  const rv = u.metadata.resourceVersion
  return typeof rv === "string" && rv !== "" ? rv : undefined
}

const keyHint = (u: unknown): string | undefined => {
  if (!isKubeObject(u)) return undefined
  const { name, namespace } = u.metadata
  if (name === undefined) return undefined
  return namespace ? `${namespace}/${name}` : name
}

/**
 * The Schema of an object with fixed `apiVersion`/`kind` (defaulted when absent — list items of
 * built-in kinds omit them), `metadata`, and the given fields. Unknown fields are preserved.
 *
 * @example
 * const ConfigMapSchema = objectSchema("v1", "ConfigMap", { data: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String })) })
 * @since 0.1.0
 */
export const objectSchema = <const AV extends string, const K extends string, Fields extends Schema.Struct.Fields>(
  apiVersion: AV,
  kind: K,
  fields: Fields
) =>
  Schema.Struct({
    apiVersion: Schema.optionalWith(Schema.Literal(apiVersion), { default: () => apiVersion }),
    kind: Schema.optionalWith(Schema.Literal(kind), { default: () => kind }),
    metadata: ObjectMeta,
    ...fields
  })

/**
 * Declares a custom resource (CRD) kind from its `spec` and `status` Schemas. The same
 * definition decodes objects and (with the CRD generator) produces the CRD, so the two cannot
 * drift. `status` gets the status subresource.
 *
 * @example
 * const Website = Resource.custom({
 *   group: "example.com", version: "v1", kind: "Website", plural: "websites", scope: "Namespaced",
 *   spec: Schema.Struct({ image: Schema.String, replicas: Schema.Int }),
 *   status: Schema.Struct({ readyReplicas: Schema.optional(Schema.Int) })
 * })
 * @since 0.1.0
 */
export const custom = <
  const G extends string,
  const V extends string,
  const K extends string,
  SpecA,
  SpecI,
  StatusA = never,
  StatusI = never
>(definition: {
  readonly group: G
  readonly version: V
  readonly kind: K
  readonly plural: string
  readonly scope: Scope
  readonly spec: Schema.Schema<SpecA, SpecI>
  readonly status?: Schema.Schema<StatusA, StatusI>
  readonly singular?: string
  readonly shortNames?: ReadonlyArray<string>
  readonly categories?: ReadonlyArray<string>
  readonly scale?: Subresources["scale"]
}) => {
  const apiVersion = `${definition.group}/${definition.version}` as const
  const statusSchema: Schema.Schema<StatusA, StatusI> | typeof Schema.Never = definition.status ?? Schema.Never
  const schema = objectSchema(apiVersion, definition.kind, {
    spec: definition.spec,
    status: Schema.optional(statusSchema)
  })
  return make(
    {
      group: definition.group,
      version: definition.version,
      kind: definition.kind,
      plural: definition.plural,
      scope: definition.scope,
      singular: definition.singular,
      shortNames: definition.shortNames,
      categories: definition.categories,
      subresources: { status: definition.status !== undefined, scale: definition.scale }
    },
    schema
  )
}

const notAnObject = (kind: string) =>
  new DecodeError({ message: `${kind}: expected a JSON object with a metadata object`, kind })

const UnstructuredSchema: Schema.Schema<KubeObject> = Schema.declare(isKubeObject, {
  identifier: "KubeObject",
  description: "any Kubernetes object (metadata checked, the rest kept as is)"
})

/**
 * A kind known only at run time (dynamic client). Objects are checked structurally — a JSON
 * object with a `metadata` object — not Schema-decoded, so this is also the cheap view the
 * reflector and informers use for any kind.
 *
 * @example
 * const Widgets = Resource.unstructured({ group: "acme.io", version: "v1", kind: "Widget", plural: "widgets", scope: "Namespaced" })
 * @since 0.1.0
 */
export const unstructured = (info: KindInfo): Resource<KubeObject, KubeObject> => {
  const kind = info.kind
  return {
    _tag: "Resource",
    group: info.group,
    version: info.version,
    apiVersion: apiVersionOf(info.group, info.version),
    kind,
    listKind: info.listKind ?? `${kind}List`,
    plural: info.plural,
    singular: info.singular ?? kind.toLowerCase(),
    scope: info.scope,
    shortNames: info.shortNames ?? [],
    categories: info.categories ?? [],
    subresources: info.subresources ?? { status: false },
    schema: UnstructuredSchema,
    typed: false,
    decode: (u) => (isKubeObject(u) ? Either.right(u) : Either.left(notAnObject(kind))),
    encode: (a) => Either.right(a)
  }
}

/**
 * The same kind with the cheap structural decode of {@link unstructured}: what informers use so
 * that no Schema decode happens per event.
 *
 * @example
 * const raw = Resource.untyped(Kinds.ConfigMap)
 * @since 0.1.0
 */
export const untyped = (resource: Any): Resource<KubeObject, KubeObject> => unstructured(resource)

/**
 * The `group/version/kind` triple as one string, for logs and map keys.
 *
 * @example
 * gvk(Kinds.Deployment) // "apps/v1/Deployment"
 * @since 0.1.0
 */
export const gvk = (resource: KindInfo): string => `${apiVersionOf(resource.group, resource.version)}/${resource.kind}`
