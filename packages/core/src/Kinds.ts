/**
 * Built-in Kubernetes kinds as {@link Resource} values: placement (group, version, plural, scope,
 * subresources) and a Schema that types the fields operators commonly touch. Everything a
 * Schema does not name is kept as is on decode, so read → modify → write loses nothing.
 *
 * Time fields stay RFC 3339 strings. Fields the apiserver serialises as `null` (e.g.
 * `template.metadata.creationTimestamp`, zero event times) decode to absent.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { Structured as LabelSelectorSchema } from "./LabelSelector.js"
import { ObjectMeta } from "./Meta.js"
import * as Resource from "./Resource.js"

const StringMap = Schema.Record({ key: Schema.String, value: Schema.String })
const Strings = Schema.Array(Schema.String)
const Int = Schema.Int
/** A timestamp the apiserver may serialise as `null` (zero `metav1.Time`): decodes to absent. */
const NullableTime = Schema.optionalWith(Schema.String, { nullable: true })

/**
 * `intstr.IntOrString` (ports, `maxSurge`, …).
 *
 * @example
 * Schema.decodeUnknownSync(IntOrString)("25%") // "25%"
 * @since 0.1.0
 */
export const IntOrString = Schema.Union(Schema.Int, Schema.String)
/** @since 0.1.0 */
export type IntOrString = typeof IntOrString.Type

/**
 * A resource quantity (`"500m"`, `"1Gi"`, or a bare number as written in YAML). Kept as written.
 *
 * @since 0.1.0
 */
export const Quantity = Schema.Union(Schema.String, Schema.Number)
/** @since 0.1.0 */
export type Quantity = typeof Quantity.Type

/**
 * `core/v1 ObjectReference` (event subjects, service account secrets).
 *
 * @example
 * const ref: ObjectReference = { kind: "Pod", namespace: "default", name: "web-0", uid: "u-1" }
 * @since 0.1.0
 */
export const ObjectReference = Schema.Struct({
  apiVersion: Schema.optional(Schema.String),
  kind: Schema.optional(Schema.String),
  namespace: Schema.optional(Schema.String),
  name: Schema.optional(Schema.String),
  uid: Schema.optional(Schema.String),
  resourceVersion: Schema.optional(Schema.String),
  fieldPath: Schema.optional(Schema.String)
})
/** @since 0.1.0 */
export type ObjectReference = typeof ObjectReference.Type

/**
 * The condition shape of built-in kinds (Pod, Node, Deployment, Namespace, CRD): unlike
 * `metav1.Condition`, `reason`, `message` and the times are optional.
 *
 * @since 0.1.0
 */
export const BuiltinCondition = Schema.Struct({
  type: Schema.String,
  status: Schema.String,
  reason: Schema.optional(Schema.String),
  message: Schema.optional(Schema.String),
  lastTransitionTime: NullableTime,
  lastUpdateTime: NullableTime,
  lastProbeTime: NullableTime,
  lastHeartbeatTime: NullableTime
})
/** @since 0.1.0 */
export type BuiltinCondition = typeof BuiltinCondition.Type

const LocalObjectReference = Schema.Struct({ name: Schema.optional(Schema.String) })

// ---------------------------------------------------------------------------------------------
// Namespace

/**
 * `v1 Namespace` (cluster-scoped; status subresource).
 *
 * @example
 * Kinds.Namespace.scope // "Cluster"
 * @since 0.1.0
 */
export const Namespace = Resource.make(
  {
    group: "",
    version: "v1",
    kind: "Namespace",
    plural: "namespaces",
    scope: "Cluster",
    shortNames: ["ns"],
    subresources: { status: true }
  },
  Resource.objectSchema("v1", "Namespace", {
    spec: Schema.optional(Schema.Struct({ finalizers: Schema.optional(Strings) })),
    status: Schema.optional(
      Schema.Struct({
        phase: Schema.optional(Schema.String),
        conditions: Schema.optional(Schema.Array(BuiltinCondition))
      })
    )
  })
)
/** @since 0.1.0 */
export type Namespace = Resource.TypeOf<typeof Namespace>

// ---------------------------------------------------------------------------------------------
// ConfigMap, Secret, ServiceAccount

/**
 * `v1 ConfigMap`.
 *
 * @example
 * const cm: Kinds.ConfigMap = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cfg", namespace: "default" }, data: { k: "v" } }
 * @since 0.1.0
 */
export const ConfigMap = Resource.make(
  { group: "", version: "v1", kind: "ConfigMap", plural: "configmaps", scope: "Namespaced", shortNames: ["cm"] },
  Resource.objectSchema("v1", "ConfigMap", {
    data: Schema.optional(StringMap),
    /** Base64-encoded values. */
    binaryData: Schema.optional(StringMap),
    immutable: Schema.optional(Schema.Boolean)
  })
)
/** @since 0.1.0 */
export type ConfigMap = Resource.TypeOf<typeof ConfigMap>

/**
 * `v1 Secret`. `data` values are base64 strings as on the wire (not decoded, never logged);
 * `stringData` is write-only (the apiserver merges it into `data`).
 *
 * @example
 * const s: Kinds.Secret = { apiVersion: "v1", kind: "Secret", metadata: { name: "creds" }, type: "Opaque", stringData: { password: "…" } }
 * @since 0.1.0
 */
export const Secret = Resource.make(
  { group: "", version: "v1", kind: "Secret", plural: "secrets", scope: "Namespaced" },
  Resource.objectSchema("v1", "Secret", {
    data: Schema.optional(StringMap),
    stringData: Schema.optional(StringMap),
    type: Schema.optional(Schema.String),
    immutable: Schema.optional(Schema.Boolean)
  })
)
/** @since 0.1.0 */
export type Secret = Resource.TypeOf<typeof Secret>

/**
 * `v1 ServiceAccount`.
 *
 * @example
 * Kinds.ServiceAccount.shortNames // ["sa"]
 * @since 0.1.0
 */
export const ServiceAccount = Resource.make(
  {
    group: "",
    version: "v1",
    kind: "ServiceAccount",
    plural: "serviceaccounts",
    scope: "Namespaced",
    shortNames: ["sa"]
  },
  Resource.objectSchema("v1", "ServiceAccount", {
    secrets: Schema.optional(Schema.Array(ObjectReference)),
    imagePullSecrets: Schema.optional(Schema.Array(LocalObjectReference)),
    automountServiceAccountToken: Schema.optional(Schema.Boolean)
  })
)
/** @since 0.1.0 */
export type ServiceAccount = Resource.TypeOf<typeof ServiceAccount>

// ---------------------------------------------------------------------------------------------
// Service

/**
 * `v1 ServiceSpec.ports[]`.
 *
 * @since 0.1.0
 */
export const ServicePort = Schema.Struct({
  name: Schema.optional(Schema.String),
  protocol: Schema.optional(Schema.String),
  appProtocol: Schema.optional(Schema.String),
  port: Int,
  targetPort: Schema.optional(IntOrString),
  nodePort: Schema.optional(Int)
})
/** @since 0.1.0 */
export type ServicePort = typeof ServicePort.Type

/**
 * `v1 Service` (status subresource).
 *
 * @example
 * const svc: Kinds.Service = { apiVersion: "v1", kind: "Service", metadata: { name: "web" }, spec: { selector: { app: "web" }, ports: [{ port: 80, targetPort: 8080 }] } }
 * @since 0.1.0
 */
export const Service = Resource.make(
  {
    group: "",
    version: "v1",
    kind: "Service",
    plural: "services",
    scope: "Namespaced",
    shortNames: ["svc"],
    categories: ["all"],
    subresources: { status: true }
  },
  Resource.objectSchema("v1", "Service", {
    spec: Schema.optional(
      Schema.Struct({
        type: Schema.optional(Schema.String),
        selector: Schema.optional(StringMap),
        ports: Schema.optional(Schema.Array(ServicePort)),
        clusterIP: Schema.optional(Schema.String),
        clusterIPs: Schema.optional(Strings),
        externalName: Schema.optional(Schema.String),
        externalIPs: Schema.optional(Strings),
        sessionAffinity: Schema.optional(Schema.String),
        externalTrafficPolicy: Schema.optional(Schema.String),
        internalTrafficPolicy: Schema.optional(Schema.String),
        ipFamilies: Schema.optional(Strings),
        ipFamilyPolicy: Schema.optional(Schema.String),
        loadBalancerClass: Schema.optional(Schema.String),
        publishNotReadyAddresses: Schema.optional(Schema.Boolean)
      })
    ),
    status: Schema.optional(
      Schema.Struct({
        loadBalancer: Schema.optional(
          Schema.Struct({
            ingress: Schema.optional(
              Schema.Array(
                Schema.Struct({ ip: Schema.optional(Schema.String), hostname: Schema.optional(Schema.String) })
              )
            )
          })
        ),
        conditions: Schema.optional(Schema.Array(BuiltinCondition))
      })
    )
  })
)
/** @since 0.1.0 */
export type Service = Resource.TypeOf<typeof Service>

// ---------------------------------------------------------------------------------------------
// Pod

/**
 * `v1 Container`: the fields controllers usually render; the rest (probes, mounts, security
 * context, …) pass through untyped.
 *
 * @since 0.1.0
 */
export const Container = Schema.Struct({
  name: Schema.String,
  image: Schema.optional(Schema.String),
  imagePullPolicy: Schema.optional(Schema.String),
  command: Schema.optional(Strings),
  args: Schema.optional(Strings),
  workingDir: Schema.optional(Schema.String),
  env: Schema.optional(
    Schema.Array(
      Schema.Struct({
        name: Schema.String,
        value: Schema.optional(Schema.String),
        valueFrom: Schema.optional(Schema.Unknown)
      })
    )
  ),
  envFrom: Schema.optional(Schema.Array(Schema.Unknown)),
  ports: Schema.optional(
    Schema.Array(
      Schema.Struct({
        name: Schema.optional(Schema.String),
        containerPort: Int,
        protocol: Schema.optional(Schema.String),
        hostPort: Schema.optional(Int)
      })
    )
  ),
  resources: Schema.optional(
    Schema.Struct({
      limits: Schema.optional(Schema.Record({ key: Schema.String, value: Quantity })),
      requests: Schema.optional(Schema.Record({ key: Schema.String, value: Quantity }))
    })
  ),
  volumeMounts: Schema.optional(Schema.Array(Schema.Unknown)),
  livenessProbe: Schema.optional(Schema.Unknown),
  readinessProbe: Schema.optional(Schema.Unknown),
  startupProbe: Schema.optional(Schema.Unknown),
  securityContext: Schema.optional(Schema.Unknown)
})
/** @since 0.1.0 */
export type Container = typeof Container.Type

/**
 * `v1 PodSpec` (minimal: containers and the scheduling basics typed).
 *
 * @since 0.1.0
 */
export const PodSpec = Schema.Struct({
  containers: Schema.Array(Container),
  initContainers: Schema.optional(Schema.Array(Container)),
  restartPolicy: Schema.optional(Schema.String),
  serviceAccountName: Schema.optional(Schema.String),
  nodeName: Schema.optional(Schema.String),
  nodeSelector: Schema.optional(StringMap),
  terminationGracePeriodSeconds: Schema.optional(Int),
  imagePullSecrets: Schema.optional(Schema.Array(LocalObjectReference)),
  volumes: Schema.optional(Schema.Array(Schema.Unknown)),
  affinity: Schema.optional(Schema.Unknown),
  tolerations: Schema.optional(Schema.Array(Schema.Unknown)),
  securityContext: Schema.optional(Schema.Unknown)
})
/** @since 0.1.0 */
export type PodSpec = typeof PodSpec.Type

/**
 * The `metadata` of an embedded template. The apiserver writes `creationTimestamp: null` there,
 * which decodes to absent.
 *
 * @since 0.1.0
 */
export const TemplateMeta = Schema.Struct({ ...ObjectMeta.fields, creationTimestamp: NullableTime })

/**
 * `v1 PodTemplateSpec` (Deployment, StatefulSet, Job templates).
 *
 * @since 0.1.0
 */
export const PodTemplateSpec = Schema.Struct({
  metadata: Schema.optional(TemplateMeta),
  spec: PodSpec
})
/** @since 0.1.0 */
export type PodTemplateSpec = typeof PodTemplateSpec.Type

/**
 * `v1 Pod` (status subresource).
 *
 * @example
 * const pod: Kinds.Pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: [{ name: "app", image: "nginx" }] } }
 * @since 0.1.0
 */
export const Pod = Resource.make(
  {
    group: "",
    version: "v1",
    kind: "Pod",
    plural: "pods",
    scope: "Namespaced",
    shortNames: ["po"],
    categories: ["all"],
    subresources: { status: true }
  },
  Resource.objectSchema("v1", "Pod", {
    spec: Schema.optional(PodSpec),
    status: Schema.optional(
      Schema.Struct({
        phase: Schema.optional(Schema.String),
        conditions: Schema.optional(Schema.Array(BuiltinCondition)),
        message: Schema.optional(Schema.String),
        reason: Schema.optional(Schema.String),
        hostIP: Schema.optional(Schema.String),
        podIP: Schema.optional(Schema.String),
        startTime: NullableTime,
        containerStatuses: Schema.optional(
          Schema.Array(
            Schema.Struct({
              name: Schema.String,
              ready: Schema.optional(Schema.Boolean),
              started: Schema.optional(Schema.Boolean),
              restartCount: Schema.optional(Int),
              image: Schema.optional(Schema.String),
              imageID: Schema.optional(Schema.String),
              containerID: Schema.optional(Schema.String),
              state: Schema.optional(Schema.Unknown),
              lastState: Schema.optional(Schema.Unknown)
            })
          )
        )
      })
    )
  })
)
/** @since 0.1.0 */
export type Pod = Resource.TypeOf<typeof Pod>

// ---------------------------------------------------------------------------------------------
// Deployment

/**
 * `apps/v1 Deployment` (status and scale subresources).
 *
 * @example
 * const d: Kinds.Deployment = {
 *   apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" },
 *   spec: { replicas: 2, selector: { matchLabels: { app: "web" } },
 *     template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "nginx" }] } } }
 * }
 * @since 0.1.0
 */
export const Deployment = Resource.make(
  {
    group: "apps",
    version: "v1",
    kind: "Deployment",
    plural: "deployments",
    scope: "Namespaced",
    shortNames: ["deploy"],
    categories: ["all"],
    subresources: {
      status: true,
      scale: {
        specReplicasPath: ".spec.replicas",
        statusReplicasPath: ".status.replicas",
        labelSelectorPath: ".status.selector"
      }
    }
  },
  Resource.objectSchema("apps/v1", "Deployment", {
    spec: Schema.optional(
      Schema.Struct({
        replicas: Schema.optional(Int),
        selector: LabelSelectorSchema,
        template: PodTemplateSpec,
        strategy: Schema.optional(
          Schema.Struct({
            type: Schema.optional(Schema.String),
            rollingUpdate: Schema.optional(
              Schema.Struct({ maxSurge: Schema.optional(IntOrString), maxUnavailable: Schema.optional(IntOrString) })
            )
          })
        ),
        minReadySeconds: Schema.optional(Int),
        revisionHistoryLimit: Schema.optional(Int),
        progressDeadlineSeconds: Schema.optional(Int),
        paused: Schema.optional(Schema.Boolean)
      })
    ),
    status: Schema.optional(
      Schema.Struct({
        observedGeneration: Schema.optional(Int),
        replicas: Schema.optional(Int),
        updatedReplicas: Schema.optional(Int),
        readyReplicas: Schema.optional(Int),
        availableReplicas: Schema.optional(Int),
        unavailableReplicas: Schema.optional(Int),
        terminatingReplicas: Schema.optional(Int),
        collisionCount: Schema.optional(Int),
        conditions: Schema.optional(Schema.Array(BuiltinCondition))
      })
    )
  })
)
/** @since 0.1.0 */
export type Deployment = Resource.TypeOf<typeof Deployment>

// ---------------------------------------------------------------------------------------------
// Lease

/**
 * `coordination.k8s.io/v1 Lease` (leader election). Times are RFC 3339 micro-time strings.
 *
 * @example
 * const l: Kinds.Lease = { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: "op" }, spec: { holderIdentity: "pod-a", leaseDurationSeconds: 15 } }
 * @since 0.1.0
 */
export const Lease = Resource.make(
  { group: "coordination.k8s.io", version: "v1", kind: "Lease", plural: "leases", scope: "Namespaced" },
  Resource.objectSchema("coordination.k8s.io/v1", "Lease", {
    spec: Schema.optional(
      Schema.Struct({
        holderIdentity: Schema.optional(Schema.String),
        leaseDurationSeconds: Schema.optional(Int),
        acquireTime: NullableTime,
        renewTime: NullableTime,
        leaseTransitions: Schema.optional(Int),
        strategy: Schema.optional(Schema.String),
        preferredHolder: Schema.optional(Schema.String)
      })
    )
  })
)
/** @since 0.1.0 */
export type Lease = Resource.TypeOf<typeof Lease>

// ---------------------------------------------------------------------------------------------
// Events

const EventSeries = Schema.Struct({
  count: Schema.optional(Int),
  lastObservedTime: NullableTime
})

/**
 * `v1 Event` (the core group's event; `Event` below is the events.k8s.io one). The
 * apiserver serialises unset times as `null`; they decode to absent.
 *
 * @example
 * Kinds.CoreEvent.apiVersion // "v1"
 * @since 0.1.0
 */
export const CoreEvent = Resource.make(
  { group: "", version: "v1", kind: "Event", plural: "events", scope: "Namespaced", shortNames: ["ev"] },
  Resource.objectSchema("v1", "Event", {
    involvedObject: ObjectReference,
    reason: Schema.optional(Schema.String),
    message: Schema.optional(Schema.String),
    source: Schema.optional(
      Schema.Struct({ component: Schema.optional(Schema.String), host: Schema.optional(Schema.String) })
    ),
    firstTimestamp: NullableTime,
    lastTimestamp: NullableTime,
    count: Schema.optional(Int),
    type: Schema.optional(Schema.String),
    eventTime: NullableTime,
    series: Schema.optionalWith(EventSeries, { nullable: true }),
    action: Schema.optional(Schema.String),
    related: Schema.optionalWith(ObjectReference, { nullable: true }),
    reportingComponent: Schema.optional(Schema.String),
    reportingInstance: Schema.optional(Schema.String)
  })
)
/** @since 0.1.0 */
export type CoreEvent = Resource.TypeOf<typeof CoreEvent>

/**
 * `events.k8s.io/v1 Event`: what the event recorder writes. `eventTime` is required by the
 * apiserver on create; events converted from core/v1 may carry it as `null` (decoded absent).
 *
 * @example
 * const e: Kinds.Event = {
 *   apiVersion: "events.k8s.io/v1", kind: "Event", metadata: { name: "web.1", namespace: "default" },
 *   eventTime: "2026-01-01T00:00:00.000000Z", reportingController: "example.com/website", reportingInstance: "op-1",
 *   action: "Reconcile", reason: "Synced", type: "Normal", regarding: { kind: "Website", name: "web", namespace: "default" }
 * }
 * @since 0.1.0
 */
export const Event = Resource.make(
  { group: "events.k8s.io", version: "v1", kind: "Event", plural: "events", scope: "Namespaced", shortNames: ["ev"] },
  Resource.objectSchema("events.k8s.io/v1", "Event", {
    eventTime: NullableTime,
    series: Schema.optionalWith(EventSeries, { nullable: true }),
    reportingController: Schema.optional(Schema.String),
    reportingInstance: Schema.optional(Schema.String),
    action: Schema.optional(Schema.String),
    reason: Schema.optional(Schema.String),
    regarding: Schema.optional(ObjectReference),
    related: Schema.optionalWith(ObjectReference, { nullable: true }),
    note: Schema.optional(Schema.String),
    type: Schema.optional(Schema.String),
    deprecatedSource: Schema.optional(
      Schema.Struct({ component: Schema.optional(Schema.String), host: Schema.optional(Schema.String) })
    ),
    deprecatedFirstTimestamp: NullableTime,
    deprecatedLastTimestamp: NullableTime,
    deprecatedCount: Schema.optional(Int)
  })
)
/** @since 0.1.0 */
export type Event = Resource.TypeOf<typeof Event>

// ---------------------------------------------------------------------------------------------
// Node

/**
 * `v1 Node` (cluster-scoped; status subresource).
 *
 * @example
 * Kinds.Node.scope // "Cluster"
 * @since 0.1.0
 */
export const Node = Resource.make(
  {
    group: "",
    version: "v1",
    kind: "Node",
    plural: "nodes",
    scope: "Cluster",
    shortNames: ["no"],
    subresources: { status: true }
  },
  Resource.objectSchema("v1", "Node", {
    spec: Schema.optional(
      Schema.Struct({
        podCIDR: Schema.optional(Schema.String),
        podCIDRs: Schema.optional(Strings),
        providerID: Schema.optional(Schema.String),
        unschedulable: Schema.optional(Schema.Boolean),
        taints: Schema.optional(
          Schema.Array(
            Schema.Struct({
              key: Schema.String,
              value: Schema.optional(Schema.String),
              effect: Schema.String,
              timeAdded: NullableTime
            })
          )
        )
      })
    ),
    status: Schema.optional(
      Schema.Struct({
        conditions: Schema.optional(Schema.Array(BuiltinCondition)),
        addresses: Schema.optional(Schema.Array(Schema.Struct({ type: Schema.String, address: Schema.String }))),
        capacity: Schema.optional(Schema.Record({ key: Schema.String, value: Quantity })),
        allocatable: Schema.optional(Schema.Record({ key: Schema.String, value: Quantity })),
        nodeInfo: Schema.optional(Schema.Unknown)
      })
    )
  })
)
/** @since 0.1.0 */
export type Node = Resource.TypeOf<typeof Node>

// ---------------------------------------------------------------------------------------------
// CustomResourceDefinition

/**
 * `CustomResourceDefinitionSpec.names`.
 *
 * @since 0.1.0
 */
export const CustomResourceDefinitionNames = Schema.Struct({
  plural: Schema.String,
  singular: Schema.optional(Schema.String),
  kind: Schema.String,
  listKind: Schema.optional(Schema.String),
  shortNames: Schema.optional(Strings),
  categories: Schema.optional(Strings)
})
/** @since 0.1.0 */
export type CustomResourceDefinitionNames = typeof CustomResourceDefinitionNames.Type

/**
 * `CustomResourceDefinitionSpec.versions[]`. `schema.openAPIV3Schema` stays untyped.
 *
 * @since 0.1.0
 */
export const CustomResourceDefinitionVersion = Schema.Struct({
  name: Schema.String,
  served: Schema.Boolean,
  storage: Schema.Boolean,
  deprecated: Schema.optional(Schema.Boolean),
  deprecationWarning: Schema.optional(Schema.String),
  schema: Schema.optional(Schema.Struct({ openAPIV3Schema: Schema.optional(Schema.Unknown) })),
  subresources: Schema.optional(
    Schema.Struct({
      status: Schema.optional(Schema.Unknown),
      scale: Schema.optional(
        Schema.Struct({
          specReplicasPath: Schema.String,
          statusReplicasPath: Schema.String,
          labelSelectorPath: Schema.optional(Schema.String)
        })
      )
    })
  ),
  additionalPrinterColumns: Schema.optional(Schema.Array(Schema.Unknown)),
  selectableFields: Schema.optional(Schema.Array(Schema.Struct({ jsonPath: Schema.String })))
})
/** @since 0.1.0 */
export type CustomResourceDefinitionVersion = typeof CustomResourceDefinitionVersion.Type

/**
 * `apiextensions.k8s.io/v1 CustomResourceDefinition` (cluster-scoped; status subresource).
 *
 * @example
 * Kinds.CustomResourceDefinition.shortNames // ["crd", "crds"]
 * @since 0.1.0
 */
export const CustomResourceDefinition = Resource.make(
  {
    group: "apiextensions.k8s.io",
    version: "v1",
    kind: "CustomResourceDefinition",
    plural: "customresourcedefinitions",
    scope: "Cluster",
    shortNames: ["crd", "crds"],
    categories: ["api-extensions"],
    subresources: { status: true }
  },
  Resource.objectSchema("apiextensions.k8s.io/v1", "CustomResourceDefinition", {
    spec: Schema.Struct({
      group: Schema.String,
      names: CustomResourceDefinitionNames,
      scope: Schema.Literal("Namespaced", "Cluster"),
      versions: Schema.Array(CustomResourceDefinitionVersion),
      conversion: Schema.optional(Schema.Unknown),
      preserveUnknownFields: Schema.optional(Schema.Boolean)
    }),
    status: Schema.optional(
      Schema.Struct({
        // A freshly created CRD comes back with `conditions: null` (and possibly other nulls).
        conditions: Schema.optionalWith(Schema.Array(BuiltinCondition), { nullable: true }),
        acceptedNames: Schema.optionalWith(CustomResourceDefinitionNames, { nullable: true }),
        storedVersions: Schema.optionalWith(Strings, { nullable: true })
      })
    )
  })
)
/** @since 0.1.0 */
export type CustomResourceDefinition = Resource.TypeOf<typeof CustomResourceDefinition>

// ---------------------------------------------------------------------------------------------

/**
 * Every built-in kind above, for discovery tables (the mock apiserver serves these).
 *
 * @example
 * Kinds.all.find((r) => r.plural === "leases")?.group // "coordination.k8s.io"
 * @since 0.1.0
 */
export const all: ReadonlyArray<Resource.Any> = [
  Namespace,
  ConfigMap,
  Secret,
  ServiceAccount,
  Service,
  Pod,
  Deployment,
  Lease,
  CoreEvent,
  Event,
  Node,
  CustomResourceDefinition
]

/**
 * Finds a built-in kind by `apiVersion` and `kind` (e.g. to decode an object of unknown type).
 *
 * @example
 * Kinds.find("apps/v1", "Deployment") === Kinds.Deployment // true
 * @since 0.1.0
 */
export const find = (apiVersion: string, kind: string): Resource.Any | undefined =>
  all.find((r) => r.apiVersion === apiVersion && r.kind === kind)

/**
 * Finds a built-in kind by `apiVersion` and plural, as a request path names it
 * (`/apis/apps/v1/deployments` → `("apps/v1", "deployments")`).
 *
 * @example
 * Kinds.findByPlural("v1", "configmaps") === Kinds.ConfigMap // true
 * @since 0.1.0
 */
export const findByPlural = (apiVersion: string, plural: string): Resource.Any | undefined =>
  all.find((r) => r.apiVersion === apiVersion && r.plural === plural)
