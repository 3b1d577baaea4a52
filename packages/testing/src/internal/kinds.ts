/**
 * What the mock knows about each kind: its API placement (a `KindInfo`) plus the registry
 * strategy behaviour kube-apiserver has for it — generation tracking, status subresource,
 * create-on-update, unconditional update, name rule, field selectors, what delete returns.
 *
 * @internal
 */
import type { KindInfo, Scope } from "@effect-kube/core/Resource"
import type { GroupKind, GroupResource } from "./status.js"
import { NameRules, type NameValidator } from "./validation.js"

/** When `metadata.generation` is bumped on update. */
export type GenerationPolicy =
  /** Never managed (ConfigMap, Secret, Namespace, …). */
  | "none"
  /** Set to 1 on create, +1 when `spec` changes (most workloads). */
  | "spec"
  /** Like `spec`, and also when annotations change (Deployment). */
  | "specOrAnnotations"
  /** +1 when anything outside `metadata` (and `status` with a status subresource) changes (CRs). */
  | "nonMetadata"

/** One served version (built-in kinds have exactly one). */
export interface VersionSpec {
  readonly name: string
  readonly served: boolean
  readonly storage: boolean
  readonly status: boolean
  /** `openAPIV3Schema` of a CRD version (pruning, defaulting, validation). */
  readonly schema?: unknown
  /** CRD `selectableFields` JSON paths (`.spec.color`) as field labels (`spec.color`). */
  readonly selectableFields?: ReadonlyArray<string>
}

/** Everything the mock needs to serve one resource. */
export interface KindSpec {
  readonly group: string
  readonly kind: string
  readonly plural: string
  readonly singular: string
  readonly listKind: string
  readonly scope: Scope
  readonly shortNames: ReadonlyArray<string>
  readonly categories: ReadonlyArray<string>
  readonly versions: ReadonlyArray<VersionSpec>
  /** A custom resource served from a CRD (unstructured strategy). */
  readonly custom: boolean
  /** Name of the CRD that registered it. */
  readonly crdName?: string
  readonly generation: GenerationPolicy
  readonly nameRule: NameValidator
  readonly allowCreateOnUpdate: boolean
  readonly allowUnconditionalUpdate: boolean
  /** Delete answers with the object (true) or a `Status` Success (false). */
  readonly returnDeletedObject: boolean
  /**
   * Field selector labels the kind registers a conversion for (`field label not supported: x` for
   * others); `undefined`: only metadata.name / metadata.namespace with the default message.
   */
  readonly fieldLabels?: ReadonlyArray<string>
  /** Discovery verbs. */
  readonly verbs: ReadonlyArray<string>
  /** `/status` writes replace only `.status` (CRs) or everything but `.spec` (built-ins). */
  readonly statusUpdate: "statusOnly" | "allButSpec"
  /**
   * Top-level fields a built-in kind's Go type has (besides apiVersion, kind, metadata): the
   * typed decoder drops the others. `undefined`: keep everything (custom resources).
   */
  readonly topLevelFields?: ReadonlyArray<string>
}

/** Discovery verbs of a custom resource, in the order the apiextensions server lists them. */
export const CustomResourceVerbs: ReadonlyArray<string> = [
  "delete",
  "deletecollection",
  "get",
  "list",
  "patch",
  "create",
  "update",
  "watch"
]

/** Verbs of an ordinary resource. */
export const StandardVerbs: ReadonlyArray<string> = [
  "create",
  "delete",
  "deletecollection",
  "get",
  "list",
  "patch",
  "update",
  "watch"
]

/** The storage version. */
export const storageVersion = (spec: KindSpec): string =>
  (spec.versions.find((v) => v.storage) ?? spec.versions[0]).name

/** A served version by name. */
export const versionOf = (spec: KindSpec, version: string): VersionSpec | undefined =>
  spec.versions.find((v) => v.name === version && v.served)

/** Whether a version serves `/status`. */
export const hasStatus = (spec: KindSpec, version: string): boolean => versionOf(spec, version)?.status ?? false

/** `group/version` or `version`. */
export const apiVersionOf = (group: string, version: string): string => (group === "" ? version : `${group}/${version}`)

/** The resource key (group + plural) kinds are stored under. */
export const resourceKey = (group: string, plural: string): string => `${group}/${plural}`

/** `GroupResource` of a spec. */
export const groupResource = (spec: KindSpec): GroupResource => ({ group: spec.group, resource: spec.plural })
/** `GroupKind` of a spec. */
export const groupKind = (spec: KindSpec): GroupKind => ({ group: spec.group, kind: spec.kind })

/** The etcd key prefix kube-apiserver would use (shows up in precondition error messages). */
export const etcdPrefix = (spec: KindSpec): string =>
  spec.custom ? `/registry/${spec.group}/${spec.plural}` : `/registry/${spec.plural}`

interface BuiltinOptions {
  readonly group: string
  readonly version: string
  readonly kind: string
  readonly plural: string
  readonly scope?: Scope
  readonly shortNames?: ReadonlyArray<string>
  readonly categories?: ReadonlyArray<string>
  readonly status?: boolean
  readonly generation?: GenerationPolicy
  readonly nameRule?: NameValidator
  readonly allowCreateOnUpdate?: boolean
  readonly allowUnconditionalUpdate?: boolean
  readonly returnDeletedObject?: boolean
  readonly fieldLabels?: ReadonlyArray<string>
  readonly verbs?: ReadonlyArray<string>
  readonly fields?: ReadonlyArray<string>
}

const builtin = (o: BuiltinOptions): KindSpec => ({
  topLevelFields: o.fields ?? ["spec", "status"],
  group: o.group,
  kind: o.kind,
  plural: o.plural,
  singular: o.kind.toLowerCase(),
  listKind: `${o.kind}List`,
  scope: o.scope ?? "Namespaced",
  shortNames: o.shortNames ?? [],
  categories: o.categories ?? [],
  versions: [{ name: o.version, served: true, storage: true, status: o.status ?? false }],
  custom: false,
  generation: o.generation ?? "none",
  nameRule: o.nameRule ?? NameRules.subdomain,
  allowCreateOnUpdate: o.allowCreateOnUpdate ?? false,
  allowUnconditionalUpdate: o.allowUnconditionalUpdate ?? true,
  returnDeletedObject: o.returnDeletedObject ?? false,
  fieldLabels: o.fieldLabels,
  verbs: o.verbs ?? StandardVerbs,
  statusUpdate: "allButSpec"
})

const meta = ["metadata.name", "metadata.namespace"]

/** The built-in kinds the mock serves (kube-apiserver v1.37 strategies, simplified). */
export const builtinKinds: ReadonlyArray<KindSpec> = [
  builtin({
    group: "",
    version: "v1",
    kind: "Namespace",
    plural: "namespaces",
    scope: "Cluster",
    shortNames: ["ns"],
    status: true,
    nameRule: NameRules.namespace,
    returnDeletedObject: true,
    fieldLabels: ["metadata.name", "status.phase"],
    verbs: ["create", "delete", "get", "list", "patch", "update", "watch"]
  }),
  builtin({
    group: "",
    version: "v1",
    kind: "ConfigMap",
    plural: "configmaps",
    shortNames: ["cm"],
    fields: ["data", "binaryData", "immutable"]
  }),
  builtin({
    group: "",
    version: "v1",
    kind: "Secret",
    plural: "secrets",
    fieldLabels: [...meta, "type"],
    fields: ["data", "stringData", "type", "immutable"]
  }),
  builtin({
    group: "",
    version: "v1",
    kind: "ServiceAccount",
    plural: "serviceaccounts",
    shortNames: ["sa"],
    fields: ["secrets", "imagePullSecrets", "automountServiceAccountToken"]
  }),
  builtin({
    group: "",
    version: "v1",
    kind: "Service",
    plural: "services",
    shortNames: ["svc"],
    categories: ["all"],
    status: true,
    // RelaxedServiceNameValidation (on in v1.37): a DNS-1123 label, leading digits allowed.
    nameRule: NameRules.label,
    returnDeletedObject: true,
    fieldLabels: [...meta, "spec.clusterIP", "spec.type"]
  }),
  builtin({
    group: "",
    version: "v1",
    kind: "Pod",
    plural: "pods",
    shortNames: ["po"],
    categories: ["all"],
    status: true,
    generation: "spec",
    returnDeletedObject: true,
    fieldLabels: [
      ...meta,
      "spec.nodeName",
      "spec.restartPolicy",
      "spec.schedulerName",
      "spec.serviceAccountName",
      "spec.hostNetwork",
      "status.phase",
      "status.podIP",
      "status.podIPs",
      "status.nominatedNodeName"
    ]
  }),
  builtin({
    group: "",
    version: "v1",
    kind: "Node",
    plural: "nodes",
    scope: "Cluster",
    shortNames: ["no"],
    status: true,
    fieldLabels: ["metadata.name", "spec.unschedulable"]
  }),
  builtin({
    group: "",
    version: "v1",
    kind: "Event",
    plural: "events",
    shortNames: ["ev"],
    allowCreateOnUpdate: true,
    fields: [
      "involvedObject",
      "reason",
      "message",
      "source",
      "firstTimestamp",
      "lastTimestamp",
      "count",
      "type",
      "eventTime",
      "series",
      "action",
      "related",
      "reportingComponent",
      "reportingInstance"
    ],
    fieldLabels: [
      ...meta,
      "involvedObject.kind",
      "involvedObject.namespace",
      "involvedObject.name",
      "involvedObject.uid",
      "involvedObject.apiVersion",
      "involvedObject.resourceVersion",
      "involvedObject.fieldPath",
      "reason",
      "reportingComponent",
      "source",
      "type"
    ]
  }),
  builtin({
    group: "",
    version: "v1",
    kind: "Endpoints",
    plural: "endpoints",
    shortNames: ["ep"],
    allowCreateOnUpdate: true,
    fields: ["subsets"]
  }),
  builtin({
    group: "",
    version: "v1",
    kind: "PersistentVolumeClaim",
    plural: "persistentvolumeclaims",
    shortNames: ["pvc"],
    status: true
  }),
  builtin({
    group: "",
    version: "v1",
    kind: "PersistentVolume",
    plural: "persistentvolumes",
    scope: "Cluster",
    shortNames: ["pv"],
    status: true
  }),
  builtin({
    group: "apps",
    version: "v1",
    kind: "Deployment",
    plural: "deployments",
    shortNames: ["deploy"],
    categories: ["all"],
    status: true,
    generation: "specOrAnnotations"
  }),
  builtin({
    group: "apps",
    version: "v1",
    kind: "ReplicaSet",
    plural: "replicasets",
    shortNames: ["rs"],
    categories: ["all"],
    status: true,
    generation: "spec"
  }),
  builtin({
    group: "apps",
    version: "v1",
    kind: "StatefulSet",
    plural: "statefulsets",
    shortNames: ["sts"],
    categories: ["all"],
    status: true,
    generation: "spec"
  }),
  builtin({
    group: "apps",
    version: "v1",
    kind: "DaemonSet",
    plural: "daemonsets",
    shortNames: ["ds"],
    categories: ["all"],
    status: true,
    generation: "spec"
  }),
  builtin({
    group: "apps",
    version: "v1",
    kind: "ControllerRevision",
    plural: "controllerrevisions",
    fields: ["data", "revision"]
  }),
  builtin({
    group: "batch",
    version: "v1",
    kind: "Job",
    plural: "jobs",
    categories: ["all"],
    status: true,
    generation: "spec"
  }),
  builtin({
    group: "batch",
    version: "v1",
    kind: "CronJob",
    plural: "cronjobs",
    shortNames: ["cj"],
    categories: ["all"],
    status: true,
    generation: "spec"
  }),
  builtin({
    group: "coordination.k8s.io",
    version: "v1",
    kind: "Lease",
    plural: "leases",
    allowCreateOnUpdate: true
  }),
  builtin({
    group: "events.k8s.io",
    version: "v1",
    kind: "Event",
    plural: "events",
    shortNames: ["ev"],
    allowCreateOnUpdate: true,
    fields: [
      "eventTime",
      "series",
      "reportingController",
      "reportingInstance",
      "action",
      "reason",
      "regarding",
      "related",
      "note",
      "type",
      "deprecatedSource",
      "deprecatedFirstTimestamp",
      "deprecatedLastTimestamp",
      "deprecatedCount"
    ]
  }),
  builtin({
    group: "discovery.k8s.io",
    version: "v1",
    kind: "EndpointSlice",
    plural: "endpointslices",
    allowCreateOnUpdate: false,
    fields: ["addressType", "endpoints", "ports"]
  }),
  builtin({
    group: "networking.k8s.io",
    version: "v1",
    kind: "Ingress",
    plural: "ingresses",
    shortNames: ["ing"],
    status: true,
    generation: "spec"
  }),
  builtin({
    group: "networking.k8s.io",
    version: "v1",
    kind: "NetworkPolicy",
    plural: "networkpolicies",
    shortNames: ["netpol"],
    generation: "spec"
  }),
  builtin({
    group: "policy",
    version: "v1",
    kind: "PodDisruptionBudget",
    plural: "poddisruptionbudgets",
    shortNames: ["pdb"],
    status: true,
    generation: "spec"
  }),
  builtin({
    group: "autoscaling",
    version: "v2",
    kind: "HorizontalPodAutoscaler",
    plural: "horizontalpodautoscalers",
    shortNames: ["hpa"],
    categories: ["all"],
    status: true
  }),
  builtin({
    group: "rbac.authorization.k8s.io",
    version: "v1",
    kind: "Role",
    plural: "roles",
    nameRule: NameRules.pathSegment,
    fields: ["rules"]
  }),
  builtin({
    group: "rbac.authorization.k8s.io",
    version: "v1",
    kind: "RoleBinding",
    plural: "rolebindings",
    nameRule: NameRules.pathSegment,
    fields: ["subjects", "roleRef"]
  }),
  builtin({
    group: "rbac.authorization.k8s.io",
    version: "v1",
    kind: "ClusterRole",
    plural: "clusterroles",
    scope: "Cluster",
    nameRule: NameRules.pathSegment,
    fields: ["rules", "aggregationRule"]
  }),
  builtin({
    group: "rbac.authorization.k8s.io",
    version: "v1",
    kind: "ClusterRoleBinding",
    plural: "clusterrolebindings",
    scope: "Cluster",
    nameRule: NameRules.pathSegment,
    fields: ["subjects", "roleRef"]
  }),
  builtin({
    group: "admissionregistration.k8s.io",
    version: "v1",
    kind: "ValidatingWebhookConfiguration",
    plural: "validatingwebhookconfigurations",
    scope: "Cluster",
    categories: ["api-extensions"],
    generation: "nonMetadata",
    fields: ["webhooks"]
  }),
  builtin({
    group: "admissionregistration.k8s.io",
    version: "v1",
    kind: "MutatingWebhookConfiguration",
    plural: "mutatingwebhookconfigurations",
    scope: "Cluster",
    categories: ["api-extensions"],
    generation: "nonMetadata",
    fields: ["webhooks"]
  }),
  builtin({
    group: "scheduling.k8s.io",
    version: "v1",
    kind: "PriorityClass",
    plural: "priorityclasses",
    scope: "Cluster",
    shortNames: ["pc"],
    fields: ["value", "globalDefault", "description", "preemptionPolicy"]
  }),
  builtin({
    group: "storage.k8s.io",
    version: "v1",
    kind: "StorageClass",
    plural: "storageclasses",
    scope: "Cluster",
    shortNames: ["sc"],
    fields: [
      "provisioner",
      "parameters",
      "reclaimPolicy",
      "mountOptions",
      "allowVolumeExpansion",
      "volumeBindingMode",
      "allowedTopologies"
    ]
  }),
  builtin({
    group: "apiextensions.k8s.io",
    version: "v1",
    kind: "CustomResourceDefinition",
    plural: "customresourcedefinitions",
    scope: "Cluster",
    shortNames: ["crd", "crds"],
    categories: ["api-extensions"],
    status: true,
    generation: "spec",
    allowUnconditionalUpdate: false
  })
]

/**
 * A spec for a kind registered at run time from its placement alone (`registerKind`): treated
 * like a custom resource (generation on non-metadata changes, status subresource as declared).
 */
export const fromKindInfo = (info: KindInfo): KindSpec => ({
  group: info.group,
  kind: info.kind,
  plural: info.plural,
  singular: info.singular ?? info.kind.toLowerCase(),
  listKind: info.listKind ?? `${info.kind}List`,
  scope: info.scope,
  shortNames: info.shortNames ?? [],
  categories: info.categories ?? [],
  versions: [{ name: info.version, served: true, storage: true, status: info.subresources?.status ?? false }],
  custom: true,
  generation: "nonMetadata",
  nameRule: NameRules.subdomain,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: false,
  returnDeletedObject: false,
  verbs: CustomResourceVerbs,
  statusUpdate: "statusOnly"
})

/** A spec's placement as a `KindInfo` for one version. */
export const toKindInfo = (spec: KindSpec, version: string): KindInfo => ({
  group: spec.group,
  version,
  kind: spec.kind,
  plural: spec.plural,
  scope: spec.scope,
  singular: spec.singular,
  listKind: spec.listKind,
  shortNames: spec.shortNames,
  categories: spec.categories,
  subresources: { status: hasStatus(spec, version) }
})
