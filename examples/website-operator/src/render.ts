/**
 * The desired children of a Website, as pure functions: a ConfigMap with the content, a
 * Deployment serving it, a Service in front. Each carries the Website as its controller owner
 * (garbage-collected with it; its changes reconcile the Website).
 *
 * Only the fields the operator owns are set: these are server-side apply bodies, so defaults the
 * apiserver fills and fields other managers own are left alone.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import { createHash } from "node:crypto"
import type { KubeObject } from "@effect-kube/core/Meta"
import * as Ownership from "@effect-kube/controller/Ownership"
import type { Website } from "./Website.js"

/**
 * Labels on every child (and the pod selector).
 *
 * @example
 * labelsOf(site) // { "app.kubernetes.io/name": "website", "app.kubernetes.io/instance": "hello", ... }
 * @since 0.1.0
 */
export const labelsOf = (site: Website): Record<string, string> => ({
  "app.kubernetes.io/name": "website",
  "app.kubernetes.io/instance": site.metadata.name ?? "",
  "app.kubernetes.io/managed-by": "website-operator"
})

/**
 * The pod-template annotation holding the content hash: a content change rolls the pods.
 *
 * @since 0.1.0
 */
export const ContentHashAnnotation = "example.com/content-hash"

/**
 * The pod-template annotation holding the referenced Secret's resourceVersion: a Secret change
 * rolls the pods (environment variables are read only at start).
 *
 * @since 0.1.0
 */
export const SecretVersionAnnotation = "example.com/secret-version"

/**
 * The name of the content ConfigMap.
 *
 * @since 0.1.0
 */
export const contentName = (site: Website): string => `${site.metadata.name ?? ""}-content`

const hash = (s: string): string => createHash("sha256").update(s).digest("hex").slice(0, 16)

/**
 * The three children, owned by the site (fails when the site cannot own them — e.g. it was
 * read without a uid).
 *
 * @example
 * const [configMap, deployment, service] = yield* render(site, secretVersion)
 * @since 0.1.0
 */
export const render = (
  site: Website,
  secretVersion: string | undefined
): Either.Either<ReadonlyArray<KubeObject>, Ownership.AlreadyOwned | Ownership.InvalidOwner> => {
  const name = site.metadata.name ?? ""
  const namespace = site.metadata.namespace
  const labels = labelsOf(site)
  const configMap: KubeObject = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: contentName(site), namespace, labels },
    data: { "index.html": site.spec.content }
  }
  const secretRef = site.spec.secretRef
  const deployment: KubeObject = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace, labels },
    spec: {
      replicas: site.spec.replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: {
          labels,
          annotations: {
            [ContentHashAnnotation]: hash(site.spec.content),
            ...(secretRef !== undefined && secretVersion !== undefined
              ? { [SecretVersionAnnotation]: secretVersion }
              : {})
          }
        },
        spec: {
          containers: [
            {
              name: "web",
              image: site.spec.image,
              ports: [{ name: "http", containerPort: 80 }],
              volumeMounts: [{ name: "content", mountPath: "/usr/share/nginx/html", readOnly: true }],
              ...(secretRef !== undefined ? { envFrom: [{ secretRef: { name: secretRef.name } }] } : {})
            }
          ],
          volumes: [{ name: "content", configMap: { name: contentName(site) } }]
        }
      }
    }
  }
  const service: KubeObject = {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace, labels },
    spec: { selector: labels, ports: [{ name: "http", port: 80, targetPort: "http" }] }
  }
  return Either.all([configMap, deployment, service].map((child) => Ownership.setControllerReference(site, child)))
}
