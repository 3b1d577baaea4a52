/**
 * Least-privilege RBAC derived from what the controllers watch and write, following
 * kubebuilder's layout: a ServiceAccount, a `manager-role` ClusterRole bound to it (a Role per
 * namespace for controllers restricted to one), and a `leader-election-role` Role for Leases in
 * the operator's namespace.
 *
 * Verbs per source (controller-runtime's needs):
 * - `for` kind: get, list, watch, update, patch; `<plural>/status`: get, update, patch;
 *   `<plural>/finalizers`: update (the OwnerReferencesPermissionEnforcement admission plugin
 *   requires it to set `blockOwnerDeletion` on children);
 * - `owns` kinds: get, list, watch, create, update, patch, delete;
 * - `watches` kinds: get, list, watch (a metadata-only watch lists and watches too);
 * - Events (core and events.k8s.io): create, patch — what the event recorder does;
 * - Leases (coordination.k8s.io), with leader election: get, create, update.
 *
 * Output is deterministic: verbs sorted, one rule per (API group, verb set) with its resources
 * sorted, rules ordered by group then resources (controller-gen's normal form).
 *
 * @since 0.1.0
 */
import type { ObjectMeta } from "@effect-kube/core/Meta"
import type { ControllerInfo, KindRef, Operator, PolicyRule } from "./Operator.js"

/**
 * A namespaced set of rules (a Role) — or the cluster-wide one (`namespace: undefined`).
 *
 * @example
 * const [cluster] = Rbac.permissions(operator)
 * @since 0.1.0
 */
export interface Permissions {
  readonly namespace: string | undefined
  readonly rules: ReadonlyArray<PolicyRule>
}

/** Verb sets, controller-runtime's. */
const forVerbs = ["get", "list", "watch", "update", "patch"]
const statusVerbs = ["get", "update", "patch"]
const finalizerVerbs = ["update"]
const ownsVerbs = ["get", "list", "watch", "create", "update", "patch", "delete"]
const watchVerbs = ["get", "list", "watch"]
const eventVerbs = ["create", "patch"]
const leaseVerbs = ["get", "create", "update"]

const CLUSTER = "\u0000cluster"

const getOrCreate = <K, V>(map: Map<K, V>, key: K, make: () => V): V => {
  const existing = map.get(key)
  if (existing !== undefined) return existing
  const created = make()
  map.set(key, created)
  return created
}

class RuleSet {
  // bucket → apiGroup → resource → verbs
  private readonly buckets = new Map<string, Map<string, Map<string, Set<string>>>>()
  private readonly verbatim = new Map<string, Array<PolicyRule>>()

  add(bucket: string, group: string, resource: string, verbs: ReadonlyArray<string>): void {
    const groups = getOrCreate(this.buckets, bucket, () => new Map())
    const resources = getOrCreate(groups, group, () => new Map())
    const set = getOrCreate(resources, resource, () => new Set())
    for (const v of verbs) set.add(v)
  }

  addRule(bucket: string, rule: PolicyRule): void {
    // Plain rules merge; rules narrowed by resourceNames or about non-resource URLs stay as written.
    if (rule.resourceNames === undefined && rule.nonResourceURLs === undefined) {
      for (const group of rule.apiGroups ?? [""]) {
        for (const resource of rule.resources ?? []) this.add(bucket, group, resource, rule.verbs)
      }
      return
    }
    const list = this.verbatim.get(bucket) ?? []
    list.push(normaliseRule(rule))
    this.verbatim.set(bucket, list)
  }

  permissions(): ReadonlyArray<Permissions> {
    const names = [...new Set([...this.buckets.keys(), ...this.verbatim.keys()])].sort(compareStrings)
    return names.map((bucket) => ({
      namespace: bucket === CLUSTER ? undefined : bucket,
      rules: [
        ...normalForm(this.buckets.get(bucket) ?? new Map()),
        ...(this.verbatim.get(bucket) ?? []).sort((a, b) => compareStrings(JSON.stringify(a), JSON.stringify(b)))
      ]
    }))
  }
}

const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

const sorted = (values: Iterable<string>): Array<string> => [...new Set(values)].sort(compareStrings)

const normaliseRule = (rule: PolicyRule): PolicyRule => ({
  ...(rule.apiGroups === undefined ? {} : { apiGroups: sorted(rule.apiGroups) }),
  ...(rule.resources === undefined ? {} : { resources: sorted(rule.resources) }),
  ...(rule.resourceNames === undefined ? {} : { resourceNames: sorted(rule.resourceNames) }),
  ...(rule.nonResourceURLs === undefined ? {} : { nonResourceURLs: sorted(rule.nonResourceURLs) }),
  verbs: sorted(rule.verbs)
})

const normalForm = (groups: Map<string, Map<string, Set<string>>>): Array<PolicyRule> => {
  const rules: Array<PolicyRule> = []
  for (const group of sorted(groups.keys())) {
    const resources = groups.get(group) ?? new Map<string, Set<string>>()
    // One rule per distinct verb set of this group.
    const byVerbs = new Map<string, Array<string>>()
    for (const [resource, verbs] of resources) {
      const key = sorted(verbs).join(",")
      const list = byVerbs.get(key) ?? []
      list.push(resource)
      byVerbs.set(key, list)
    }
    const groupRules = [...byVerbs].map(([verbs, resources]) => ({
      apiGroups: [group],
      resources: sorted(resources),
      verbs: verbs.split(",")
    }))
    groupRules.sort((a, b) => compareStrings(a.resources.join(","), b.resources.join(",")))
    rules.push(...groupRules)
  }
  return rules
}

const bucketOf = (kind: KindRef, namespace: string | undefined): string =>
  kind.scope === "Cluster" || namespace === undefined ? CLUSTER : namespace

const addController = (set: RuleSet, controller: ControllerInfo, events: boolean): void => {
  const primary = controller.for
  const home = bucketOf(primary, controller.namespace)
  set.add(home, primary.group, primary.plural, forVerbs)
  set.add(home, primary.group, `${primary.plural}/status`, statusVerbs)
  set.add(home, primary.group, `${primary.plural}/finalizers`, finalizerVerbs)
  for (const source of controller.owns) {
    set.add(
      bucketOf(source.resource, source.options.namespace ?? controller.namespace),
      source.resource.group,
      source.resource.plural,
      ownsVerbs
    )
  }
  for (const source of controller.watches) {
    set.add(
      bucketOf(source.resource, source.options.namespace ?? controller.namespace),
      source.resource.group,
      source.resource.plural,
      watchVerbs
    )
  }
  if (events) {
    // Events go to the object's namespace (cluster-scoped objects: `default`), so a
    // cluster-scoped `for` kind needs them cluster-wide.
    set.add(home, "", "events", eventVerbs)
    set.add(home, "events.k8s.io", "events", eventVerbs)
  }
}

/**
 * The rules the operator's controllers need, per namespace: the cluster-wide set first
 * (`namespace: undefined`, for controllers watching all namespaces, cluster-scoped kinds and
 * `extraRules`), then one set per namespace that namespace-restricted controllers use. Leases
 * are not included (see {@link leaderElectionRules}).
 *
 * @example
 * const perms = Rbac.permissions(Operator.make({ name: "op", controllers: [websites] }))
 * perms[0].rules // [{ apiGroups: [""], resources: ["configmaps"], verbs: ["create", "delete", …] }, …]
 * @since 0.1.0
 */
export const permissions = (operator: Operator): ReadonlyArray<Permissions> => {
  const set = new RuleSet()
  for (const controller of operator.controllers) addController(set, controller, operator.events)
  for (const rule of operator.extraRules) set.addRule(CLUSTER, rule)
  return set.permissions()
}

/**
 * The rules a controller needs on its own (as if it were the only one), for inspection and tests.
 *
 * @example
 * Rbac.controllerRules(websiteController) // cluster-wide rules of a controller watching all namespaces
 * @since 0.1.0
 */
export const controllerRules = (controller: ControllerInfo, options: { readonly events?: boolean } = {}) => {
  const set = new RuleSet()
  addController(set, controller, options.events ?? true)
  return set.permissions()
}

/**
 * The Lease rules of leader election (coordination.k8s.io leases: get, create, update).
 *
 * @example
 * Rbac.leaderElectionRules // [{ apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["create", "get", "update"] }]
 * @since 0.1.0
 */
export const leaderElectionRules: ReadonlyArray<PolicyRule> = [
  { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: sorted(leaseVerbs) }
]

/**
 * A Kubernetes object as the manifests print it (the fields every object has).
 *
 * @example
 * const ns: Rbac.Manifest = { apiVersion: "v1", kind: "Namespace", metadata: { name: "op-system" } }
 * @since 0.1.0
 */
export interface Manifest {
  readonly apiVersion: string
  readonly kind: string
  readonly metadata: ObjectMeta
}

/**
 * A `Role` or `ClusterRole`.
 *
 * @example
 * const role: Rbac.Role = { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: "r" }, rules: [] }
 * @since 0.1.0
 */
export interface Role extends Manifest {
  readonly kind: "Role" | "ClusterRole"
  readonly rules: ReadonlyArray<PolicyRule>
}

/**
 * A `RoleBinding` or `ClusterRoleBinding` of the operator's ServiceAccount.
 *
 * @example
 * const binding: Rbac.Binding = Rbac.manifests(operator).find((o): o is Rbac.Binding => o.kind === "ClusterRoleBinding")
 * @since 0.1.0
 */
export interface Binding extends Manifest {
  readonly kind: "RoleBinding" | "ClusterRoleBinding"
  readonly roleRef: {
    readonly apiGroup: "rbac.authorization.k8s.io"
    readonly kind: "Role" | "ClusterRole"
    readonly name: string
  }
  readonly subjects: ReadonlyArray<{
    readonly kind: "ServiceAccount"
    readonly name: string
    readonly namespace: string
  }>
}

/**
 * The generated object names (kubebuilder's, prefixed with the operator name).
 *
 * @example
 * Rbac.names("website-operator").clusterRole // "website-operator-manager-role"
 * @since 0.1.0
 */
export const names = (name: string) =>
  ({
    serviceAccount: `${name}-controller-manager`,
    clusterRole: `${name}-manager-role`,
    clusterRoleBinding: `${name}-manager-rolebinding`,
    role: `${name}-manager-role`,
    roleBinding: `${name}-manager-rolebinding`,
    leaderElectionRole: `${name}-leader-election-role`,
    leaderElectionRoleBinding: `${name}-leader-election-rolebinding`
  }) as const

/**
 * Labels on every generated object.
 *
 * @example
 * Rbac.labels("website-operator") // { "app.kubernetes.io/name": "website-operator", "app.kubernetes.io/managed-by": "effect-kube" }
 * @since 0.1.0
 */
export const labels = (name: string): { readonly [key: string]: string } => ({
  "app.kubernetes.io/name": name,
  "app.kubernetes.io/managed-by": "effect-kube"
})

/**
 * Every RBAC object of the operator, in apply order: ServiceAccount, ClusterRole,
 * ClusterRoleBinding, then per namespace Role + RoleBinding, then the leader election Role +
 * RoleBinding. A ClusterRole with no rules is left out.
 *
 * @example
 * const objects = Rbac.manifests(operator) // [ServiceAccount, ClusterRole, ClusterRoleBinding, …]
 * @since 0.1.0
 */
export const manifests = (operator: Operator): ReadonlyArray<Manifest> => {
  const n = names(operator.name)
  const meta = (name: string, namespace?: string): ObjectMeta => ({
    name,
    ...(namespace === undefined ? {} : { namespace }),
    labels: labels(operator.name)
  })
  const subjects = [{ kind: "ServiceAccount", name: n.serviceAccount, namespace: operator.namespace }] as const
  const role = (
    kind: Role["kind"],
    name: string,
    namespace: string | undefined,
    rules: ReadonlyArray<PolicyRule>
  ): Role => ({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind,
    metadata: meta(name, namespace),
    rules
  })
  const binding = (kind: Role["kind"], name: string, role: string, namespace: string | undefined): Binding => ({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: kind === "Role" ? "RoleBinding" : "ClusterRoleBinding",
    metadata: meta(name, namespace),
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind, name: role },
    subjects
  })
  const serviceAccount: Manifest = {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: meta(n.serviceAccount, operator.namespace)
  }
  const out: Array<Manifest> = [serviceAccount]
  const perms = permissions(operator)
  const cluster = perms.find((p) => p.namespace === undefined)
  if (cluster !== undefined && cluster.rules.length > 0) {
    out.push(
      role("ClusterRole", n.clusterRole, undefined, cluster.rules),
      binding("ClusterRole", n.clusterRoleBinding, n.clusterRole, undefined)
    )
  }
  for (const p of perms) {
    if (p.namespace !== undefined && p.rules.length > 0) {
      out.push(role("Role", n.role, p.namespace, p.rules), binding("Role", n.roleBinding, n.role, p.namespace))
    }
  }
  const leases = operator.leaderElectionNamespace
  if (leases !== undefined) {
    out.push(
      role("Role", n.leaderElectionRole, leases, leaderElectionRules),
      binding("Role", n.leaderElectionRoleBinding, n.leaderElectionRole, leases)
    )
  }
  return out
}
