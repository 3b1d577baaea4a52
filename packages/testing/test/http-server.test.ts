import { describe, expect, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Queue from "effect/Queue"
import * as Redacted from "effect/Redacted"
import * as Ref from "effect/Ref"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { readFile, stat } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as YAML from "yaml"
import * as Errors from "@effect-kube/core/Errors"
import type { KubeRequest } from "@effect-kube/client/Transport"
import * as ApiServer from "../src/ApiServer.js"
import * as MockHttpServer from "../src/MockHttpServer.js"
import { open, send } from "./httpClient.js"

const token = "test-token"
const auth = { authorization: `Bearer ${token}` }

/** A backend that echoes requests and serves watches from a queue, recording their lifecycle. */
const makeStub = Effect.gen(function* () {
  const frames = yield* Queue.unbounded<unknown>()
  const watchStarted = yield* Deferred.make<KubeRequest>()
  const watchClosed = yield* Deferred.make<void>()
  const watches = yield* Ref.make(0)
  const backend: MockHttpServer.Backend = {
    handle: (request) =>
      request.path === "/boom"
        ? Effect.fail(
            Errors.fromStatus(404, {
              kind: "Status",
              apiVersion: "v1",
              status: "Failure",
              message: "nope",
              reason: "NotFound",
              code: 404
            })
          )
        : Effect.succeed({ status: 200, headers: {}, body: { echo: request } }),
    watch: (request) => {
      if (request.path === "/api/v1/refused") {
        return Stream.fail(
          Errors.fromStatus(410, {
            kind: "Status",
            apiVersion: "v1",
            status: "Failure",
            message: "too old resource version: 1 (5)",
            reason: "Expired",
            code: 410
          })
        )
      }
      if (request.path === "/api/v1/failing") {
        return Stream.make({ type: "ADDED", object: { n: 1 } }).pipe(
          Stream.concat(
            Stream.fail(
              Errors.fromStatus(500, { kind: "Status", message: "broken", reason: "InternalError", code: 500 })
            )
          )
        )
      }
      return Stream.fromQueue(frames).pipe(
        Stream.takeWhile((f) => f !== "END"),
        Stream.onStart(
          Effect.zipRight(
            Ref.update(watches, (n) => n + 1),
            Deferred.succeed(watchStarted, request)
          )
        ),
        Stream.ensuring(
          Effect.zipRight(
            Ref.update(watches, (n) => n - 1),
            Deferred.succeed(watchClosed, undefined)
          )
        )
      )
    }
  }
  return { backend, frames, watchStarted, watchClosed, watches }
})

const withServer = (options: MockHttpServer.Options = {}) =>
  Effect.gen(function* () {
    const stub = yield* makeStub
    const server = yield* MockHttpServer.make(stub.backend, { token, ...options })
    return { stub, server }
  })

describe("MockHttpServer", () => {
  it.scopedLive("serves over TLS trusted through the returned CA and answers JSON", () =>
    Effect.gen(function* () {
      const { server } = yield* withServer()
      expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
      expect(Redacted.value(server.token)).toBe(token)
      const res = yield* send(server.url, {
        path: "/api/v1/namespaces/default/configmaps/a",
        headers: auth,
        ca: server.caPem
      })
      expect(res.status).toBe(200)
      expect(res.headers["content-type"]).toBe("application/json")
      expect(JSON.parse(res.text)).toEqual({
        echo: { method: "GET", path: "/api/v1/namespaces/default/configmaps/a", query: {} }
      })
    })
  )

  it.scopedLive("refuses clients that do not trust the CA", () =>
    Effect.gen(function* () {
      const { server } = yield* withServer()
      const error = yield* Effect.flip(send(server.url, { path: "/api", headers: auth }))
      expect(error.message).toMatch(/certificate/i)
    })
  )

  it.scopedLive("answers 401 Unauthorized without the right bearer token; health checks are open", () =>
    Effect.gen(function* () {
      const { server } = yield* withServer()
      const attempts: ReadonlyArray<Record<string, string>> = [
        {},
        { authorization: "Bearer wrong" },
        { authorization: token }
      ]
      for (const headers of attempts) {
        const res = yield* send(server.url, { path: "/api/v1/configmaps", headers, ca: server.caPem })
        expect(res.status).toBe(401)
        expect(JSON.parse(res.text)).toEqual({
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Failure",
          message: "Unauthorized",
          reason: "Unauthorized",
          code: 401
        })
      }
      const health = yield* send(server.url, { path: "/readyz", ca: server.caPem })
      expect([health.status, health.text]).toEqual([200, "ok"])
    })
  )

  it.scopedLive("parses path, query (decoded, first of repeated), content type, accept and JSON/YAML bodies", () =>
    Effect.gen(function* () {
      const { server } = yield* withServer()
      const get = yield* send(server.url, {
        path: "/api/v1/namespaces/a%2Fb/pods?labelSelector=app%3Dweb%2Ctier+in+(a)&limit=5&limit=6&continue=",
        headers: { ...auth, accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json" },
        ca: server.caPem
      })
      expect(JSON.parse(get.text).echo).toEqual({
        method: "GET",
        path: "/api/v1/namespaces/a%2Fb/pods",
        query: { labelSelector: "app=web,tier in (a)", limit: "5", continue: "" },
        accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
      })
      const post = yield* send(server.url, {
        method: "POST",
        path: "/api/v1/namespaces/default/configmaps?fieldManager=kubectl-create",
        headers: { ...auth, "content-type": "application/json; charset=utf-8" },
        body: JSON.stringify({ metadata: { name: "a" }, data: { k: "v" } }),
        ca: server.caPem
      })
      expect(JSON.parse(post.text).echo).toEqual({
        method: "POST",
        path: "/api/v1/namespaces/default/configmaps",
        query: { fieldManager: "kubectl-create" },
        body: { metadata: { name: "a" }, data: { k: "v" } },
        contentType: "application/json"
      })
      const apply = yield* send(server.url, {
        method: "PATCH",
        path: "/api/v1/namespaces/default/configmaps/a?fieldManager=m&force=true",
        headers: { ...auth, "content-type": "application/apply-patch+yaml" },
        body: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: "1"\n',
        ca: server.caPem
      })
      expect(JSON.parse(apply.text).echo).toMatchObject({
        method: "PATCH",
        query: { fieldManager: "m", force: "true" },
        contentType: "application/apply-patch+yaml",
        body: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a" }, data: { k: "1" } }
      })
    })
  )

  it.scopedLive("turns malformed bodies, unknown methods and huge bodies into the real Status errors", () =>
    Effect.gen(function* () {
      const { server } = yield* withServer({ maxBodyBytes: 1024 })
      const bad = yield* send(server.url, {
        method: "POST",
        path: "/api/v1/namespaces/default/configmaps",
        headers: { ...auth, "content-type": "application/json" },
        body: "{not json",
        ca: server.caPem
      })
      expect(bad.status).toBe(400)
      expect(JSON.parse(bad.text)).toMatchObject({ reason: "BadRequest", code: 400 })
      expect(JSON.parse(bad.text).message).toMatch(/^couldn't get version\/kind; json parse error: /)
      const badYaml = yield* send(server.url, {
        method: "PATCH",
        path: "/api/v1/namespaces/default/configmaps/a",
        headers: { ...auth, "content-type": "application/apply-patch+yaml" },
        body: "a: [unclosed",
        ca: server.caPem
      })
      expect(badYaml.status).toBe(400)
      expect(JSON.parse(badYaml.text).message).toMatch(/^error decoding YAML: /)
      const options = yield* send(server.url, { method: "OPTIONS", path: "/api", headers: auth, ca: server.caPem })
      expect(options.status).toBe(405)
      expect(JSON.parse(options.text).reason).toBe("MethodNotAllowed")
      const huge = yield* send(server.url, {
        method: "POST",
        path: "/api/v1/namespaces/default/configmaps",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify({ data: "x".repeat(4096) }),
        ca: server.caPem
      })
      expect(huge.status).toBe(413)
      const failing = yield* send(server.url, { path: "/boom", headers: auth, ca: server.caPem })
      expect(failing.status).toBe(404)
      expect(JSON.parse(failing.text)).toMatchObject({ reason: "NotFound", message: "nope" })
    })
  )

  it.scopedLive("streams a watch as NDJSON, one frame per line as it happens, and ends with the stream", () =>
    Effect.gen(function* () {
      const { server, stub } = yield* withServer()
      const watch = yield* open(server.url, {
        path: "/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=5",
        headers: auth,
        ca: server.caPem
      })
      expect(watch.status).toBe(200)
      expect(watch.headers["transfer-encoding"]).toBe("chunked")
      const request = yield* Deferred.await(stub.watchStarted)
      expect(request.query).toEqual({ watch: "1", resourceVersion: "5" })
      yield* Queue.offer(stub.frames, { type: "ADDED", object: { metadata: { name: "a" } } })
      expect(JSON.parse(yield* watch.nextLine)).toEqual({ type: "ADDED", object: { metadata: { name: "a" } } })
      yield* Queue.offer(stub.frames, { type: "MODIFIED", object: { metadata: { name: "a" } } })
      yield* Queue.offer(stub.frames, { type: "BOOKMARK", object: { metadata: { resourceVersion: "9" } } })
      expect(JSON.parse(yield* watch.nextLine).type).toBe("MODIFIED")
      expect(JSON.parse(yield* watch.nextLine).type).toBe("BOOKMARK")
      yield* Queue.offer(stub.frames, "END")
      yield* watch.ended
      yield* Deferred.await(stub.watchClosed)
      expect(yield* Ref.get(stub.watches)).toBe(0)
    })
  )

  it.scopedLive("rewrites legacy /watch/ paths", () =>
    Effect.gen(function* () {
      const { server, stub } = yield* withServer()
      const watch = yield* open(server.url, {
        path: "/apis/apps/v1/watch/namespaces/ns/deployments",
        headers: auth,
        ca: server.caPem
      })
      const request = yield* Deferred.await(stub.watchStarted)
      expect(request).toMatchObject({
        method: "GET",
        path: "/apis/apps/v1/namespaces/ns/deployments",
        query: { watch: "true" }
      })
      expect(watch.status).toBe(200)
      yield* watch.destroy
    })
  )

  it.scopedLive("a legacy /watch/ path naming one object watches its collection by name", () =>
    Effect.gen(function* () {
      const { server, stub } = yield* withServer()
      const watch = yield* open(server.url, {
        path: "/api/v1/watch/namespaces/ns/configmaps/a?fieldSelector=x%3Dy",
        headers: auth,
        ca: server.caPem
      })
      const request = yield* Deferred.await(stub.watchStarted)
      expect(request).toMatchObject({
        path: "/api/v1/namespaces/ns/configmaps",
        query: { watch: "true", fieldSelector: "x=y,metadata.name=a" }
      })
      yield* watch.destroy
    })
  )

  it.scopedLive("a refused watch is a plain error response; a failure after frames is an ERROR frame", () =>
    Effect.gen(function* () {
      const { server } = yield* withServer()
      const refused = yield* send(server.url, { path: "/api/v1/refused?watch=true", headers: auth, ca: server.caPem })
      expect(refused.status).toBe(410)
      expect(JSON.parse(refused.text)).toMatchObject({ reason: "Expired", code: 410 })
      const failing = yield* send(server.url, { path: "/api/v1/failing?watch=true", headers: auth, ca: server.caPem })
      expect(failing.status).toBe(200)
      const lines = failing.text
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l))
      expect(lines).toEqual([
        { type: "ADDED", object: { n: 1 } },
        { type: "ERROR", object: { kind: "Status", message: "broken", reason: "InternalError", code: 500 } }
      ])
    })
  )

  it.scopedLive("a client that disconnects interrupts its watch stream (no leak)", () =>
    Effect.gen(function* () {
      const { server, stub } = yield* withServer()
      const watch = yield* open(server.url, { path: "/api/v1/configmaps?watch=true", headers: auth, ca: server.caPem })
      yield* Deferred.await(stub.watchStarted)
      expect(yield* Ref.get(stub.watches)).toBe(1)
      yield* watch.destroy
      yield* Deferred.await(stub.watchClosed)
      expect(yield* Ref.get(stub.watches)).toBe(0)
    })
  )

  it.live("closing the scope ends open watches and frees the port", () =>
    Effect.gen(function* () {
      const scope = yield* Scope.make()
      const { server, stub } = yield* withServer().pipe(Scope.extend(scope))
      const watch = yield* open(server.url, { path: "/api/v1/configmaps?watch=true", headers: auth, ca: server.caPem })
      yield* Deferred.await(stub.watchStarted)
      yield* Scope.close(scope, Exit.void)
      yield* watch.ended
      expect(yield* Deferred.isDone(stub.watchClosed)).toBe(true)
      const after = yield* Effect.flip(send(server.url, { path: "/api", headers: auth, ca: server.caPem }))
      expect(after.message).toMatch(/ECONNREFUSED/)
    })
  )

  it.scopedLive("serves plain HTTP when TLS is off; a taken port is a ListenError", () =>
    Effect.gen(function* () {
      const { server } = yield* withServer({ tls: false })
      expect(server.url).toMatch(/^http:\/\//)
      expect(server.caPem).toBeUndefined()
      const res = yield* send(server.url, { path: "/version", headers: auth })
      expect(res.status).toBe(200)
      const clash = yield* Effect.flip(withServer({ tls: false, port: server.port }))
      expect(clash._tag).toBe("ListenError")
    })
  )

  it.scopedLive("writes a kubeconfig that points at the server with the CA and token", () =>
    Effect.gen(function* () {
      const { server } = yield* withServer()
      const path = join(tmpdir(), `effect-kube-${process.pid}-${Date.now()}`, "kubeconfig")
      yield* server.writeKubeconfig(path, "mock")
      const text = yield* Effect.promise(() => readFile(path, "utf8"))
      expect(text).toBe(server.kubeconfigYaml("mock"))
      expect((yield* Effect.promise(() => stat(path))).mode & 0o777).toBe(0o600)
      const config = YAML.parse(text)
      expect(config["current-context"]).toBe("mock")
      expect(config.clusters[0].cluster.server).toBe(server.url)
      expect(Buffer.from(config.clusters[0].cluster["certificate-authority-data"], "base64").toString()).toBe(
        server.caPem
      )
      expect(config.users[0].user.token).toBe(token)
      expect(config.contexts[0].context).toEqual({ cluster: "mock", user: "mock", namespace: "default" })
    })
  )
})

describe("MockHttpServer OpenAPI v3 (what kubectl apply needs)", () => {
  it.scopedLive("lists every served group version and a PATCH operation with fieldValidation per kind", () =>
    Effect.gen(function* () {
      const api = yield* ApiServer.make()
      const server = yield* MockHttpServer.make(api, { token })
      const root = JSON.parse((yield* send(server.url, { path: "/openapi/v3", headers: auth, ca: server.caPem })).text)
      expect(root.paths["api/v1"]).toEqual({ serverRelativeURL: "/openapi/v3/api/v1" })
      expect(root.paths["apis/apps/v1"]).toEqual({ serverRelativeURL: "/openapi/v3/apis/apps/v1" })
      const core = JSON.parse(
        (yield* send(server.url, { path: "/openapi/v3/api/v1", headers: auth, ca: server.caPem })).text
      )
      const patch = core.paths["/api/v1/namespaces/{namespace}/configmaps/{name}"].patch
      expect(patch["x-kubernetes-group-version-kind"]).toEqual({ group: "", version: "v1", kind: "ConfigMap" })
      expect(patch.parameters.map((p: { name: string }) => p.name)).toContain("fieldValidation")
      expect(Object.keys(patch.requestBody.content)).not.toContain("application/strategic-merge-patch+json")
      expect(core.paths["/api/v1/namespaces/{name}"].patch["x-kubernetes-group-version-kind"].kind).toBe("Namespace")
      const apps = JSON.parse(
        (yield* send(server.url, { path: "/openapi/v3/apis/apps/v1", headers: auth, ca: server.caPem })).text
      )
      expect(
        apps.paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"].patch["x-kubernetes-group-version-kind"]
      ).toEqual({
        group: "apps",
        version: "v1",
        kind: "Deployment"
      })
      const missing = yield* send(server.url, {
        path: "/openapi/v3/apis/nope.example.com/v1",
        headers: auth,
        ca: server.caPem
      })
      expect(missing.status).toBe(404)
      const v2 = yield* send(server.url, { path: "/openapi/v2", headers: auth, ca: server.caPem })
      expect(v2.status).toBe(404)
    })
  )
})
