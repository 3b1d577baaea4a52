import type { KindInfo } from "@effect-kube/core/Resource"

/** `/api/v1` for the core group, `/apis/<group>/<version>` otherwise. */
export const groupVersionPath = (kind: KindInfo): string =>
  kind.group === "" ? `/api/${kind.version}` : `/apis/${kind.group}/${kind.version}`

/**
 * The collection URL. A cluster-scoped kind ignores the namespace; a namespaced kind without one
 * addresses every namespace (valid for list and watch only).
 */
export const collectionPath = (kind: KindInfo, namespace: string | undefined): string =>
  kind.scope === "Namespaced" && namespace !== undefined && namespace !== ""
    ? `${groupVersionPath(kind)}/namespaces/${encodeURIComponent(namespace)}/${kind.plural}`
    : `${groupVersionPath(kind)}/${kind.plural}`

/** The URL of one object, optionally of one of its subresources (`status`). */
export const objectPath = (
  kind: KindInfo,
  namespace: string | undefined,
  name: string,
  subresource?: string
): string => {
  const base = `${collectionPath(kind, namespace)}/${encodeURIComponent(name)}`
  return subresource === undefined ? base : `${base}/${subresource}`
}

/**
 * Renders a query string (without `?`); undefined values are skipped. Keys keep their insertion
 * order so URLs are deterministic (logs, test assertions).
 */
export const renderQuery = (query: Readonly<Record<string, string | undefined>> | undefined): string => {
  if (query === undefined) return ""
  const parts: Array<string> = []
  for (const key in query) {
    const value = query[key]
    if (value !== undefined) parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
  }
  return parts.join("&")
}

/** Path plus query string. */
export const renderUrl = (path: string, query: Readonly<Record<string, string | undefined>> | undefined): string => {
  const q = renderQuery(query)
  return q === "" ? path : `${path}?${q}`
}
