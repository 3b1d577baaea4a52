/**
 * The list semantics of built-in kinds, shared by strategic merge and server-side apply: which
 * lists merge by which key (client-go struct tags `patchMergeKey`/`patchStrategy`,
 * `listType=map`/`listMapKeys`), which are sets of primitives, and which are atomic (the
 * default: any list not named here).
 *
 * @internal
 */

/** How one field merges; fields not listed merge as maps or replace as scalars/lists. */
export interface Field {
  /** The list merges: by this element key, or `""` for a list of primitives (a set). */
  readonly mergeKey?: string
  /** Schema of the nested object (or of each element of the list). */
  readonly node?: Node
}

/** The fields of an object type that merge specially. */
export type Node = { readonly [field: string]: Field }

const byType: Field = { mergeKey: "type" }
const objectMeta: Node = { finalizers: { mergeKey: "" }, ownerReferences: { mergeKey: "uid" } }
const container: Node = {
  ports: { mergeKey: "containerPort" },
  env: { mergeKey: "name" },
  volumeMounts: { mergeKey: "mountPath" },
  volumeDevices: { mergeKey: "devicePath" }
}
const podSpec: Node = {
  containers: { mergeKey: "name", node: container },
  initContainers: { mergeKey: "name", node: container },
  ephemeralContainers: { mergeKey: "name", node: container },
  volumes: { mergeKey: "name" },
  imagePullSecrets: { mergeKey: "name" },
  hostAliases: { mergeKey: "ip" },
  topologySpreadConstraints: { mergeKey: "topologyKey" },
  resourceClaims: { mergeKey: "name" },
  schedulingGates: { mergeKey: "name" }
}
const podTemplate: Node = { metadata: { node: objectMeta }, spec: { node: podSpec } }
const conditionsStatus: Field = { node: { conditions: byType } }
const workload: Node = {
  spec: { node: { template: { node: podTemplate } } },
  status: conditionsStatus
}

const kinds: Readonly<Record<string, Node>> = {
  "/Pod": {
    spec: { node: podSpec },
    status: {
      node: {
        conditions: byType,
        podIPs: { mergeKey: "ip" },
        hostIPs: { mergeKey: "ip" },
        resourceClaimStatuses: { mergeKey: "name" }
      }
    }
  },
  "/PodTemplate": { template: { node: podTemplate } },
  "/ReplicationController": workload,
  "/Service": { spec: { node: { ports: { mergeKey: "port" } } }, status: conditionsStatus },
  "/ServiceAccount": { secrets: { mergeKey: "name" } },
  "/Node": {
    spec: { node: { podCIDRs: { mergeKey: "" } } },
    status: { node: { conditions: byType, addresses: byType } }
  },
  "/Namespace": { status: conditionsStatus },
  "/PersistentVolumeClaim": { status: conditionsStatus },
  "apps/Deployment": workload,
  "apps/ReplicaSet": workload,
  "apps/StatefulSet": workload,
  "apps/DaemonSet": workload,
  "batch/Job": workload,
  "batch/CronJob": {
    spec: { node: { jobTemplate: { node: { spec: { node: { template: { node: podTemplate } } } } } } }
  },
  "autoscaling/HorizontalPodAutoscaler": { status: conditionsStatus },
  "policy/PodDisruptionBudget": { status: conditionsStatus },
  "coordination.k8s.io/Lease": {}
}

/** The kind coordinates the engines look a schema up by. */
export interface KindRef {
  readonly group: string
  readonly kind: string
}

/**
 * The schema root of a kind: `metadata` is an ObjectMeta for every kind; the rest comes from the
 * built-in table (unknown kinds: every list atomic).
 */
export const rootNode = (kind: KindRef): Node => ({
  metadata: { node: objectMeta },
  ...kinds[`${kind.group}/${kind.kind}`]
})

/** Parses `apiVersion` into its group (`""` for the core group). */
export const groupOf = (apiVersion: string): string => {
  const slash = apiVersion.indexOf("/")
  return slash < 0 ? "" : apiVersion.slice(0, slash)
}
