/**
 * The `Website` custom resource: one Schema that decodes objects in the controller and generates
 * the CRD the apiserver validates them with.
 *
 * @since 0.1.0
 */
import type * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as Crd from "@effect-kube/core/Crd"
import { Condition, type KubeObject } from "@effect-kube/core/Meta"
import * as Resource from "@effect-kube/core/Resource"

/**
 * `spec.secretRef`: a Secret in the Website's namespace whose keys become the pods' environment.
 *
 * @since 0.1.0
 */
export const SecretRef = Schema.Struct({ name: Schema.String.pipe(Schema.minLength(1)) })

/**
 * What the user asks for.
 *
 * @example
 * const spec: typeof WebsiteSpec.Type = { image: "nginx:1.27", replicas: 2, content: "<h1>Hello</h1>" }
 * @since 0.1.0
 */
export const WebsiteSpec = Schema.Struct({
  image: Schema.String.pipe(Schema.minLength(1)),
  replicas: Schema.Int.pipe(Schema.between(1, 10)),
  content: Schema.String,
  secretRef: Schema.optional(SecretRef)
})

/**
 * What the operator reports.
 *
 * @since 0.1.0
 */
export const WebsiteStatus = Schema.Struct({
  /** The generation the operator last reconciled successfully. */
  observedGeneration: Schema.optional(Schema.Int),
  /** Where the site is served inside the cluster. */
  url: Schema.optional(Schema.String),
  conditions: Schema.optional(Schema.Array(Condition))
})

/**
 * The kind: `websites.example.com/v1`, namespaced, with the status subresource.
 *
 * @example
 * const site: Website = {
 *   apiVersion: "example.com/v1", kind: "Website", metadata: { name: "hello", namespace: "default" },
 *   spec: { image: "nginx:1.27", replicas: 2, content: "<h1>Hello</h1>" }
 * }
 * @since 0.1.0
 */
export const Website = Resource.custom({
  group: "example.com",
  version: "v1",
  kind: "Website",
  plural: "websites",
  scope: "Namespaced",
  shortNames: ["ws"],
  spec: WebsiteSpec,
  status: WebsiteStatus
})

/** @since 0.1.0 */
export type Website = Resource.TypeOf<typeof Website>

/**
 * The CRD, generated from {@link Website}'s Schema (so the apiserver and the decoder agree).
 *
 * @example
 * const crd = yield* Website.crd
 * @since 0.1.0
 */
export const crd: Either.Either<Crd.CustomResourceDefinition, Crd.CrdGenerationError> = Crd.make(Website, {
  printerColumns: [
    Crd.printerColumn({ name: "Image", type: "string", jsonPath: ".spec.image" }),
    Crd.printerColumn({ name: "Replicas", type: "integer", jsonPath: ".spec.replicas" }),
    Crd.printerColumn({ name: "URL", type: "string", jsonPath: ".status.url" })
  ]
})

/**
 * The name of the `for` cache index from a Secret key (`namespace/name`) to the Websites using it.
 *
 * @since 0.1.0
 */
export const SecretIndex = "secretRef"

const field = (value: unknown, key: string): unknown =>
  typeof value === "object" && value !== null && key in value
    ? Object.getOwnPropertyDescriptor(value, key)?.value
    : undefined

/**
 * Indexes a raw (undecoded) Website by the Secret it references — runs on every cache write, so
 * it reads the one field it needs instead of decoding the object.
 *
 * @example
 * secretRefIndex({ metadata: { name: "hello", namespace: "default" }, spec: { secretRef: { name: "env" } } }) // ["default/env"]
 * @since 0.1.0
 */
export const secretRefIndex = (object: KubeObject): ReadonlyArray<string> => {
  const name = field(field(object.spec, "secretRef"), "name")
  return typeof name === "string" && name !== "" ? [`${object.metadata.namespace ?? ""}/${name}`] : []
}
