import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Kinds from "@effect-kube/core/Kinds"
import * as Admission from "../src/Admission.js"
import * as Conversion from "../src/Conversion.js"
import * as Manifests from "../src/Manifests.js"
import { Website } from "./fixtures.js"

const caPem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
const caBase64 = Buffer.from(caPem).toString("base64")

const validate = Admission.validatingFromSchema(Website, {
  failurePolicy: "Ignore",
  timeoutSeconds: 5,
  namespaceSelector: { matchExpressions: [{ key: "env", operator: "In", values: ["prod"] }] },
  objectSelector: { matchLabels: { managed: "true" } },
  matchPolicy: "Exact",
  matchConditions: [{ name: "not-system", expression: "!request.userInfo.username.startsWith('system:')" }]
})
const mutate = Admission.defaulting(Website)
const pods = Admission.validator({
  resource: Kinds.Pod,
  subresources: ["status"],
  sideEffects: "NoneOnDryRun",
  delete: () => Effect.succeed(Admission.allowed())
})
const convert = Conversion.hub(Website, [])

describe("Manifests", () => {
  it("builds a ValidatingWebhookConfiguration of the validating webhooks only", () => {
    const config = Manifests.validatingWebhookConfiguration([validate, mutate, pods, convert], {
      name: "website-validating",
      clientConfig: { service: { namespace: "website-system", name: "website-webhook", port: 9443 } },
      caBundle: caPem,
      annotations: { owner: "me" }
    })
    expect(config).toEqual({
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingWebhookConfiguration",
      metadata: { name: "website-validating", annotations: { owner: "me" } },
      webhooks: [
        {
          name: "vwebsite.example.com",
          admissionReviewVersions: ["v1"],
          clientConfig: {
            service: {
              namespace: "website-system",
              name: "website-webhook",
              path: "/validate-example-com-v1-website",
              port: 9443
            },
            caBundle: caBase64
          },
          rules: [
            {
              operations: ["CREATE", "UPDATE"],
              apiGroups: ["example.com"],
              apiVersions: ["v1"],
              resources: ["websites"],
              scope: "Namespaced"
            }
          ],
          failurePolicy: "Ignore",
          sideEffects: "None",
          timeoutSeconds: 5,
          matchPolicy: "Exact",
          namespaceSelector: { matchExpressions: [{ key: "env", operator: "In", values: ["prod"] }] },
          objectSelector: { matchLabels: { managed: "true" } },
          matchConditions: [{ name: "not-system", expression: "!request.userInfo.username.startsWith('system:')" }]
        },
        {
          name: "vpod.core.effect-kube.io",
          admissionReviewVersions: ["v1"],
          clientConfig: {
            service: {
              namespace: "website-system",
              name: "website-webhook",
              path: "/validate-core-v1-pod",
              port: 9443
            },
            caBundle: caBase64
          },
          rules: [
            {
              operations: ["DELETE"],
              apiGroups: [""],
              apiVersions: ["v1"],
              resources: ["pods", "pods/status"],
              scope: "Namespaced"
            }
          ],
          failurePolicy: "Fail",
          sideEffects: "NoneOnDryRun",
          timeoutSeconds: 10,
          matchPolicy: "Equivalent"
        }
      ]
    })
  })

  it("builds a MutatingWebhookConfiguration with url client configs and the reinvocation policy", () => {
    const config = Manifests.mutatingWebhookConfiguration([validate, mutate], {
      name: "website-mutating",
      clientConfig: { url: "https://127.0.0.1:9443/" },
      caBundle: caPem
    })
    expect(config.kind).toBe("MutatingWebhookConfiguration")
    expect(config.webhooks).toHaveLength(1)
    expect(config.webhooks[0]).toMatchObject({
      name: "mwebsite.example.com",
      clientConfig: { url: "https://127.0.0.1:9443/mutate-example-com-v1-website", caBundle: caBase64 },
      reinvocationPolicy: "Never",
      failurePolicy: "Fail",
      sideEffects: "None",
      timeoutSeconds: 10
    })
  })

  it("leaves caBundle out when something else injects it", () => {
    const config = Manifests.mutatingWebhookConfiguration([mutate], {
      name: "m",
      clientConfig: { service: { namespace: "n", name: "s" } }
    })
    expect(config.webhooks[0]?.clientConfig).toEqual({
      service: { namespace: "n", name: "s", path: "/mutate-example-com-v1-website" }
    })
  })

  it("wires a CRD's spec.conversion to the conversion webhook", () => {
    const crd = {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: "websites.example.com" },
      spec: { group: "example.com", versions: [{ name: "v1", served: true, storage: true }] }
    }
    const wired = Manifests.conversionWebhookFor(crd, {
      clientConfig: { service: { namespace: "ns", name: "webhook" } },
      caBundle: caPem,
      webhook: Conversion.hub(Website, [], { path: "/convert-websites" })
    })
    expect(wired).toEqual({
      ...crd,
      spec: {
        ...crd.spec,
        conversion: {
          strategy: "Webhook",
          webhook: {
            clientConfig: {
              service: { namespace: "ns", name: "webhook", path: "/convert-websites" },
              caBundle: caBase64
            },
            conversionReviewVersions: ["v1"]
          }
        }
      }
    })
    expect(crd.spec).not.toHaveProperty("conversion")
    expect(Manifests.crdConversion({ clientConfig: { url: "https://h:1" } }).webhook.clientConfig).toEqual({
      url: "https://h:1/convert"
    })
  })

  it("exposes the configuration kinds for the client", () => {
    expect(Manifests.ValidatingWebhookConfigurations.plural).toBe("validatingwebhookconfigurations")
    expect(Manifests.MutatingWebhookConfigurations.scope).toBe("Cluster")
    expect(Manifests.MutatingWebhookConfigurations.apiVersion).toBe("admissionregistration.k8s.io/v1")
  })
})
