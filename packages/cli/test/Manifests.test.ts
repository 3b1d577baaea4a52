import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as Resource from "@effect-kube/core/Resource"
import * as Conversion from "@effect-kube/webhook/Conversion"
import * as YAML from "yaml"
import * as Manifests from "../src/Manifests.js"
import * as Operator from "../src/Operator.js"
import { defaulting, Shop, shops } from "./fixtures/Shop.js"

const operator = Operator.make({
  name: "shop-operator",
  crds: [Shop],
  controllers: [shops],
  webhooks: [defaulting],
  leaderElection: true
})

const parseAll = (yaml: string): ReadonlyArray<unknown> => YAML.parseAllDocuments(yaml).map((d) => d.toJS())

describe("Manifests", () => {
  it("YAML parses back to exactly the objects, in apply order", () => {
    const objects = Either.getOrThrow(Manifests.objects(operator))
    const yaml = Either.getOrThrow(Manifests.render(operator))
    expect(parseAll(yaml)).toEqual(JSON.parse(JSON.stringify(objects)))
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      "Namespace/shop-operator-system",
      "ServiceAccount/shop-operator-controller-manager",
      "ClusterRole/shop-operator-manager-role",
      "ClusterRoleBinding/shop-operator-manager-rolebinding",
      "Role/shop-operator-leader-election-role",
      "RoleBinding/shop-operator-leader-election-rolebinding",
      "CustomResourceDefinition/shops.shop.example.com",
      "MutatingWebhookConfiguration/shop-operator-mutating-webhook-configuration"
    ])
    expect(yaml).not.toMatch(/[&*]a\d/) // no anchors or aliases
    expect(Either.getOrThrow(Manifests.render(operator))).toBe(yaml) // deterministic
  })

  it("selects parts; the webhook configuration points at the default Service", () => {
    const kinds = (selection: Manifests.Selection) =>
      Either.getOrThrow(Manifests.objects(operator, selection)).map((o) => o.kind)
    expect(kinds({ crds: true })).toEqual(["CustomResourceDefinition"])
    expect(kinds({ webhooks: true, crds: true })).toEqual(["CustomResourceDefinition", "MutatingWebhookConfiguration"])
    const [hooks] = Either.getOrThrow(Manifests.objects(operator, { webhooks: true }))
    expect(JSON.parse(JSON.stringify(hooks))).toMatchObject({
      webhooks: [
        {
          name: defaulting.name,
          clientConfig: {
            service: { namespace: "shop-operator-system", name: "shop-operator-webhook-service", path: defaulting.path }
          }
        }
      ]
    })
  })

  it("points a CRD with a conversion webhook at it", () => {
    const spec = Schema.Struct({ image: Schema.String })
    const V1 = Resource.custom({
      group: "g.example.com",
      version: "v1",
      kind: "Thing",
      plural: "things",
      scope: "Namespaced",
      spec
    })
    const V2 = Resource.custom({
      group: "g.example.com",
      version: "v2",
      kind: "Thing",
      plural: "things",
      scope: "Namespaced",
      spec
    })
    const hub = Conversion.hub(V2, [
      Conversion.spoke(V1, {
        toHub: (o) => Effect.succeed({ ...o, apiVersion: "g.example.com/v2" as const }),
        fromHub: (o) => Effect.succeed({ ...o, apiVersion: "g.example.com/v1" as const })
      })
    ])
    const op = Operator.make({
      name: "things",
      crds: [
        [
          { resource: V1, storage: false },
          { resource: V2, storage: true }
        ]
      ],
      webhooks: [hub],
      webhookClientConfig: { url: "https://127.0.0.1:9443" }
    })
    const [crd] = Either.getOrThrow(Manifests.objects(op, { crds: true }))
    expect(JSON.parse(JSON.stringify(crd)).spec.conversion).toEqual({
      strategy: "Webhook",
      webhook: { clientConfig: { url: "https://127.0.0.1:9443/convert" }, conversionReviewVersions: ["v1"] }
    })
  })

  it("fails with the CrdGenerationError of a kind that cannot be a CRD", () => {
    const Bad = Resource.custom({
      group: "b.example.com",
      version: "v1",
      kind: "Bad",
      plural: "bads",
      scope: "Cluster",
      spec: Schema.Struct({ at: Schema.DateFromSelf })
    })
    const result = Manifests.render(Operator.make({ name: "bad", crds: [Bad] }))
    expect(Either.isLeft(result) && result.left._tag).toBe("CrdGenerationError")
  })
})
