/**
 * HTTP → `KubeRequest`: method, path (legacy `/watch/` paths rewritten), query, content type,
 * accept, and the parsed body (JSON, or YAML for `application/apply-patch+yaml`). Anything that
 * cannot become a `KubeRequest` becomes the `Status` response the real server would send.
 *
 * @internal
 */
import type { Status } from "@effect-kube/core/Meta"
import type { KubeRequest, Method } from "@effect-kube/client/Transport"
import * as YAML from "yaml"

/** A response decided before the apiserver is asked (bad method, unparsable body, …). */
export interface EarlyResponse {
  readonly _tag: "Early"
  readonly code: number
  readonly status: Status
}

/** A request to hand to the apiserver; `watch` says whether it is a watch. */
export interface Parsed {
  readonly _tag: "Parsed"
  readonly request: KubeRequest
  readonly watch: boolean
}

/** A `Status` body in the real server's shape. */
export const failure = (code: number, reason: string, message: string): EarlyResponse => ({
  _tag: "Early",
  code,
  status: { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code }
})

const methods: ReadonlySet<string> = new Set(["GET", "POST", "PUT", "PATCH", "DELETE"])
const isMethod = (m: string): m is Method => methods.has(m)

/** Go's `strconv.ParseBool` true values: what the real server accepts for `watch=`. */
const truthy: ReadonlySet<string> = new Set(["1", "t", "T", "TRUE", "true", "True"])

// `/api/v1/watch/...` and `/apis/<group>/<version>/watch/...` (deprecated, still served).
const legacyWatch = /^(\/api\/[^/]+|\/apis\/[^/]+\/[^/]+)\/watch(\/.*)?$/

/** The media type without parameters, lower-cased (`application/json; charset=utf-8` → `application/json`). */
export const mediaType = (header: string | undefined): string | undefined => {
  if (header === undefined || header === "") return undefined
  return header.split(";")[0]?.trim().toLowerCase()
}

const yamlTypes: ReadonlySet<string> = new Set(["application/apply-patch+yaml", "application/yaml"])

interface Body {
  readonly _tag: "Body"
  readonly value: unknown
}

const parseBody = (raw: string, contentType: string | undefined, method: Method): Body | EarlyResponse => {
  if (contentType === "application/vnd.kubernetes.protobuf" || contentType === "application/cbor") {
    return failure(
      415,
      "UnsupportedMediaType",
      `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml`
    )
  }
  if (contentType !== undefined && yamlTypes.has(contentType)) {
    const doc = YAML.parseDocument(raw)
    const error = doc.errors[0]
    if (error !== undefined) return failure(400, "BadRequest", `error decoding YAML: ${error.message}`)
    return { _tag: "Body", value: doc.toJS() }
  }
  try {
    return { _tag: "Body", value: JSON.parse(raw) }
  } catch (e) {
    const detail = e instanceof Error ? e.message : String(e)
    const message =
      method === "PATCH"
        ? `error decoding patch: json parse error: ${detail}`
        : `couldn't get version/kind; json parse error: ${detail}`
    return failure(400, "BadRequest", message)
  }
}

/**
 * Builds the `KubeRequest` of one HTTP request. Repeated query parameters keep the first value
 * (what the real server's `url.Values` → options conversion does).
 */
export const parseRequest = (input: {
  readonly method: string
  readonly url: string
  readonly contentType: string | undefined
  readonly accept: string | undefined
  readonly body: string
}): Parsed | EarlyResponse => {
  const method = input.method.toUpperCase()
  if (!isMethod(method)) {
    return failure(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")
  }
  const url = new URL(input.url, "http://localhost")
  const query: Record<string, string> = {}
  for (const [k, v] of url.searchParams) if (!Object.hasOwn(query, k)) query[k] = v
  let path = url.pathname
  let watch = method === "GET" && query.watch !== undefined && truthy.has(query.watch)
  const legacy = method === "GET" ? legacyWatch.exec(path) : null
  if (legacy) {
    path = `${legacy[1]}${legacy[2] ?? ""}`
    query.watch = "true"
    watch = true
    // A single object (`…/watch/namespaces/ns/configmaps/a`) is a watch of its collection
    // narrowed to that name, as the real server's legacy route does.
    const segments = path.split("/").slice(1)
    const prefix = segments[0] === "api" ? 2 : 3
    const rest = segments.length - prefix
    const named = rest === 2 || (rest === 4 && segments[prefix] === "namespaces")
    if (named) {
      const name = decodeURIComponent(segments[segments.length - 1] ?? "")
      path = `/${segments.slice(0, -1).join("/")}`
      const byName = `metadata.name=${name}`
      query.fieldSelector = query.fieldSelector ? `${query.fieldSelector},${byName}` : byName
    }
  }
  const contentType = mediaType(input.contentType)
  let body: unknown
  if (input.body.length > 0) {
    const parsed = parseBody(input.body, contentType, method)
    if (parsed._tag === "Early") return parsed
    body = parsed.value
  }
  const request: KubeRequest = {
    method,
    path,
    query,
    ...(body !== undefined ? { body } : {}),
    ...(contentType !== undefined ? { contentType } : {}),
    ...(input.accept !== undefined && input.accept !== "" ? { accept: input.accept } : {})
  }
  return { _tag: "Parsed", request, watch }
}
