/**
 * The apiserver side of webhooks: `ValidatingWebhookConfiguration` and
 * `MutatingWebhookConfiguration` objects (admissionregistration.k8s.io/v1) built from the same
 * webhook values the server serves, and the `spec.conversion` block that points a CRD at the
 * conversion webhook. Paths, rules and policies cannot drift from what is served.
 *
 * @since 0.1.0
 */
import type { Structured as LabelSelector } from "@effect-kube/core/LabelSelector"
import type { ObjectMeta } from "@effect-kube/core/Meta"
import * as Resource from "@effect-kube/core/Resource"
import type * as Admission from "./Admission.js"
import type * as Conversion from "./Conversion.js"

/**
 * Where the apiserver reaches the webhook server: an in-cluster Service (the usual case; the
 * apiserver connects to its port, default 443) or a URL (`https://host:port`, for servers
 * outside the cluster and for tests). Each webhook's path is appended.
 *
 * @example
 * const inCluster: ClientConfig = { service: { namespace: "website-system", name: "website-webhook" } }
 * const local: ClientConfig = { url: "https://127.0.0.1:9443" }
 * @since 0.1.0
 */
export type ClientConfig =
  | { readonly service: { readonly namespace: string; readonly name: string; readonly port?: number } }
  | { readonly url: string }

/**
 * `clientConfig` of one webhook as it appears in a configuration.
 *
 * @example
 * const cc: Manifests.WebhookClientConfig = { service: { namespace: "ns", name: "webhook", path: "/convert" }, caBundle: "LS0t…" }
 * @since 0.1.0
 */
export type WebhookClientConfig = {
  readonly service?: {
    readonly namespace: string
    readonly name: string
    readonly path: string
    readonly port?: number
  }
  readonly url?: string
  /** Base64 of the PEM CA bundle that signs the serving certificate. */
  readonly caBundle?: string
}

/**
 * One entry of `ValidatingWebhookConfiguration.webhooks` / `MutatingWebhookConfiguration.webhooks`.
 *
 * @example
 * const [entry] = Manifests.validatingWebhookConfiguration(webhooks, options).webhooks
 * @since 0.1.0
 */
export type WebhookEntry = {
  readonly name: string
  readonly admissionReviewVersions: ReadonlyArray<string>
  readonly clientConfig: WebhookClientConfig
  readonly rules: ReadonlyArray<Admission.Rule>
  readonly failurePolicy: "Fail" | "Ignore"
  readonly sideEffects: "None" | "NoneOnDryRun"
  readonly timeoutSeconds: number
  readonly matchPolicy: "Exact" | "Equivalent"
  readonly namespaceSelector?: LabelSelector
  readonly objectSelector?: LabelSelector
  readonly matchConditions?: ReadonlyArray<Admission.MatchCondition>
  readonly reinvocationPolicy?: "Never" | "IfNeeded"
}

/**
 * `admissionregistration.k8s.io/v1 ValidatingWebhookConfiguration`.
 *
 * @example
 * const config: Manifests.ValidatingWebhookConfiguration = Manifests.validatingWebhookConfiguration(webhooks, options)
 * @since 0.1.0
 */
export type ValidatingWebhookConfiguration = {
  readonly apiVersion: "admissionregistration.k8s.io/v1"
  readonly kind: "ValidatingWebhookConfiguration"
  readonly metadata: ObjectMeta
  readonly webhooks: ReadonlyArray<WebhookEntry>
}

/**
 * `admissionregistration.k8s.io/v1 MutatingWebhookConfiguration`.
 *
 * @example
 * const config: Manifests.MutatingWebhookConfiguration = Manifests.mutatingWebhookConfiguration(webhooks, options)
 * @since 0.1.0
 */
export type MutatingWebhookConfiguration = {
  readonly apiVersion: "admissionregistration.k8s.io/v1"
  readonly kind: "MutatingWebhookConfiguration"
  readonly metadata: ObjectMeta
  readonly webhooks: ReadonlyArray<WebhookEntry>
}

/**
 * The `ValidatingWebhookConfiguration` kind (cluster-scoped), for the client:
 * `kube.resource(Manifests.ValidatingWebhookConfigurations).apply(config, { fieldManager })`.
 *
 * @example
 * yield* kube.resource(Manifests.ValidatingWebhookConfigurations).apply(config, { fieldManager: "website-operator", force: true })
 * @since 0.1.0
 */
export const ValidatingWebhookConfigurations = Resource.unstructured({
  group: "admissionregistration.k8s.io",
  version: "v1",
  kind: "ValidatingWebhookConfiguration",
  plural: "validatingwebhookconfigurations",
  scope: "Cluster"
})

/**
 * The `MutatingWebhookConfiguration` kind (cluster-scoped), for the client.
 *
 * @example
 * yield* kube.resource(Manifests.MutatingWebhookConfigurations).apply(config, { fieldManager: "website-operator", force: true })
 * @since 0.1.0
 */
export const MutatingWebhookConfigurations = Resource.unstructured({
  group: "admissionregistration.k8s.io",
  version: "v1",
  kind: "MutatingWebhookConfiguration",
  plural: "mutatingwebhookconfigurations",
  scope: "Cluster"
})

/**
 * Options of the configuration builders.
 *
 * @example
 * const options: Manifests.ConfigurationOptions = { name: "website", clientConfig: { service: { namespace: "ns", name: "webhook" } }, caBundle: caPem }
 * @since 0.1.0
 */
export interface ConfigurationOptions {
  /** `metadata.name` of the configuration object. */
  readonly name: string
  readonly clientConfig: ClientConfig
  /**
   * PEM of the CA that signs the serving certificate (encoded to base64 here). Omit it when
   * something else injects the bundle (cert-manager's `inject-ca-from` annotation).
   */
  readonly caBundle?: string
  readonly labels?: { readonly [key: string]: string }
  readonly annotations?: { readonly [key: string]: string }
}

const base64 = (pem: string): string => Buffer.from(pem, "utf8").toString("base64")

const joinUrl = (base: string, path: string): string => `${base.replace(/\/+$/, "")}${path}`

/**
 * The `clientConfig` for a path on the server.
 *
 * @example
 * Manifests.clientConfigFor({ url: "https://127.0.0.1:9443" }, "/convert", caPem)
 * // { url: "https://127.0.0.1:9443/convert", caBundle: "LS0t…" }
 * @since 0.1.0
 */
export const clientConfigFor = (clientConfig: ClientConfig, path: string, caBundle?: string): WebhookClientConfig => {
  const ca = caBundle === undefined ? {} : { caBundle: base64(caBundle) }
  if ("url" in clientConfig) return { url: joinUrl(clientConfig.url, path), ...ca }
  const { namespace, name, port } = clientConfig.service
  return { service: { namespace, name, path, ...(port === undefined ? {} : { port }) }, ...ca }
}

const entry = (webhook: Admission.Any, options: ConfigurationOptions): WebhookEntry => ({
  name: webhook.name,
  admissionReviewVersions: ["v1"],
  clientConfig: clientConfigFor(options.clientConfig, webhook.path, options.caBundle),
  rules: webhook.rules,
  failurePolicy: webhook.failurePolicy,
  sideEffects: webhook.sideEffects,
  timeoutSeconds: webhook.timeoutSeconds,
  matchPolicy: webhook.matchPolicy,
  ...(webhook.namespaceSelector === undefined ? {} : { namespaceSelector: webhook.namespaceSelector }),
  ...(webhook.objectSelector === undefined ? {} : { objectSelector: webhook.objectSelector }),
  ...(webhook.matchConditions === undefined ? {} : { matchConditions: webhook.matchConditions }),
  ...(webhook.type === "Mutating" && webhook.reinvocationPolicy !== undefined
    ? { reinvocationPolicy: webhook.reinvocationPolicy }
    : {})
})

const metadata = (options: ConfigurationOptions): ObjectMeta => ({
  name: options.name,
  ...(options.labels === undefined ? {} : { labels: options.labels }),
  ...(options.annotations === undefined ? {} : { annotations: options.annotations })
})

/**
 * The `ValidatingWebhookConfiguration` for the validating webhooks among `webhooks` (mutating
 * ones are skipped): one entry per webhook with its rules, policies, selectors and the
 * `clientConfig` + `caBundle` pointing at its path.
 *
 * @example
 * const config = Manifests.validatingWebhookConfiguration(webhooks, {
 *   name: "website-validating", clientConfig: { service: { namespace: "website-system", name: "website-webhook" } }, caBundle: caPem
 * })
 * @since 0.1.0
 */
export const validatingWebhookConfiguration = (
  webhooks: ReadonlyArray<Admission.Any | Conversion.Any>,
  options: ConfigurationOptions
): ValidatingWebhookConfiguration => ({
  apiVersion: "admissionregistration.k8s.io/v1",
  kind: "ValidatingWebhookConfiguration",
  metadata: metadata(options),
  webhooks: webhooks.flatMap((w) =>
    w._tag === "AdmissionWebhook" && w.type === "Validating" ? [entry(w, options)] : []
  )
})

/**
 * The `MutatingWebhookConfiguration` for the mutating webhooks among `webhooks`.
 *
 * @example
 * const config = Manifests.mutatingWebhookConfiguration(webhooks, { name: "website-mutating", clientConfig, caBundle: caPem })
 * @since 0.1.0
 */
export const mutatingWebhookConfiguration = (
  webhooks: ReadonlyArray<Admission.Any | Conversion.Any>,
  options: ConfigurationOptions
): MutatingWebhookConfiguration => ({
  apiVersion: "admissionregistration.k8s.io/v1",
  kind: "MutatingWebhookConfiguration",
  metadata: metadata(options),
  webhooks: webhooks.flatMap((w) => (w._tag === "AdmissionWebhook" && w.type === "Mutating" ? [entry(w, options)] : []))
})

/**
 * `CustomResourceDefinition.spec.conversion` with strategy `Webhook`.
 *
 * @example
 * const conversion: Manifests.CrdConversion = Manifests.crdConversion({ clientConfig: { url: "https://127.0.0.1:9443" } })
 * @since 0.1.0
 */
export type CrdConversion = {
  readonly strategy: "Webhook"
  readonly webhook: {
    readonly clientConfig: WebhookClientConfig
    readonly conversionReviewVersions: ReadonlyArray<string>
  }
}

/**
 * The `spec.conversion` block that sends a CRD's conversions to the server
 * (`conversionReviewVersions: ["v1"]`, path of `webhook` or `/convert`).
 *
 * @example
 * const conversion = Manifests.crdConversion({ clientConfig: { service: { namespace: "ns", name: "webhook" } }, caBundle: caPem })
 * @since 0.1.0
 */
export const crdConversion = (options: {
  readonly clientConfig: ClientConfig
  readonly caBundle?: string
  readonly webhook?: Conversion.Any
}): CrdConversion => ({
  strategy: "Webhook",
  webhook: {
    clientConfig: clientConfigFor(options.clientConfig, options.webhook?.path ?? "/convert", options.caBundle),
    conversionReviewVersions: ["v1"]
  }
})

/**
 * A copy of a CRD (any object with a `spec`, e.g. what the CRD generator produces) whose
 * `spec.conversion` points at the conversion webhook.
 *
 * @example
 * const crd = Manifests.conversionWebhookFor(Crd.make(WebsiteV2), { clientConfig, caBundle: caPem, webhook: websites })
 * @since 0.1.0
 */
export const conversionWebhookFor = <C extends { readonly spec: object }>(
  crd: C,
  options: {
    readonly clientConfig: ClientConfig
    readonly caBundle?: string
    readonly webhook?: Conversion.Any
  }
): Omit<C, "spec"> & { readonly spec: C["spec"] & { readonly conversion: CrdConversion } } => ({
  ...crd,
  spec: { ...crd.spec, conversion: crdConversion(options) }
})
