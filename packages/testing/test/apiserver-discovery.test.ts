import { describe, expect, it } from "@effect/vitest"
import * as Kinds from "@effect-kube/core/Kinds"
import * as Effect from "effect/Effect"
import { ApiServer } from "../src/ApiServer.js"
import { body, call } from "./apiserver-fixtures.js"

const withServer = <A, E>(effect: Effect.Effect<A, E, ApiServer>) => Effect.provide(effect, ApiServer.layer())

describe("ApiServer discovery", () => {
  it.scoped("/api, /api/v1, /apis, /apis/apps, /apis/apps/v1 and /version", () =>
    withServer(
      Effect.gen(function* () {
        const api = body(yield* call({ method: "GET", path: "/api" }))
        expect(api.kind).toBe("APIVersions")
        expect(api.versions).toEqual(["v1"])
        const core = body(yield* call({ method: "GET", path: "/api/v1" }))
        expect(core.kind).toBe("APIResourceList")
        expect(core.groupVersion).toBe("v1")
        const resources = Array.from({ length: core.resources.length }, (_, i) => core.resources[i])
        const cm = resources.find((r) => String(r.name) === "configmaps")
        expect(cm).toEqual({
          name: "configmaps",
          singularName: "configmap",
          namespaced: true,
          kind: "ConfigMap",
          verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
          shortNames: ["cm"],
          storageVersionHash: "qFsyl6wFWjQ="
        })
        expect(resources.find((r) => String(r.name) === "namespaces")?.namespaced).toBe(false)
        expect(resources.find((r) => String(r.name) === "namespaces/status")?.verbs).toEqual(["get", "patch", "update"])
        expect(resources.find((r) => String(r.name) === "pods/status")?.kind).toBe("Pod")
        const groups = body(yield* call({ method: "GET", path: "/apis" }))
        expect(groups.kind).toBe("APIGroupList")
        const list = Array.from({ length: groups.groups.length }, (_, i) => groups.groups[i])
        expect(list.find((g) => String(g.name) === "apps")).toEqual({
          name: "apps",
          versions: [{ groupVersion: "apps/v1", version: "v1" }],
          preferredVersion: { groupVersion: "apps/v1", version: "v1" }
        })
        const apps = body(yield* call({ method: "GET", path: "/apis/apps" }))
        expect(apps.kind).toBe("APIGroup")
        const appsV1 = body(yield* call({ method: "GET", path: "/apis/apps/v1" }))
        expect(appsV1.apiVersion).toBe("v1")
        const appResources = Array.from({ length: appsV1.resources.length }, (_, i) => appsV1.resources[i])
        expect(appResources.find((r) => String(r.name) === "deployments")?.categories).toEqual(["all"])
        expect(appResources.find((r) => String(r.name) === "deployments/status")).toBeDefined()
        const version = body(yield* call({ method: "GET", path: "/version" }))
        expect(version.gitVersion).toBe("v1.37.0")
        // A group nobody serves falls through to the catch-all: a plain-text 404, not a Status.
        const unknownGroup = yield* call({ method: "GET", path: "/apis/nothing.io/v1/widgets" })
        expect(unknownGroup.status).toBe(404)
        expect(unknownGroup.body).toBe("404 page not found\n")
        expect(unknownGroup.headers["content-type"]).toBe("text/plain; charset=utf-8")
        expect((yield* call({ method: "GET", path: "/apis/nothing.io/v1" })).body).toBe("404 page not found\n")
        // A served group with an unknown version or resource answers the JSON NotFound Status.
        expect(body(yield* call({ method: "GET", path: "/apis/apps/v9/deployments" })).reason).toBe("NotFound")
      })
    )
  )

  it.scoped("every built-in kind of @effect-kube/core is served with the same placement", () =>
    withServer(
      Effect.gen(function* () {
        const server = yield* ApiServer
        const kinds = yield* server.kinds
        for (const kind of Kinds.all) {
          const served = kinds.find(
            (k) => k.group === kind.group && k.version === kind.version && k.plural === kind.plural
          )
          expect(served, `${kind.apiVersion} ${kind.kind}`).toBeDefined()
          expect(served?.kind).toBe(kind.kind)
          expect(served?.scope).toBe(kind.scope)
          expect(served?.subresources?.status ?? false).toBe(kind.subresources.status)
        }
      })
    )
  )
})
