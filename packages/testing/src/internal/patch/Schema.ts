/**
 * The list and struct semantics of built-in kinds, shared by strategic merge and server-side
 * apply: which lists merge by which key (client-go struct tags `patchMergeKey`/`patchStrategy`
 * for strategic merge; `listType=map`/`listMapKeys`, with key defaults, for server-side apply),
 * which are sets of primitives, which fields server-side apply treats as atomic
 * (`+structType=atomic`, `+mapType=atomic`), and which fields the Go types always serialise.
 * Any list not named here is atomic.
 *
 * @internal
 */

/** How one field merges; fields not listed merge as maps or replace as scalars/lists. */
export interface Field {
  /** Strategic merge: the list merges by this element key, or `""` for a list of primitives (a set). */
  readonly mergeKey?: string
  /**
   * Server-side apply: the list-map keys (`listMapKeys`) when they differ from `[mergeKey]`;
   * they also make a list keyed for server-side apply only (no `patchStrategy`).
   */
  readonly keys?: ReadonlyArray<string>
  /** Server-side apply: the defaults of key fields an element may omit (`protocol: TCP`). */
  readonly keyDefaults?: Readonly<Record<string, unknown>>
  /** Server-side apply: the value is owned, compared and replaced as a whole. */
  readonly atomic?: boolean
  /**
   * The Go field always serialises (a non-pointer struct, a list without `omitempty`), so the
   * typed objects the real field manager compares always have it: creating its content never
   * makes the field itself a member of the writer's field set (no `"."` entry).
   */
  readonly implicit?: boolean
  /** Schema of the nested object (or of each element of the list). */
  readonly node?: Node
}

/** The fields of an object type that merge specially. */
export type Node = { readonly [field: string]: Field }

const byType: Field = { mergeKey: "type" }
const atomic: Field = { atomic: true }
const objectMeta: Node = { finalizers: { mergeKey: "" }, ownerReferences: { mergeKey: "uid" } }
const implicitMeta: Field = { implicit: true, node: objectMeta }
const tcp = { protocol: "TCP" }
const container: Node = {
  ports: { mergeKey: "containerPort", keys: ["containerPort", "protocol"], keyDefaults: tcp },
  env: { mergeKey: "name" },
  volumeMounts: { mergeKey: "mountPath" },
  volumeDevices: { mergeKey: "devicePath" },
  resources: { implicit: true }
}
const podSpec: Node = {
  containers: { mergeKey: "name", node: container, implicit: true },
  initContainers: { mergeKey: "name", node: container },
  ephemeralContainers: { mergeKey: "name", node: container },
  volumes: { mergeKey: "name" },
  imagePullSecrets: { mergeKey: "name" },
  hostAliases: { mergeKey: "ip" },
  topologySpreadConstraints: {
    mergeKey: "topologyKey",
    keys: ["topologyKey", "whenUnsatisfiable"],
    node: { labelSelector: atomic }
  },
  resourceClaims: { mergeKey: "name" },
  schedulingGates: { mergeKey: "name" },
  nodeSelector: atomic
}
const podTemplate: Node = { metadata: implicitMeta, spec: { implicit: true, node: podSpec } }
const conditionsStatus: Field = { implicit: true, node: { conditions: byType } }
/** A workload spec: selector (atomic LabelSelector) plus an always-present pod template. */
const workloadSpec = (extra: Node = {}): Field => ({
  implicit: true,
  node: { selector: atomic, template: { implicit: true, node: podTemplate }, ...extra }
})
const workload = (extra: Node = {}): Node => ({ spec: workloadSpec(extra), status: conditionsStatus })
const jobSpec = workloadSpec()

const kinds: Readonly<Record<string, Node>> = {
  "/Pod": {
    spec: { implicit: true, node: podSpec },
    status: {
      implicit: true,
      node: {
        conditions: byType,
        podIPs: { mergeKey: "ip" },
        hostIPs: { mergeKey: "ip" },
        resourceClaimStatuses: { mergeKey: "name" }
      }
    }
  },
  "/PodTemplate": { template: { implicit: true, node: podTemplate } },
  // The template of a ReplicationController is a pointer; its selector an atomic map.
  "/ReplicationController": {
    spec: { implicit: true, node: { selector: atomic, template: { node: podTemplate } } },
    status: conditionsStatus
  },
  "/Service": {
    spec: {
      implicit: true,
      node: {
        ports: { mergeKey: "port", keys: ["port", "protocol"], keyDefaults: tcp },
        selector: atomic
      }
    },
    status: conditionsStatus
  },
  "/ServiceAccount": { secrets: { mergeKey: "name" } },
  "/Node": {
    spec: { implicit: true, node: { podCIDRs: { mergeKey: "" } } },
    status: { implicit: true, node: { conditions: byType, addresses: byType } }
  },
  "/Namespace": { status: conditionsStatus },
  "/PersistentVolumeClaim": { status: conditionsStatus },
  "apps/Deployment": workload({ strategy: { implicit: true } }),
  "apps/ReplicaSet": workload(),
  "apps/StatefulSet": workload({ updateStrategy: { implicit: true } }),
  "apps/DaemonSet": workload({ updateStrategy: { implicit: true } }),
  "batch/Job": { spec: jobSpec, status: conditionsStatus },
  "batch/CronJob": {
    spec: {
      implicit: true,
      node: { jobTemplate: { implicit: true, node: { metadata: implicitMeta, spec: jobSpec } } }
    }
  },
  "autoscaling/HorizontalPodAutoscaler": { status: conditionsStatus },
  "policy/PodDisruptionBudget": { spec: { implicit: true, node: { selector: atomic } }, status: conditionsStatus },
  "apiextensions.k8s.io/CustomResourceDefinition": {
    spec: { implicit: true, node: { names: { implicit: true } } },
    status: {
      implicit: true,
      node: { acceptedNames: { implicit: true }, conditions: { keys: ["type"], implicit: true } }
    }
  },
  "coordination.k8s.io/Lease": {}
}

/**
 * The API groups kube-apiserver serves from Go types (everything else is a custom resource,
 * stored unstructured: no implicit fields, no strategic merge).
 */
const builtinGroups = new Set([
  "",
  "admissionregistration.k8s.io",
  "apiextensions.k8s.io",
  "apiregistration.k8s.io",
  "apps",
  "authentication.k8s.io",
  "authorization.k8s.io",
  "autoscaling",
  "batch",
  "certificates.k8s.io",
  "coordination.k8s.io",
  "discovery.k8s.io",
  "events.k8s.io",
  "flowcontrol.apiserver.k8s.io",
  "internal.apiserver.k8s.io",
  "networking.k8s.io",
  "node.k8s.io",
  "policy",
  "rbac.authorization.k8s.io",
  "resource.k8s.io",
  "scheduling.k8s.io",
  "storage.k8s.io",
  "storagemigration.k8s.io"
])

/** Whether kube-apiserver serves the group from built-in Go types. */
export const isBuiltinGroup = (group: string): boolean => builtinGroups.has(group)

/** The kind coordinates the engines look a schema up by. */
export interface KindRef {
  readonly group: string
  readonly kind: string
}

const implicitField: Field = { implicit: true }

/**
 * The schema root of a kind: `metadata` is an ObjectMeta for every kind; the rest comes from the
 * built-in table (unknown kinds: every list atomic). Every built-in kind's `spec` and `status`
 * are non-pointer structs.
 */
export const rootNode = (kind: KindRef): Node => ({
  metadata: { node: objectMeta },
  ...(isBuiltinGroup(kind.group) ? { spec: implicitField, status: implicitField } : {}),
  ...kinds[`${kind.group}/${kind.kind}`]
})

/** Parses `apiVersion` into its group (`""` for the core group). */
export const groupOf = (apiVersion: string): string => {
  const slash = apiVersion.indexOf("/")
  return slash < 0 ? "" : apiVersion.slice(0, slash)
}

const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

/** The `Field` of one OpenAPI v3 schema node (`x-kubernetes-list-type`, `-list-map-keys`, `-map-type`). */
const fieldOfSchema = (schema: Readonly<Record<string, unknown>>): Field => {
  const listType = schema["x-kubernetes-list-type"]
  if (schema.type === "array") {
    const items = isRecord(schema.items) ? schema.items : {}
    if (listType === "set") return { mergeKey: "" }
    const keys = schema["x-kubernetes-list-map-keys"]
    if (listType === "map" && Array.isArray(keys) && keys.length > 0) {
      const names = keys.filter((k): k is string => typeof k === "string")
      const properties = isRecord(items.properties) ? items.properties : {}
      const keyDefaults: Record<string, unknown> = {}
      for (const k of names) {
        const p = properties[k]
        if (isRecord(p) && p.default !== undefined) keyDefaults[k] = p.default
      }
      return { keys: names, keyDefaults, node: nodeOfSchema(items) }
    }
    // Lists of a CRD are atomic unless their schema says otherwise.
    return atomic
  }
  if (schema["x-kubernetes-map-type"] === "atomic") return atomic
  const node = nodeOfSchema(schema)
  return Object.keys(node).length > 0 ? { node } : {}
}

/** The fields of an object schema that merge specially (fields merging by default are left out). */
const nodeOfSchema = (schema: Readonly<Record<string, unknown>>): Node => {
  const properties = isRecord(schema.properties) ? schema.properties : {}
  const node: Record<string, Field> = {}
  for (const [name, child] of Object.entries(properties)) {
    if (!isRecord(child)) continue
    const field = fieldOfSchema(child)
    if (Object.keys(field).length > 0) node[name] = field
  }
  return node
}

const customRoots = new WeakMap<object, Node>()

/**
 * The schema root of a custom resource from its CRD's `openAPIV3Schema`: list types, map keys
 * (with their defaults) and atomic maps, as structured-merge-diff reads them. `metadata` is an
 * ObjectMeta whatever the schema says. Cached per schema object. Maps with
 * `additionalProperties` are not descended into (their values merge by default rules).
 */
export const customRootNode = (schema: object): Node => {
  const cached = customRoots.get(schema)
  if (cached !== undefined) return cached
  const root: Node = { ...(isRecord(schema) ? nodeOfSchema(schema) : {}), metadata: { node: objectMeta } }
  customRoots.set(schema, root)
  return root
}
