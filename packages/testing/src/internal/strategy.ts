/**
 * Small registry-strategy pieces of built-in kinds: Secret `stringData`, Pod QOS class, the
 * Namespace name label, garbage-collection finalizers, status-only resets.
 *
 * @internal
 */
import type { KubeObject } from "@effect-kube/core/Meta"
import { clone, type Draft, draftOf, getPath, isObject, type JsonObject, metaOf } from "./json.js"

export const numberAt = (object: unknown, path: ReadonlyArray<string>): number | undefined => {
  const v = getPath(object, path)
  return typeof v === "number" ? v : undefined
}

/** Replaces a draft's content with the stored object's, keeping the request's resourceVersion. */
export const resetTo = (draft: Draft, meta: Draft, old: KubeObject): void => {
  const rv = meta.resourceVersion
  const { draft: base, meta: baseMeta } = draftOf(old)
  for (const k of Object.keys(draft)) delete draft[k]
  for (const k of Object.keys(meta)) delete meta[k]
  Object.assign(meta, baseMeta, { resourceVersion: rv })
  Object.assign(draft, base, { metadata: meta })
}

/** `deletionFinalizersForGarbageCollection`: the orphan/foregroundDeletion finalizers a delete implies. */
export const gcFinalizers = (finalizers: ReadonlyArray<string>, policy: string | undefined): ReadonlyArray<string> => {
  const orphan = policy === "Orphan" || (policy === undefined && finalizers.includes("orphan"))
  const foreground =
    policy === "Foreground" || (policy === undefined && !orphan && finalizers.includes("foregroundDeletion"))
  const next = [
    ...finalizers.filter((f) => f !== "orphan" && f !== "foregroundDeletion"),
    ...(orphan ? ["orphan"] : []),
    ...(foreground ? ["foregroundDeletion"] : [])
  ]
  const same = new Set(next).size === new Set(finalizers).size && next.every((f) => finalizers.includes(f))
  return same ? finalizers : next
}

export const detached = (object: JsonObject): KubeObject => {
  const copy = clone(object)
  return { ...copy, metadata: metaOf(copy) }
}

export const nsLabel = (meta: Draft): void => {
  meta.labels = {
    ...(isObject(meta.labels) ? meta.labels : {}),
    "kubernetes.io/metadata.name": String(meta.name ?? "")
  }
}

/** Secret `stringData` is write-only: merged into `data` (base64) on every write. */
export const mergeStringData = (draft: Draft): void => {
  if (!isObject(draft.stringData)) {
    delete draft.stringData
    return
  }
  const data: Record<string, unknown> = { ...(isObject(draft.data) ? draft.data : {}) }
  for (const [k, v] of Object.entries(draft.stringData)) {
    data[k] = Buffer.from(typeof v === "string" ? v : String(v), "utf8").toString("base64")
  }
  draft.data = data
  delete draft.stringData
}

export const podQOS = (pod: Draft): string => {
  const containers = getPath(pod, ["spec", "containers"])
  if (!Array.isArray(containers) || containers.length === 0) return "BestEffort"
  let anyResources = false
  let guaranteed = true
  for (const c of containers) {
    const requests = getPath(c, ["resources", "requests"])
    const limits = getPath(c, ["resources", "limits"])
    if (isObject(requests) && Object.keys(requests).length > 0) anyResources = true
    if (isObject(limits) && Object.keys(limits).length > 0) anyResources = true
    for (const r of ["cpu", "memory"]) {
      const limit = isObject(limits) ? limits[r] : undefined
      const request = isObject(requests) ? (requests[r] ?? limit) : limit
      if (limit === undefined || String(limit) !== String(request)) guaranteed = false
    }
  }
  return !anyResources ? "BestEffort" : guaranteed ? "Guaranteed" : "Burstable"
}

/** Map-typed fields of built-in kinds: Go drops them when empty (`omitempty`). */
const mapFields = new Set([
  "data",
  "binaryData",
  "stringData",
  "labels",
  "annotations",
  "matchLabels",
  "nodeSelector",
  "selector",
  "limits",
  "requests",
  "capacity",
  "allocatable",
  "parameters"
])

/**
 * What Go's typed decoding leaves of a built-in object: `null`s and empty lists vanish, and so
 * do empty maps of map-typed fields (`omitempty`). Structs (`status: {}`) stay.
 */
export const omitEmptyBuiltin = (value: unknown, key = ""): unknown => {
  if (Array.isArray(value)) return value.map((v) => omitEmptyBuiltin(v))
  if (!isObject(value)) return value
  const out: Record<string, unknown> = {}
  for (const k of Object.keys(value)) {
    const v = value[k]
    if (v === null || v === undefined) continue
    if (Array.isArray(v) && v.length === 0) continue
    if (isObject(v) && Object.keys(v).length === 0 && mapFields.has(k)) continue
    out[k] = omitEmptyBuiltin(v, k)
  }
  void key
  return out
}

/** Service updates that omit allocated values (cluster IPs, node ports) keep the stored ones. */
export const keepAllocations = (draft: Draft, old: KubeObject): void => {
  const oldSpec = isObject(old.spec) ? old.spec : undefined
  const spec = isObject(draft.spec) ? { ...draft.spec } : undefined
  if (oldSpec === undefined || spec === undefined) return
  for (const k of ["clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"]) {
    if (spec[k] === undefined && oldSpec[k] !== undefined) spec[k] = oldSpec[k]
  }
  if (Array.isArray(spec.ports) && Array.isArray(oldSpec.ports)) {
    const oldPorts = oldSpec.ports
    spec.ports = spec.ports.map((p) => {
      if (!isObject(p) || p.nodePort !== undefined) return p
      const match = oldPorts.find((o) => isObject(o) && o.port === p.port && o.protocol === p.protocol)
      return isObject(match) && match.nodePort !== undefined ? { ...p, nodePort: match.nodePort } : p
    })
  }
  draft.spec = spec
}
