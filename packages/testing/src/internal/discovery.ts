/**
 * Discovery documents (`/api`, `/api/v1`, `/apis`, `/apis/<g>`, `/apis/<g>/<v>`, `/version`) in
 * the legacy (unaggregated) format kubectl falls back to.
 *
 * @internal
 */
import { createHash } from "node:crypto"
import { apiVersionOf, type KindSpec, storageVersion as storageVersionOf } from "./kinds.js"

/** `discovery.StorageVersionHash`: base64 of the first 8 bytes of sha256("group/version/kind"). */
export const storageVersionHash = (group: string, version: string, kind: string): string =>
  createHash("sha256").update(`${group}/${version}/${kind}`).digest().subarray(0, 8).toString("base64")

/** The version the mock claims to be. */
export interface VersionInfo {
  readonly major: string
  readonly minor: string
  readonly gitVersion: string
}

/** The default: the Kubernetes release the conformance suite compares against. */
export const DefaultVersion: VersionInfo = { major: "1", minor: "37", gitVersion: "v1.37.0" }

/** `/version`. */
export const versionDocument = (v: VersionInfo): unknown => ({
  major: v.major,
  minor: v.minor,
  emulationMajor: v.major,
  emulationMinor: v.minor,
  minCompatibilityMajor: v.major,
  minCompatibilityMinor: String(Math.max(0, Number(v.minor) - 1)),
  gitVersion: v.gitVersion,
  gitCommit: "0000000000000000000000000000000000000000",
  gitTreeState: "clean",
  buildDate: "2026-01-01T00:00:00Z",
  goVersion: "go1.25.0",
  compiler: "gc",
  platform: "linux/amd64"
})

/** `/api`. */
export const apiVersions = (): unknown => ({
  kind: "APIVersions",
  versions: ["v1"],
  serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: "127.0.0.1:6443" }]
})

interface GroupVersions {
  readonly name: string
  readonly versions: ReadonlyArray<string>
  readonly preferred: string
}

const versionPriority = (v: string): readonly [number, number, number] => {
  const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v)
  if (m === null) return [3, 0, 0]
  const stability = m[2] === undefined ? 0 : m[2] === "beta" ? 1 : 2
  return [stability, -Number(m[1]), -Number(m[3] ?? 0)]
}

/** Kubernetes version ordering: GA before beta before alpha, higher numbers first. */
export const compareVersions = (a: string, b: string): number => {
  const pa = versionPriority(a)
  const pb = versionPriority(b)
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i]
  return a < b ? -1 : a > b ? 1 : 0
}

const groupsOf = (specs: ReadonlyArray<KindSpec>): Array<GroupVersions> => {
  const byGroup = new Map<string, Set<string>>()
  for (const spec of specs) {
    if (spec.group === "") continue
    const set = byGroup.get(spec.group) ?? new Set<string>()
    for (const v of spec.versions) if (v.served) set.add(v.name)
    byGroup.set(spec.group, set)
  }
  return [...byGroup.entries()].map(([name, set]) => {
    const versions = [...set].sort(compareVersions)
    return { name, versions, preferred: versions[0] }
  })
}

const groupDoc = (g: GroupVersions) => ({
  name: g.name,
  versions: g.versions.map((v) => ({ groupVersion: apiVersionOf(g.name, v), version: v })),
  preferredVersion: { groupVersion: apiVersionOf(g.name, g.preferred), version: g.preferred }
})

/** `/apis`. */
export const apiGroupList = (specs: ReadonlyArray<KindSpec>): unknown => ({
  kind: "APIGroupList",
  apiVersion: "v1",
  groups: groupsOf(specs).map(groupDoc)
})

/** `/apis/<group>`, or `undefined` when no kind is in the group. */
export const apiGroup = (specs: ReadonlyArray<KindSpec>, group: string): unknown => {
  const g = groupsOf(specs).find((x) => x.name === group)
  return g === undefined ? undefined : { kind: "APIGroup", apiVersion: "v1", ...groupDoc(g) }
}

/** `/api/v1` or `/apis/<g>/<v>`, or `undefined` when nothing is served there. */
export const apiResourceList = (specs: ReadonlyArray<KindSpec>, group: string, version: string): unknown => {
  const served = specs.filter((s) => s.group === group && s.versions.some((v) => v.served && v.name === version))
  if (served.length === 0) return undefined
  const resources: Array<unknown> = []
  for (const spec of [...served].sort((a, b) => (a.plural < b.plural ? -1 : a.plural > b.plural ? 1 : 0))) {
    const namespaced = spec.scope === "Namespaced"
    resources.push({
      name: spec.plural,
      singularName: spec.singular,
      namespaced,
      kind: spec.kind,
      verbs: spec.verbs,
      ...(spec.shortNames.length > 0 ? { shortNames: spec.shortNames } : {}),
      ...(spec.categories.length > 0 ? { categories: spec.categories } : {}),
      storageVersionHash: storageVersionHash(spec.group, storageVersionOf(spec), spec.kind)
    })
    const v = spec.versions.find((x) => x.name === version)
    if (v?.status) {
      resources.push({
        name: `${spec.plural}/status`,
        singularName: "",
        namespaced,
        kind: spec.kind,
        verbs: ["get", "patch", "update"]
      })
    }
    if (spec.group === "" && spec.plural === "namespaces") {
      resources.push({
        name: "namespaces/finalize",
        singularName: "",
        namespaced: false,
        kind: "Namespace",
        verbs: ["update"]
      })
    }
  }
  return group === ""
    ? { kind: "APIResourceList", groupVersion: version, resources }
    : { kind: "APIResourceList", apiVersion: "v1", groupVersion: apiVersionOf(group, version), resources }
}
