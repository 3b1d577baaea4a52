import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { ApiServer } from "../src/ApiServer.js"
import { body, call, cmPath, createCm, deployment, deployPath, widgetCRD, widgetPath } from "./apiserver-fixtures.js"

const withServer = <A, E>(effect: Effect.Effect<A, E, ApiServer>) => Effect.provide(effect, ApiServer.layer())

const patch = (path: string, contentType: string, patchBody: unknown, query?: Record<string, string>) =>
  call({ method: "PATCH", path, contentType, body: patchBody, ...(query ? { query } : {}) })

describe("ApiServer patch", () => {
  it.scoped("merge patch changes fields and bumps the resourceVersion", () =>
    withServer(
      Effect.gen(function* () {
        const created = body(yield* createCm("a", "default", { k: "v", drop: "x" }))
        const res = yield* patch(cmPath("default", "a"), "application/merge-patch+json", {
          metadata: { labels: { app: "web" } },
          data: { k: "v2", drop: null }
        })
        expect(res.status).toBe(200)
        const b = body(res)
        expect(b.data).toEqual({ k: "v2" })
        expect(b.metadata.labels).toEqual({ app: "web" })
        expect(Number(b.metadata.resourceVersion)).toBeGreaterThan(Number(created.metadata.resourceVersion))
      })
    )
  )

  it.scoped("a resourceVersion in a patch is an optimistic-concurrency precondition", () =>
    withServer(
      Effect.gen(function* () {
        yield* createCm("a")
        const res = yield* patch(cmPath("default", "a"), "application/merge-patch+json", {
          metadata: { resourceVersion: "1" },
          data: { k: "x" }
        })
        expect(res.status).toBe(409)
        expect(body(res).reason).toBe("Conflict")
      })
    )
  )

  it.scoped("JSON patch: a failed test op is 422 with the real (detail-free) message", () =>
    withServer(
      Effect.gen(function* () {
        yield* createCm("a", "default", {}, { finalizers: ["x.io/f"] })
        const ok = yield* patch(cmPath("default", "a"), "application/json-patch+json", [
          { op: "test", path: "/metadata/finalizers/0", value: "x.io/f" },
          { op: "remove", path: "/metadata/finalizers/0" }
        ])
        expect(ok.status).toBe(200)
        expect(body(ok).metadata.finalizers).toBeUndefined()
        const failed = yield* patch(cmPath("default", "a"), "application/json-patch+json", [
          { op: "test", path: "/metadata/finalizers/0", value: "x.io/f" }
        ])
        expect(failed.status).toBe(422)
        expect(failed.body).toEqual({
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Failure",
          message: "the server rejected our request due to an error in our request",
          reason: "Invalid",
          details: {},
          code: 422
        })
      })
    )
  )

  it.scoped("strategic merge merges containers by name on built-ins", () =>
    withServer(
      Effect.gen(function* () {
        yield* call({ method: "POST", path: deployPath(), body: deployment("d") })
        const res = yield* patch(deployPath("default", "d"), "application/strategic-merge-patch+json", {
          spec: { template: { spec: { containers: [{ name: "side", image: "busybox" }] } } }
        })
        expect(res.status).toBe(200)
        const containers = body(res).spec.template.spec.containers
        expect(containers.length).toBe(2)
        expect(body(res).metadata.generation).toBe(2)
      })
    )
  )

  it.scoped("unsupported patch types are 415; strategic merge on custom resources too", () =>
    withServer(
      Effect.gen(function* () {
        yield* createCm("a")
        const bad = yield* patch(cmPath("default", "a"), "text/plain", "x")
        expect(bad.status).toBe(415)
        // Built-in routes refuse it in the router (go-restful), with its terse message.
        expect(bad.body).toEqual({
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Failure",
          message: "415: Unsupported Media Type",
          reason: "UnsupportedMediaType",
          details: {},
          code: 415
        })
        yield* call({
          method: "POST",
          path: "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
          body: widgetCRD()
        })
        yield* call({
          method: "POST",
          path: widgetPath(),
          body: { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" }, spec: { size: 1 } }
        })
        const smp = yield* patch(widgetPath("default", "w"), "application/strategic-merge-patch+json", {
          spec: { size: 2 }
        })
        expect(smp.status).toBe(415)
        expect(body(smp).reason).toBe("UnsupportedMediaType")
        expect(body(smp).message).toBe(
          "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
        )
      })
    )
  )

  it.scoped("patching a missing object is 404; server-side apply creates it (201)", () =>
    withServer(
      Effect.gen(function* () {
        const missing = yield* patch(cmPath("default", "nope"), "application/merge-patch+json", { data: { k: "v" } })
        expect(missing.status).toBe(404)
        const applied = yield* patch(
          cmPath("default", "nope"),
          "application/apply-patch+yaml",
          { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "nope" }, data: { k: "v" } },
          { fieldManager: "tester" }
        )
        expect(applied.status).toBe(201)
        const b = body(applied)
        expect(b.data).toEqual({ k: "v" })
        expect(b.metadata.managedFields[0].manager).toBe("tester")
        expect(b.metadata.managedFields[0].operation).toBe("Apply")
      })
    )
  )

  it.scoped("apply accepts YAML text, requires a fieldManager, and conflicts across managers", () =>
    withServer(
      Effect.gen(function* () {
        const yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: one\n"
        const first = yield* patch(cmPath("default", "a"), "application/apply-patch+yaml", yaml, { fieldManager: "m1" })
        expect(first.status).toBe(201)
        const noManager = yield* patch(cmPath("default", "a"), "application/apply-patch+yaml", yaml)
        expect(noManager.status).toBe(422)
        expect(body(noManager).message).toBe(
          'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch'
        )
        const other = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a" }, data: { k: "two" } }
        const conflict = yield* patch(cmPath("default", "a"), "application/apply-patch+yaml", other, {
          fieldManager: "m2"
        })
        expect(conflict.status).toBe(409)
        expect(body(conflict).message).toBe('Apply failed with 1 conflict: conflict with "m1": .data.k')
        const forced = yield* patch(cmPath("default", "a"), "application/apply-patch+yaml", other, {
          fieldManager: "m2",
          force: "true"
        })
        expect(forced.status).toBe(200)
        expect(body(forced).data).toEqual({ k: "two" })
      })
    )
  )

  it.scoped("status patches change only the status of a custom resource", () =>
    withServer(
      Effect.gen(function* () {
        yield* call({
          method: "POST",
          path: "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
          body: widgetCRD()
        })
        yield* call({
          method: "POST",
          path: widgetPath(),
          body: { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" }, spec: { size: 1 } }
        })
        const res = yield* patch(`${widgetPath("default", "w")}/status`, "application/merge-patch+json", {
          metadata: { labels: { ignored: "yes" } },
          spec: { size: 5 },
          status: { ready: true }
        })
        expect(res.status).toBe(200)
        const b = body(res)
        expect(b.status).toEqual({ ready: true })
        expect(b.spec.size).toBe(1)
        expect(b.metadata.labels).toBeUndefined()
        expect(b.metadata.generation).toBe(1)
      })
    )
  )
})
