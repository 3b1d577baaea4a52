/**
 * A minimal OpenAPI v3 surface, derived from the apiserver's discovery, so that plain
 * `kubectl apply` works: kubectl downloads `/openapi/v3` to learn whether the server validates
 * fields itself (a `fieldValidation` query parameter on each kind's PATCH operation). When it
 * does, kubectl skips client-side schema validation (which needs full schemas) and sends
 * `fieldValidation=Strict`.
 *
 * What it deliberately leaves out: component schemas (so `kubectl explain` has nothing to show)
 * and `application/strategic-merge-patch+json` in the PATCH request bodies, which makes kubectl
 * compute client-side-apply patches from its compiled-in types (strategic merge for built-ins,
 * JSON merge patch for custom resources) instead of from schemas we do not serve.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type { KubeError } from "@effect-kube/core/Errors"
import { isPlainObject } from "@effect-kube/core/Meta"
import type { KubeRequest, KubeResponse } from "@effect-kube/client/Transport"

type Handle = (request: KubeRequest) => Effect.Effect<KubeResponse, KubeError>

const notFound: KubeResponse = {
  status: 404,
  headers: {},
  body: {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message: "the server could not find the requested resource",
    reason: "NotFound",
    details: {},
    code: 404
  }
}

const get = (handle: Handle, path: string) =>
  handle({ method: "GET", path, accept: "application/json" }).pipe(
    Effect.map((r) => (r.status === 200 && isPlainObject(r.body) ? r.body : undefined)),
    Effect.orElseSucceed(() => undefined)
  )

const strings = (u: unknown): ReadonlyArray<string> =>
  Array.isArray(u) ? u.filter((s): s is string => typeof s === "string") : []

/** `/openapi/v3`: one entry per served group version. */
const root = (handle: Handle) =>
  Effect.gen(function* () {
    const core = yield* get(handle, "/api")
    const groups = yield* get(handle, "/apis")
    const gvs: Array<string> = strings(core?.versions).map((v) => `api/${v}`)
    const list = Array.isArray(groups?.groups) ? groups.groups : []
    for (const g of list) {
      if (!isPlainObject(g) || !Array.isArray(g.versions)) continue
      for (const v of g.versions) {
        if (isPlainObject(v) && typeof v.groupVersion === "string") gvs.push(`apis/${v.groupVersion}`)
      }
    }
    const paths: Record<string, unknown> = {}
    for (const gv of gvs) paths[gv] = { serverRelativeURL: `/openapi/v3/${gv}` }
    return { status: 200, headers: {}, body: { paths } } satisfies KubeResponse
  })

const queryParam = (name: string, type: "string" | "boolean") => ({
  name,
  in: "query",
  schema: { type, uniqueItems: true }
})

const patchOperation = (group: string, version: string, kind: string, plural: string) => ({
  operationId: `patch${kind}`,
  tags: [group === "" ? `core_${version}` : `${group}_${version}`],
  parameters: [
    queryParam("dryRun", "string"),
    queryParam("fieldManager", "string"),
    queryParam("fieldValidation", "string"),
    queryParam("force", "boolean")
  ],
  requestBody: {
    content: {
      "application/apply-patch+yaml": { schema: { type: "object" } },
      "application/json-patch+json": { schema: { type: "object" } },
      "application/merge-patch+json": { schema: { type: "object" } }
    },
    required: true
  },
  responses: { "200": { description: "OK" } },
  "x-kubernetes-action": "patch",
  "x-kubernetes-group-version-kind": { group, version, kind },
  "x-kubernetes-resource": plural
})

/** `/openapi/v3/api/v1`, `/openapi/v3/apis/<group>/<version>`: a PATCH operation per kind. */
const groupVersion = (handle: Handle, gvPath: string) =>
  Effect.gen(function* () {
    const list = yield* get(handle, `/${gvPath}`)
    if (list === undefined || !Array.isArray(list.resources)) return notFound
    const [group, version] = gvPath.startsWith("api/") ? ["", gvPath.slice(4)] : gvPath.slice(5).split("/")
    if (version === undefined || group === undefined) return notFound
    const paths: Record<string, unknown> = {}
    for (const r of list.resources) {
      if (!isPlainObject(r) || typeof r.name !== "string" || typeof r.kind !== "string" || r.name.includes("/"))
        continue
      const base = r.namespaced === true ? `/${gvPath}/namespaces/{namespace}/${r.name}` : `/${gvPath}/${r.name}`
      paths[`${base}/{name}`] = { patch: patchOperation(group, version, r.kind, r.name) }
    }
    return {
      status: 200,
      headers: {},
      body: {
        openapi: "3.0.0",
        info: { title: "Kubernetes", version: "effect-kube" },
        paths,
        components: { schemas: {} }
      }
    } satisfies KubeResponse
  })

/**
 * Answers `GET /openapi/v3[/<gv>]` from discovery; `undefined` for any other request. The
 * apiserver's own answer wins when it serves these paths itself (not a 404).
 */
export const openApi = (handle: Handle, request: KubeRequest): Effect.Effect<KubeResponse> | undefined => {
  if (request.method !== "GET" || !request.path.startsWith("/openapi/v3")) return undefined
  const rest = request.path.slice("/openapi/v3".length).replace(/^\/+|\/+$/g, "")
  return Effect.gen(function* () {
    const own = yield* handle(request).pipe(Effect.option)
    if (own._tag === "Some" && own.value.status !== 404) return own.value
    if (rest === "") return yield* root(handle)
    if (/^(api\/[^/]+|apis\/[^/]+\/[^/]+)$/.test(rest)) return yield* groupVersion(handle, rest)
    return notFound
  })
}
