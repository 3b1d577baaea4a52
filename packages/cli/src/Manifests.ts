/**
 * Everything an operator needs applied before it runs, as one deterministic multi-document
 * YAML: CRDs (generated from the kinds' Schemas, pointed at the conversion webhook when there is
 * one), least-privilege RBAC (see {@link Rbac}) and the admission webhook configurations.
 *
 * Same operator in, same bytes out: objects in a fixed order, keys in Kubernetes' usual order,
 * no YAML anchors, no line folding.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import * as Crd from "@effect-kube/core/Crd"
import * as WebhookManifests from "@effect-kube/webhook/Manifests"
import * as YAML from "yaml"
import type { CrdEntry, Operator } from "./Operator.js"
import * as Rbac from "./Rbac.js"

/**
 * Which parts to generate. All absent or all `false` means everything.
 *
 * @example
 * const onlyRbac: Manifests.Selection = { rbac: true }
 * @since 0.1.0
 */
export interface Selection {
  readonly crds?: boolean
  readonly rbac?: boolean
  readonly webhooks?: boolean
}

/**
 * The generated objects by part.
 *
 * @example
 * const { crds, rbac, webhooks } = Either.getOrThrow(Manifests.sections(operator))
 * @since 0.1.0
 */
export interface Sections {
  readonly crds: ReadonlyArray<Rbac.Manifest>
  readonly rbac: ReadonlyArray<Rbac.Manifest>
  readonly webhooks: ReadonlyArray<Rbac.Manifest>
}

const generate = (entry: CrdEntry): Either.Either<Crd.CustomResourceDefinition, Crd.CrdGenerationError> =>
  Either.isEither(entry) ? entry : Crd.make(entry)

const clientConfigOf = (operator: Operator): WebhookManifests.ClientConfig =>
  operator.webhookClientConfig ?? {
    service: { namespace: operator.namespace, name: `${operator.name}-webhook-service` }
  }

const crdsOf = (operator: Operator): Either.Either<ReadonlyArray<Rbac.Manifest>, Crd.CrdGenerationError> =>
  Either.map(Either.all(operator.crds.map(generate)), (crds) =>
    [...crds]
      .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0))
      .map((crd): Rbac.Manifest => {
        const webhook = operator.webhooks.find(
          (w) => w._tag === "ConversionWebhook" && w.group === crd.spec.group && w.kind === crd.spec.names.kind
        )
        return webhook === undefined || webhook._tag !== "ConversionWebhook"
          ? crd
          : WebhookManifests.conversionWebhookFor(crd, {
              clientConfig: clientConfigOf(operator),
              webhook,
              ...(operator.caBundle === undefined ? {} : { caBundle: operator.caBundle })
            })
      })
  )

const namespaceOf = (operator: Operator): ReadonlyArray<Rbac.Manifest> =>
  // Namespaces every cluster has are not the operator's to declare.
  ["default", "kube-system", "kube-public"].includes(operator.namespace)
    ? []
    : [
        {
          apiVersion: "v1",
          kind: "Namespace",
          metadata: { name: operator.namespace, labels: Rbac.labels(operator.name) }
        }
      ]

const webhooksOf = (operator: Operator): ReadonlyArray<Rbac.Manifest> => {
  const options: WebhookManifests.ConfigurationOptions = {
    name: "",
    clientConfig: clientConfigOf(operator),
    labels: Rbac.labels(operator.name),
    ...(operator.caBundle === undefined ? {} : { caBundle: operator.caBundle }),
    ...(operator.webhookAnnotations === undefined ? {} : { annotations: operator.webhookAnnotations })
  }
  const out: Array<Rbac.Manifest> = []
  const mutating = WebhookManifests.mutatingWebhookConfiguration(operator.webhooks, {
    ...options,
    name: `${operator.name}-mutating-webhook-configuration`
  })
  if (mutating.webhooks.length > 0) out.push(mutating)
  const validating = WebhookManifests.validatingWebhookConfiguration(operator.webhooks, {
    ...options,
    name: `${operator.name}-validating-webhook-configuration`
  })
  if (validating.webhooks.length > 0) out.push(validating)
  return out
}

/**
 * Generates every part: CRDs (sorted by name), RBAC (the operator's Namespace unless it is a
 * built-in one, ServiceAccount, roles and bindings) and webhook configurations (mutating,
 * validating; only those with webhooks). Fails with the first kind that cannot become a CRD.
 *
 * @example
 * const parts = Manifests.sections(Operator.make({ name: "op", crds: [Website], controllers: [websites] }))
 * @since 0.1.0
 */
export const sections = (operator: Operator): Either.Either<Sections, Crd.CrdGenerationError> =>
  Either.map(crdsOf(operator), (crds) => ({
    crds,
    rbac: [...namespaceOf(operator), ...Rbac.manifests(operator)],
    webhooks: webhooksOf(operator)
  }))

const selectAll = (selection: Selection): boolean =>
  selection.crds !== true && selection.rbac !== true && selection.webhooks !== true

/**
 * The selected parts in apply order: RBAC (with the Namespace), CRDs, webhook configurations.
 *
 * @example
 * const objects = Manifests.objects(operator, { crds: true })
 * @since 0.1.0
 */
export const objects = (
  operator: Operator,
  selection: Selection = {}
): Either.Either<ReadonlyArray<Rbac.Manifest>, Crd.CrdGenerationError> =>
  Either.map(sections(operator), (s) => {
    const all = selectAll(selection)
    return [
      ...(all || selection.rbac === true ? s.rbac : []),
      ...(all || selection.crds === true ? s.crds : []),
      ...(all || selection.webhooks === true ? s.webhooks : [])
    ]
  })

/**
 * Objects as multi-document YAML (`---` between documents, a trailing newline; empty string
 * for no objects). Deterministic: no anchors (`aliasDuplicateObjects: false`), no folding.
 *
 * @example
 * Manifests.toYaml([{ apiVersion: "v1", kind: "Namespace", metadata: { name: "ops" } }])
 * // "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ops\n"
 * @since 0.1.0
 */
export const toYaml = (documents: ReadonlyArray<unknown>): string =>
  documents
    .map((d) => YAML.stringify(d, { aliasDuplicateObjects: false, lineWidth: 0, minContentWidth: 0 }))
    .join("---\n")

/**
 * The selected parts of an operator as one YAML stream, ready for `kubectl apply -f -`.
 *
 * @example
 * const yaml = Manifests.render(operator, { rbac: true }) // Either<string, CrdGenerationError>
 * @since 0.1.0
 */
export const render = (operator: Operator, selection: Selection = {}): Either.Either<string, Crd.CrdGenerationError> =>
  Either.map(objects(operator, selection), toYaml)
