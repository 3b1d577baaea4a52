/**
 * Discovery documents clients (kubectl, RESTMappers) read to find kinds.
 */
import * as Effect from "effect/Effect"
import { KubeApi } from "@effect-kube/client/KubeApi"
import * as Check from "../harness/Check.js"
import { at } from "../harness/kube.js"
import type { ConformanceCase } from "../harness/Target.js"

const entries = (doc: unknown, key: string): ReadonlyArray<unknown> => {
  const list = at(doc, key)
  return Array.isArray(list) ? list : []
}

const sortedVerbs = (entry: unknown): unknown => {
  const verbs = at(entry, "verbs")
  return Array.isArray(verbs) ? [...verbs].sort() : verbs
}

export const discoveryCases: ReadonlyArray<ConformanceCase> = [
  {
    id: "discovery/version",
    title: "/version reports a v1.x gitVersion with major 1",
    run: Effect.gen(function* () {
      const kube = yield* KubeApi
      const version = yield* kube.request({ method: "GET", path: "/version" })
      yield* Check.equal("major", at(version, "major"), "1")
      yield* Check.matches("gitVersion", at(version, "gitVersion"), /^v1\.\d+\.\d+/)
    })
  },
  {
    id: "discovery/api-versions",
    title: "/api lists the core group's v1",
    run: Effect.gen(function* () {
      const kube = yield* KubeApi
      const doc = yield* kube.request({ method: "GET", path: "/api" })
      yield* Check.subset("document", doc, { kind: "APIVersions", versions: ["v1"] })
    })
  },
  {
    id: "discovery/core-v1-resources",
    title: "/api/v1 lists configmaps and namespaces with scope, kind and verbs",
    run: Effect.gen(function* () {
      const kube = yield* KubeApi
      const doc = yield* kube.request({ method: "GET", path: "/api/v1" })
      yield* Check.subset("document", doc, { kind: "APIResourceList", groupVersion: "v1" })
      const resources = entries(doc, "resources")
      const cm = resources.find((r) => at(r, "name") === "configmaps")
      yield* Check.subset("configmaps", cm, {
        name: "configmaps",
        singularName: "configmap",
        namespaced: true,
        kind: "ConfigMap",
        shortNames: ["cm"]
      })
      yield* Check.equal("configmap verbs", sortedVerbs(cm), [
        "create",
        "delete",
        "deletecollection",
        "get",
        "list",
        "patch",
        "update",
        "watch"
      ])
      const ns = resources.find((r) => at(r, "name") === "namespaces")
      yield* Check.subset("namespaces", ns, { name: "namespaces", namespaced: false, kind: "Namespace" })
      yield* Check.that(
        "namespaces/status listed",
        resources.some((r) => at(r, "name") === "namespaces/status")
      )
    })
  },
  {
    id: "discovery/api-groups",
    title: "/apis lists apps with v1 as preferred version",
    run: Effect.gen(function* () {
      const kube = yield* KubeApi
      const doc = yield* kube.request({ method: "GET", path: "/apis" })
      yield* Check.subset("document", doc, { kind: "APIGroupList" })
      const apps = entries(doc, "groups").find((g) => at(g, "name") === "apps")
      yield* Check.subset("apps", apps, { name: "apps", preferredVersion: { groupVersion: "apps/v1", version: "v1" } })
    })
  },
  {
    id: "discovery/apps-v1-resources",
    title: "/apis/apps/v1 lists deployments with their status and scale subresources",
    run: Effect.gen(function* () {
      const kube = yield* KubeApi
      const doc = yield* kube.request({ method: "GET", path: "/apis/apps/v1" })
      const resources = entries(doc, "resources")
      yield* Check.subset(
        "deployments",
        resources.find((r) => at(r, "name") === "deployments"),
        { name: "deployments", namespaced: true, kind: "Deployment", shortNames: ["deploy"] }
      )
      const status = resources.find((r) => at(r, "name") === "deployments/status")
      yield* Check.subset("deployments/status", status, {
        name: "deployments/status",
        namespaced: true,
        kind: "Deployment"
      })
      yield* Check.equal("status verbs", sortedVerbs(status), ["get", "patch", "update"])
    })
  }
]
