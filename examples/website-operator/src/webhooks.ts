/**
 * The Website admission webhooks: a defaulting (mutating) webhook that fills in what users may
 * leave out, and a validating webhook that enforces the Schema plus a rule the CRD's OpenAPI
 * schema cannot express (the image must be pinned).
 *
 * The stored Website always satisfies the strict {@link Website} Schema the controller decodes
 * with: `spec.replicas` and `spec.content` stay required in the CRD; the defaulting webhook is
 * what makes them optional for users (mutating admission runs before the apiserver validates
 * the object against the CRD). Without the webhooks registered, a Website missing them is
 * rejected by the CRD's validation — never stored half-specified.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Resource from "@effect-kube/core/Resource"
import * as Admission from "@effect-kube/webhook/Admission"
import { Website, WebsiteSpec, WebsiteStatus } from "./Website.js"

/**
 * `spec.replicas` when a Website does not say.
 *
 * @since 0.1.0
 */
export const DefaultReplicas = 1

/**
 * `spec.content` when a Website does not say: a placeholder page naming the site. It depends
 * on the object's name, which is why it is a webhook default and not a CRD `default`.
 *
 * @example
 * defaultContent("hello") // "<h1>hello</h1>\n<p>This site has no content yet.</p>"
 * @since 0.1.0
 */
export const defaultContent = (name: string): string => `<h1>${name}</h1>\n<p>This site has no content yet.</p>`

/**
 * The Website as users may write it: the same kind (group, version, plural) as {@link Website}
 * with `replicas` defaulted by the Schema and `content` optional. Only the defaulting webhook
 * decodes with it; everything else uses the strict {@link Website}.
 *
 * @since 0.1.0
 */
export const WebsiteInput = Resource.custom({
  group: Website.group,
  version: Website.version,
  kind: Website.kind,
  plural: Website.plural,
  scope: "Namespaced",
  spec: Schema.Struct({
    ...WebsiteSpec.fields,
    replicas: Schema.optionalWith(WebsiteSpec.fields.replicas, { default: () => DefaultReplicas }),
    content: Schema.optional(WebsiteSpec.fields.content)
  }),
  status: WebsiteStatus
})

/** @since 0.1.0 */
export type WebsiteInput = Resource.TypeOf<typeof WebsiteInput>

/**
 * The defaulting webhook (`/mutate-example-com-v1-website`, name `mwebsite.example.com`), on
 * CREATE and UPDATE: the Schema's defaults (`replicas: 1`) and a placeholder `content` naming
 * the site. Idempotent — a Website that already has both gets no patch.
 *
 * @example
 * const server = WebhookServer.make({ webhooks: [defaulter, validator], certDir })
 * @since 0.1.0
 */
export const defaulter: Admission.Webhook = Admission.mutating({
  resource: WebsiteInput,
  handler: (site: WebsiteInput) =>
    Effect.succeed(
      site.spec.content === undefined
        ? { ...site, spec: { ...site.spec, content: defaultContent(site.metadata.name ?? "") } }
        : site
    )
})

/**
 * Why `image` is not pinned, or `undefined` when it is: it must carry a digest (`@sha256:…`)
 * or a tag other than `latest`. A port in the registry host (`registry:5000/nginx`) is not a tag.
 *
 * @example
 * imageProblem("nginx") // "spec.image \"nginx\" has no tag: pin a version (nginx:1.27) or a digest"
 * imageProblem("nginx:1.27") // undefined
 * @since 0.1.0
 */
export const imageProblem = (image: string): string | undefined => {
  if (image.includes("@")) return undefined
  const lastSegment = image.slice(image.lastIndexOf("/") + 1)
  const colon = lastSegment.lastIndexOf(":")
  if (colon === -1) return `spec.image "${image}" has no tag: pin a version (${image}:1.27) or a digest`
  if (lastSegment.slice(colon + 1) === "latest") {
    return `spec.image "${image}" uses the latest tag: pin a version or a digest`
  }
  return undefined
}

const checkImage = (site: Website): Admission.Decision => {
  const problem = imageProblem(site.spec.image)
  return problem === undefined
    ? Admission.allowed()
    : Admission.denied(problem, {
        code: 422,
        reason: "Invalid",
        causes: [{ reason: "FieldValueInvalid", field: "spec.image", message: problem }]
      })
}

/**
 * The validating webhook (`/validate-example-com-v1-website`, name `vwebsite.example.com`):
 *
 * - the object must decode with the {@link Website} Schema (denied `422 Invalid` per field);
 * - `spec.image` must be pinned ({@link imageProblem}) — the rollout is only reproducible
 *   when the image is. On UPDATE the rule applies only when the image changes: Websites
 *   stored before the webhook existed stay editable (and deletable) without touching the image,
 *   as Kubernetes ratchets tightened validation.
 *
 * No side effects, so `sideEffects: None` and dry runs are validated like any write.
 *
 * @example
 * const config = Manifests.validatingWebhookConfiguration(webhooks, { name: "website", clientConfig, caBundle })
 * @since 0.1.0
 */
export const validator: Admission.Webhook = Admission.validator({
  resource: Website,
  create: (site) => Effect.succeed(checkImage(site)),
  update: (site, old) =>
    Effect.succeed(old !== undefined && old.spec.image === site.spec.image ? Admission.allowed() : checkImage(site))
})

/**
 * Both Website webhooks, mutating first: what the operator serves and what `effect-kube
 * manifests` registers.
 *
 * @since 0.1.0
 */
export const webhooks: ReadonlyArray<Admission.Webhook> = [defaulter, validator]
