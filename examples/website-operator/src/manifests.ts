/**
 * The operator module of the example, for the manifests CLI:
 *
 * ```sh
 * pnpm tsc -b examples/website-operator packages/cli
 * node packages/cli/dist/bin/effect-kube.js manifests examples/website-operator/dist/manifests.js
 * ```
 *
 * prints the Website CRD (generated from its Schema), the ServiceAccount and
 * least-privilege roles derived from the controller's `for` / `owns` / `watches`, and the
 * Mutating/ValidatingWebhookConfigurations of the webhooks the operator serves. A plain
 * object in the shape of `Operator.make`'s options (`@effect-kube/cli`), so the example does
 * not depend on the CLI package.
 *
 * @since 0.1.0
 */
import { websiteController } from "./controller.js"
import { crd } from "./Website.js"
import { webhooks } from "./webhooks.js"

/**
 * The example operator: the Website CRD, its controller, leader election, and what the
 * controller's sources cannot reveal (the operator installs its CRD at start and creates the
 * registry's namespace), and its admission webhooks — called through Service
 * `website-operator-webhook-service` (port 443 → the pods' 9443), the CA injected by
 * cert-manager from Certificate `website-system/website-operator-serving-cert`.
 *
 * @since 0.1.0
 */
export const operator = {
  name: "website-operator",
  namespace: "website-system",
  crds: [crd],
  controllers: [websiteController],
  leaderElection: true,
  webhooks,
  webhookAnnotations: { "cert-manager.io/inject-ca-from": "website-system/website-operator-serving-cert" },
  extraRules: [
    // `ensureCrd`: server-side apply of the Website CRD, then wait for `Established`.
    {
      apiGroups: ["apiextensions.k8s.io"],
      resources: ["customresourcedefinitions"],
      verbs: ["get", "create", "patch"]
    },
    // The registry creates its namespace (its ConfigMap is covered by `owns: ConfigMap`).
    { apiGroups: [""], resources: ["namespaces"], verbs: ["create"] }
  ]
}
