/**
 * REST paths of the Kubernetes API → what they address.
 *
 * @internal
 */

/** A discovery document path. */
export type DiscoveryRoute =
  | { readonly _tag: "Versions" }
  | { readonly _tag: "CoreResources"; readonly version: string }
  | { readonly _tag: "Groups" }
  | { readonly _tag: "Group"; readonly group: string }
  | { readonly _tag: "GroupResources"; readonly group: string; readonly version: string }
  | { readonly _tag: "Version" }
  | { readonly _tag: "Health" }

/** A resource path before the resource is looked up. */
export interface ResourcePath {
  readonly _tag: "Resource"
  readonly group: string
  readonly version: string
  readonly plural: string
  /** The namespace segment (`/namespaces/<ns>/…`), if any. */
  readonly namespace: string | undefined
  readonly name: string | undefined
  readonly subresource: string | undefined
  /** Legacy `/watch/` prefix. */
  readonly legacyWatch: boolean
}

/** What a path addresses. */
export type Route = DiscoveryRoute | ResourcePath | { readonly _tag: "Unknown" }

const decode = (segment: string): string | undefined => {
  try {
    return decodeURIComponent(segment)
  } catch {
    return undefined
  }
}

const namespaceSubresources = new Set(["status", "finalize"])

const resourceRoute = (group: string, version: string, rest: ReadonlyArray<string>): Route => {
  let segs = rest
  let legacyWatch = false
  if (segs[0] === "watch") {
    legacyWatch = true
    segs = segs.slice(1)
  }
  const route = (
    plural: string,
    namespace: string | undefined,
    name: string | undefined,
    subresource: string | undefined
  ): Route => ({ _tag: "Resource", group, version, plural, namespace, name, subresource, legacyWatch })
  if (segs.length === 0) return { _tag: "Unknown" }
  if (segs[0] === "namespaces" && group === "") {
    // /namespaces, /namespaces/<name>, /namespaces/<name>/status|finalize are the Namespace resource.
    if (segs.length === 1) return route("namespaces", undefined, undefined, undefined)
    if (segs.length === 2) return route("namespaces", undefined, segs[1], undefined)
    if (segs.length === 3 && namespaceSubresources.has(segs[2])) return route("namespaces", undefined, segs[1], segs[2])
  }
  if (segs[0] === "namespaces" && segs.length >= 3) {
    const [, ns, plural, name, sub, ...extra] = segs
    if (extra.length > 0) return { _tag: "Unknown" }
    return route(plural, ns, name, sub)
  }
  if (segs[0] === "namespaces" && group !== "" && segs.length === 2) return { _tag: "Unknown" }
  const [plural, name, sub, ...extra] = segs
  if (extra.length > 0) return { _tag: "Unknown" }
  return route(plural, undefined, name, sub)
}

/** Parses an absolute API path (without query). */
export const parsePath = (path: string): Route => {
  const raw = path
    .split("?")[0]
    .split("/")
    .filter((s) => s !== "")
  const segs: Array<string> = []
  for (const s of raw) {
    const d = decode(s)
    if (d === undefined) return { _tag: "Unknown" }
    segs.push(d)
  }
  if (segs.length === 0) return { _tag: "Unknown" }
  switch (segs[0]) {
    case "version":
      return segs.length === 1 ? { _tag: "Version" } : { _tag: "Unknown" }
    case "healthz":
    case "livez":
    case "readyz":
      return { _tag: "Health" }
    case "api":
      if (segs.length === 1) return { _tag: "Versions" }
      if (segs.length === 2) return { _tag: "CoreResources", version: segs[1] }
      return resourceRoute("", segs[1], segs.slice(2))
    case "apis":
      if (segs.length === 1) return { _tag: "Groups" }
      if (segs.length === 2) return { _tag: "Group", group: segs[1] }
      if (segs.length === 3) return { _tag: "GroupResources", group: segs[1], version: segs[2] }
      return resourceRoute(segs[1], segs[2], segs.slice(3))
    default:
      return { _tag: "Unknown" }
  }
}

/** The query string of a path (`?a=b`), merged under explicit query parameters. */
export const queryOf = (
  path: string,
  query: Readonly<Record<string, string | undefined>> | undefined
): Readonly<Record<string, string>> => {
  const out: Record<string, string> = {}
  const q = path.indexOf("?")
  if (q >= 0) {
    for (const [k, v] of new URLSearchParams(path.slice(q + 1))) out[k] = v
  }
  if (query !== undefined) {
    for (const [k, v] of Object.entries(query)) if (v !== undefined) out[k] = v
  }
  return out
}

/** A boolean query parameter as the apiserver converts it ("false"/"0"/absent are false). */
export const queryBool = (query: Readonly<Record<string, string>>, key: string): boolean | undefined => {
  if (!Object.hasOwn(query, key)) return undefined
  const v = query[key].toLowerCase()
  return !(v === "false" || v === "0")
}
