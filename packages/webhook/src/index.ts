/**
 * @effect-kube/webhook — the HTTPS admission (validating, mutating → JSON Patch) and CRD
 * conversion server the apiserver calls, with certificate reload, metrics and the webhook
 * configuration manifests.
 *
 * @since 0.1.0
 */
export * as Admission from "./Admission.js"
export * as AdmissionReview from "./AdmissionReview.js"
export * as Conversion from "./Conversion.js"
export * as ConversionReview from "./ConversionReview.js"
export * as JsonPatchDiff from "./JsonPatchDiff.js"
export * as Manifests from "./Manifests.js"
export * as WebhookServer from "./WebhookServer.js"
