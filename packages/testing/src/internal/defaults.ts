/**
 * Defaulting of built-in kinds (the `SetDefaults_*` functions kube-apiserver runs when it
 * decodes a request) and the admission plugins that add fields on create (Priority,
 * DefaultTolerationSeconds), for the kinds controllers create most: Pods and pod templates,
 * Deployments, ReplicaSets, StatefulSets, DaemonSets and Services. Other kinds are stored as
 * sent.
 *
 * @internal
 */
import { type Draft, isObject } from "./json.js"

const draftAt = (parent: Draft, key: string): Draft | undefined => {
  const v = parent[key]
  if (!isObject(v)) return undefined
  const copy: Draft = { ...v }
  parent[key] = copy
  return copy
}

const setIfAbsent = (target: Draft, key: string, value: unknown): void => {
  if (target[key] === undefined) target[key] = value
}

/** `imagePullPolicy`: Always for `:latest` or untagged images (no digest), else IfNotPresent. */
const pullPolicy = (image: unknown): string => {
  if (typeof image !== "string") return "IfNotPresent"
  if (image.includes("@")) return "IfNotPresent"
  const lastSegment = image.slice(image.lastIndexOf("/") + 1)
  const colon = lastSegment.lastIndexOf(":")
  const tag = colon < 0 ? "" : lastSegment.slice(colon + 1)
  return tag === "" || tag === "latest" ? "Always" : "IfNotPresent"
}

const defaultContainers = (spec: Draft, key: string): void => {
  const list = spec[key]
  if (!Array.isArray(list)) return
  spec[key] = list.map((raw) => {
    if (!isObject(raw)) return raw
    const c: Draft = { ...raw }
    setIfAbsent(c, "resources", {})
    setIfAbsent(c, "terminationMessagePath", "/dev/termination-log")
    setIfAbsent(c, "terminationMessagePolicy", "File")
    setIfAbsent(c, "imagePullPolicy", pullPolicy(c.image))
    if (Array.isArray(c.ports)) {
      c.ports = c.ports.map((p) => (isObject(p) && p.protocol === undefined ? { ...p, protocol: "TCP" } : p))
    }
    return c
  })
}

/** `SetDefaults_PodSpec` and its containers. */
export const defaultPodSpec = (spec: Draft, pod: boolean): void => {
  defaultContainers(spec, "initContainers")
  defaultContainers(spec, "containers")
  setIfAbsent(spec, "restartPolicy", "Always")
  setIfAbsent(spec, "terminationGracePeriodSeconds", 30)
  setIfAbsent(spec, "dnsPolicy", "ClusterFirst")
  setIfAbsent(spec, "securityContext", {})
  setIfAbsent(spec, "schedulerName", "default-scheduler")
  if (pod) setIfAbsent(spec, "enableServiceLinks", true)
}

const defaultTemplate = (spec: Draft): void => {
  const template = draftAt(spec, "template")
  if (template === undefined) return
  const podSpec = draftAt(template, "spec")
  if (podSpec !== undefined) defaultPodSpec(podSpec, false)
}

/** The decode-time defaults of a built-in kind (group/plural), applied in place. */
export const applyBuiltinDefaults = (group: string, plural: string, draft: Draft): void => {
  const key = `${group}/${plural}`
  // Events have zero-valued times and strings Go serialises anyway (no omitempty).
  if (key === "/events") {
    for (const k of ["eventTime", "firstTimestamp", "lastTimestamp"]) setIfAbsent(draft, k, null)
    for (const k of ["reportingComponent", "reportingInstance"]) setIfAbsent(draft, k, "")
    return
  }
  if (key === "events.k8s.io/events") {
    for (const k of ["deprecatedFirstTimestamp", "deprecatedLastTimestamp"]) setIfAbsent(draft, k, null)
    return
  }
  const spec = draftAt(draft, "spec")
  if (spec === undefined) return
  switch (key) {
    case "/pods":
      defaultPodSpec(spec, true)
      return
    case "/services": {
      setIfAbsent(spec, "type", "ClusterIP")
      if (spec.type !== "ExternalName") {
        setIfAbsent(spec, "sessionAffinity", "None")
        setIfAbsent(spec, "internalTrafficPolicy", "Cluster")
      }
      if (Array.isArray(spec.ports)) {
        spec.ports = spec.ports.map((p) => {
          if (!isObject(p)) return p
          const port: Draft = { ...p }
          setIfAbsent(port, "protocol", "TCP")
          setIfAbsent(port, "targetPort", port.port)
          return port
        })
      }
      return
    }
    case "apps/deployments": {
      setIfAbsent(spec, "replicas", 1)
      defaultTemplate(spec)
      setIfAbsent(spec, "strategy", { type: "RollingUpdate" })
      const strategy = draftAt(spec, "strategy")
      if (strategy !== undefined && strategy.type === "RollingUpdate") {
        const rolling = isObject(strategy.rollingUpdate) ? { ...strategy.rollingUpdate } : {}
        setIfAbsent(rolling, "maxUnavailable", "25%")
        setIfAbsent(rolling, "maxSurge", "25%")
        strategy.rollingUpdate = rolling
      }
      setIfAbsent(spec, "revisionHistoryLimit", 10)
      setIfAbsent(spec, "progressDeadlineSeconds", 600)
      return
    }
    case "apps/replicasets":
      setIfAbsent(spec, "replicas", 1)
      defaultTemplate(spec)
      return
    case "apps/statefulsets": {
      setIfAbsent(spec, "replicas", 1)
      defaultTemplate(spec)
      setIfAbsent(spec, "podManagementPolicy", "OrderedReady")
      setIfAbsent(spec, "updateStrategy", { type: "RollingUpdate" })
      const strategy = draftAt(spec, "updateStrategy")
      if (strategy !== undefined && strategy.type === "RollingUpdate") {
        const rolling = isObject(strategy.rollingUpdate) ? { ...strategy.rollingUpdate } : {}
        setIfAbsent(rolling, "partition", 0)
        strategy.rollingUpdate = rolling
      }
      setIfAbsent(spec, "revisionHistoryLimit", 10)
      setIfAbsent(spec, "persistentVolumeClaimRetentionPolicy", { whenDeleted: "Retain", whenScaled: "Retain" })
      return
    }
    case "apps/daemonsets": {
      defaultTemplate(spec)
      setIfAbsent(spec, "updateStrategy", { type: "RollingUpdate" })
      const strategy = draftAt(spec, "updateStrategy")
      if (strategy !== undefined && strategy.type === "RollingUpdate") {
        const rolling = isObject(strategy.rollingUpdate) ? { ...strategy.rollingUpdate } : {}
        setIfAbsent(rolling, "maxUnavailable", 1)
        setIfAbsent(rolling, "maxSurge", 0)
        strategy.rollingUpdate = rolling
      }
      setIfAbsent(spec, "revisionHistoryLimit", 10)
      return
    }
  }
}

/** Create-time admission defaults of Pods (Priority, DefaultTolerationSeconds). */
export const admitPod = (draft: Draft): void => {
  const spec = draftAt(draft, "spec")
  if (spec === undefined) return
  const tolerations = Array.isArray(spec.tolerations) ? [...spec.tolerations] : []
  for (const key of ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"]) {
    const present = tolerations.some(
      (t) => isObject(t) && (t.key === key || (t.key === undefined && t.operator === "Exists"))
    )
    if (!present) tolerations.push({ key, operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 })
  }
  spec.tolerations = tolerations
  setIfAbsent(spec, "priority", 0)
  setIfAbsent(spec, "preemptionPolicy", "PreemptLowerPriority")
}

/** Service allocation on create: a cluster IP from 10.0.0.0/16, node ports from 30000. */
export class ServiceAllocator {
  private nextIp = 10
  private nextNodePort = 30000

  allocate(draft: Draft): void {
    const spec = draftAt(draft, "spec")
    if (spec === undefined) return
    const type = spec.type
    if (type !== "ExternalName") {
      if (spec.clusterIP === undefined || spec.clusterIP === "") {
        const n = this.nextIp++
        spec.clusterIP = `10.0.${Math.floor(n / 256) % 256}.${n % 256}`
      }
      setIfAbsent(spec, "clusterIPs", [spec.clusterIP])
      if (spec.clusterIP !== "None" || spec.ipFamilies === undefined) setIfAbsent(spec, "ipFamilies", ["IPv4"])
      setIfAbsent(spec, "ipFamilyPolicy", "SingleStack")
    }
    if (type === "NodePort" || type === "LoadBalancer") {
      setIfAbsent(spec, "externalTrafficPolicy", "Cluster")
      if (type === "LoadBalancer") setIfAbsent(spec, "allocateLoadBalancerNodePorts", true)
      if (Array.isArray(spec.ports)) {
        spec.ports = spec.ports.map((p) =>
          isObject(p) && p.nodePort === undefined ? { ...p, nodePort: this.nextNodePort++ } : p
        )
      }
    }
    draft.status = { loadBalancer: {} }
  }
}
