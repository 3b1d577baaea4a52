import * as Fs from "node:fs"
import * as Path from "node:path"
import { TLSSocket } from "node:tls"
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Patch from "@effect-kube/core/Patch"
import * as HttpTransport from "../src/HttpTransport.js"
import { KubeApi } from "../src/KubeApi.js"
import * as KubeConfig from "../src/KubeConfig.js"
import { ConfigMap } from "./fakeTransport.js"
import { json, serve, tempDir, testPki } from "./servers.js"

const token = Redacted.make("t0ps3cret")

/** The transport, alive for the test's scope. */
const transportFor = (access: KubeConfig.ClusterAccess, options?: HttpTransport.HttpTransportOptions) =>
  HttpTransport.make(access, options)

const apiFor = (access: KubeConfig.ClusterAccess) => Effect.map(HttpTransport.make(access), KubeApi.make)

const cm = (name: string, rv = "1") => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: "ns", resourceVersion: rv }
})

describe("HttpTransport request", () => {
  it.scopedLive("sends method, path, query, headers and a JSON body; parses the JSON answer", () =>
    Effect.gen(function* () {
      const server = yield* serve((seen, res) =>
        json(
          res,
          seen.method === "POST" ? 201 : 200,
          { ...cm("a"), data: { echoed: seen.body } },
          { "X-Custom": "Yes" }
        )
      )
      const transport = yield* transportFor(
        KubeConfig.make({ server: server.url, credentials: { _tag: "Token", token } })
      )
      const response = yield* transport.request({
        method: "POST",
        path: "/api/v1/namespaces/ns/configmaps",
        query: { fieldManager: "me", dryRun: undefined, labelSelector: "a in (b,c)" },
        body: { metadata: { name: "a" }, data: { k: "é" } }
      })
      expect(response.status).toBe(201)
      expect(response.headers["x-custom"]).toBe("Yes")
      expect(response.headers["content-type"]).toBe("application/json")
      expect(response.body).toEqual({ ...cm("a"), data: { echoed: '{"metadata":{"name":"a"},"data":{"k":"é"}}' } })
      const [seen] = server.seen
      expect([seen.method, seen.url]).toEqual([
        "POST",
        "/api/v1/namespaces/ns/configmaps?fieldManager=me&labelSelector=a%20in%20(b%2Cc)"
      ])
      expect(seen.headers.authorization).toBe("Bearer t0ps3cret")
      expect(seen.headers["content-type"]).toBe("application/json")
      expect(seen.headers.accept).toBe("application/json")
      expect(seen.headers["user-agent"]).toBe("effect-kube")
    })
  )

  it.scopedLive("patch and apply content types, basic auth and impersonation reach the server", () =>
    Effect.gen(function* () {
      const server = yield* serve((_, res) => json(res, 200, cm("a")))
      const api = (yield* apiFor(
        KubeConfig.make({
          server: server.url,
          credentials: { _tag: "Basic", username: "admin", password: Redacted.make("pw") },
          impersonateUser: "jane"
        })
      )).resource(ConfigMap, { namespace: "ns" })
      yield* api.patch("a", Patch.json([{ op: "remove", path: "/data/x" }]))
      yield* api.apply(
        { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a" } },
        { fieldManager: "m", force: true }
      )
      const [patch, apply] = server.seen
      expect([patch.method, patch.headers["content-type"], patch.body]).toEqual([
        "PATCH",
        "application/json-patch+json",
        '[{"op":"remove","path":"/data/x"}]'
      ])
      expect([apply.url, apply.headers["content-type"], JSON.parse(apply.body)]).toEqual([
        "/api/v1/namespaces/ns/configmaps/a?fieldManager=m&force=true",
        "application/apply-patch+yaml",
        { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a" } }
      ])
      expect(patch.headers.authorization).toBe(`Basic ${Buffer.from("admin:pw").toString("base64")}`)
      expect(patch.headers["impersonate-user"]).toBe("jane")
    })
  )

  it.scopedLive(
    "empty bodies are undefined; non-JSON success bodies are text; non-JSON errors become Status messages",
    () =>
      Effect.gen(function* () {
        const server = yield* serve((seen, res) => {
          if (seen.url === "/empty") {
            res.writeHead(200)
            res.end()
          } else if (seen.url === "/healthz") {
            res.writeHead(200, { "content-type": "text/plain" })
            res.end("ok")
          } else {
            res.writeHead(502, { "content-type": "text/html" })
            res.end("<html>bad gateway</html>")
          }
        })
        const kube = yield* apiFor(KubeConfig.make({ server: server.url }))
        const transport = yield* transportFor(KubeConfig.make({ server: server.url }))
        expect((yield* transport.request({ method: "GET", path: "/empty" })).body).toBeUndefined()
        expect(yield* kube.request({ method: "GET", path: "/healthz" })).toBe("ok")
        const error = yield* Effect.flip(kube.request({ method: "GET", path: "/proxy" }))
        expect([error._tag, error.message]).toEqual(["UnexpectedStatus", "<html>bad gateway</html>"])
        expect(error._tag === "UnexpectedStatus" && error.retryable).toBe(true)
      })
  )

  it.scopedLive("Status errors keep their reason; Retry-After becomes TooManyRequests.retryAfterSeconds", () =>
    Effect.gen(function* () {
      const server = yield* serve((seen, res) =>
        seen.url.endsWith("/busy")
          ? json(
              res,
              429,
              { kind: "Status", status: "Failure", reason: "TooManyRequests", code: 429, message: "slow down" },
              { "Retry-After": "3" }
            )
          : json(res, 404, {
              kind: "Status",
              status: "Failure",
              reason: "NotFound",
              code: 404,
              message: "cm not found"
            })
      )
      const api = (yield* apiFor(KubeConfig.make({ server: server.url }))).resource(ConfigMap, { namespace: "ns" })
      const busy = yield* Effect.flip(api.get("busy"))
      const missing = yield* Effect.flip(api.get("missing"))
      expect(busy._tag === "TooManyRequests" && [busy.retryAfterSeconds, busy.message]).toEqual([3, "slow down"])
      expect([missing._tag, missing.message]).toEqual(["NotFound", "cm not found"])
    })
  )

  it.scopedLive("a refused connection is a TransportError with method and url, without secrets", () =>
    Effect.gen(function* () {
      // Bind then close a port so nothing listens on it.
      const port = yield* Effect.scoped(
        Effect.map(
          serve(() => {}),
          (s) => s.port
        )
      )
      const transport = yield* transportFor(
        KubeConfig.make({ server: `http://127.0.0.1:${port}`, credentials: { _tag: "Token", token } })
      )
      const error = yield* Effect.flip(transport.request({ method: "GET", path: "/api/v1/namespaces" }))
      expect(error._tag).toBe("TransportError")
      expect([error.method, error.url]).toEqual(["GET", `http://127.0.0.1:${port}/api/v1/namespaces`])
      expect(error.message).toContain("ECONNREFUSED")
      expect(`${error.message} ${JSON.stringify(error)}`).not.toContain("t0ps3cret")
    })
  )

  it.scopedLive("a request that gets no answer times out with a TransportError", () =>
    Effect.gen(function* () {
      const server = yield* serve(() => {
        // never answers
      })
      const transport = yield* transportFor(KubeConfig.make({ server: server.url }), { requestTimeout: "200 millis" })
      const error = yield* Effect.flip(transport.request({ method: "GET", path: "/slow" }))
      expect([error._tag, error.message]).toEqual([
        "TransportError",
        `GET ${server.url}/slow: no response within 200ms`
      ])
    })
  )
})

describe("HttpTransport watch", () => {
  it.scopedLive("streams NDJSON frames written in arbitrary pieces", () =>
    Effect.gen(function* () {
      const events = [cm("a", "1"), cm("b", "2"), cm("a", "3")].map((object, i) => ({
        type: i === 2 ? "MODIFIED" : "ADDED",
        object
      }))
      const body = Buffer.from(`${events.map((e) => JSON.stringify(e)).join("\n")}\n`)
      const server = yield* serve((_, res) => {
        res.writeHead(200, { "content-type": "application/json" })
        // Odd-sized pieces, flushed separately, so lines straddle TCP writes.
        let offset = 0
        const writeNext = () => {
          if (offset >= body.length) return res.end()
          const next = Math.min(body.length, offset + 7)
          res.write(body.subarray(offset, next), () => setImmediate(writeNext))
          offset = next
        }
        writeNext()
      })
      const api = (yield* apiFor(
        KubeConfig.make({ server: server.url, credentials: { _tag: "Token", token } })
      )).resource(ConfigMap)
      const seen = Chunk.toArray(yield* Stream.runCollect(api.watch({ resourceVersion: "0" })))
      expect(seen.map((e) => [e.type, e.object.metadata.name, e.object.metadata.resourceVersion])).toEqual([
        ["ADDED", "a", "1"],
        ["ADDED", "b", "2"],
        ["MODIFIED", "a", "3"]
      ])
      expect(server.seen[0].url).toBe("/api/v1/configmaps?watch=true&resourceVersion=0&allowWatchBookmarks=true")
      expect(server.seen[0].headers.authorization).toBe("Bearer t0ps3cret")
    })
  )

  it.scopedLive("a malformed frame fails with DecodeError after the earlier events", () =>
    Effect.gen(function* () {
      const server = yield* serve((_, res) => {
        res.writeHead(200)
        res.end(`${JSON.stringify({ type: "ADDED", object: cm("a") })}\n{"type":"ADDED","object":{\n`)
      })
      const api = (yield* apiFor(KubeConfig.make({ server: server.url }))).resource(ConfigMap)
      const seen: Array<string> = []
      const error = yield* Effect.flip(
        Stream.runForEach(api.watch(), (e) => Effect.sync(() => seen.push(e.object.metadata.name ?? "")))
      )
      expect(seen).toEqual(["a"])
      expect(error._tag).toBe("DecodeError")
    })
  )

  it.scopedLive("a refused watch (non-2xx) is the typed error of its Status", () =>
    Effect.gen(function* () {
      const server = yield* serve((_, res) =>
        json(res, 403, {
          kind: "Status",
          status: "Failure",
          reason: "Forbidden",
          code: 403,
          message: 'configmaps is forbidden: User "x" cannot watch'
        })
      )
      const api = (yield* apiFor(KubeConfig.make({ server: server.url }))).resource(ConfigMap)
      const error = yield* Effect.flip(Stream.runDrain(api.watch()))
      expect([error._tag, error.message]).toEqual(["Forbidden", 'configmaps is forbidden: User "x" cannot watch'])
    })
  )

  it.scopedLive("an ERROR frame with 410 fails the stream with Gone", () =>
    Effect.gen(function* () {
      const server = yield* serve((_, res) => {
        res.writeHead(200)
        res.write(`${JSON.stringify({ type: "ADDED", object: cm("a") })}\n`)
        res.end(
          `${JSON.stringify({ type: "ERROR", object: { kind: "Status", code: 410, reason: "Expired", message: "too old" } })}\n`
        )
      })
      const api = (yield* apiFor(KubeConfig.make({ server: server.url }))).resource(ConfigMap)
      const error = yield* Effect.flip(Stream.runDrain(api.watch()))
      expect(error._tag).toBe("Gone")
    })
  )

  it.scopedLive("interrupting a watch and closing the layer scope close the connection", () =>
    Effect.gen(function* () {
      const connected = yield* Deferred.make<void>()
      const server = yield* serve((_, res) => {
        res.writeHead(200)
        res.write(`${JSON.stringify({ type: "ADDED", object: cm("a") })}\n`)
        Deferred.unsafeDone(connected, Exit.void)
        // Keep the response open, like a real watch.
      })
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(
        KubeApi.layerFromAccess(KubeConfig.make({ server: server.url })),
        scope
      )
      const api = Context.get(context, KubeApi).resource(ConfigMap)
      const first = yield* Stream.runHead(api.watch()).pipe(Effect.fork)
      yield* Deferred.await(connected)
      const head = yield* first.await
      expect(Exit.isSuccess(head)).toBe(true)
      // runHead stops after one element: the response must be aborted, the connection closed.
      yield* Effect.async<void>((resume) => {
        const check = () => (server.closed.length === 1 ? resume(Effect.void) : setTimeout(check, 10))
        check()
      })
      expect(server.closed).toEqual(["/api/v1/configmaps?watch=true&allowWatchBookmarks=true"])
      // A watch that is still streaming ends when the layer's scope closes.
      const running = yield* Stream.runDrain(api.watch()).pipe(Effect.fork)
      yield* Effect.async<void>((resume) => {
        const check = () => (server.seen.length === 2 ? resume(Effect.void) : setTimeout(check, 10))
        check()
      })
      yield* Scope.close(scope, Exit.void)
      yield* Effect.async<void>((resume) => {
        const check = () => (server.closed.length === 2 ? resume(Effect.void) : setTimeout(check, 10))
        check()
      })
      expect(server.closed).toHaveLength(2)
      // The watch does not hang on a dead agent: it fails with a TransportError.
      const ended = yield* Fiber.await(running)
      expect(Exit.isFailure(ended) && Cause.failureOption(ended.cause)).toMatchObject({
        _tag: "Some",
        value: { _tag: "TransportError" }
      })
    })
  )
})

describe("HttpTransport TLS", () => {
  const tlsServer = (options?: { readonly requireClientCert?: boolean }) => {
    const pki = testPki()
    return serve(
      (seen, res, req) => {
        const socket = req.socket
        const peer = socket instanceof TLSSocket ? socket.getPeerCertificate().subject?.CN : undefined
        json(res, 200, { ...cm("tls"), data: { peer: String(peer), url: seen.url } })
      },
      {
        cert: pki.serverCert,
        key: pki.serverKey,
        ...(options?.requireClientCert ? { ca: pki.ca, requestCert: true, rejectUnauthorized: true } : {})
      }
    )
  }

  it.scopedLive("verifies the server against the CA; a server the CA did not sign is a TransportError", () =>
    Effect.gen(function* () {
      const pki = testPki()
      const server = yield* tlsServer()
      const good = yield* transportFor(KubeConfig.make({ server: server.url, ca: pki.ca }))
      expect((yield* good.request({ method: "GET", path: "/ok" })).status).toBe(200)
      const wrongCa = yield* transportFor(KubeConfig.make({ server: server.url, ca: pki.otherCa }))
      const error = yield* Effect.flip(wrongCa.request({ method: "GET", path: "/ok" }))
      expect(error._tag).toBe("TransportError")
      expect(error.message).toMatch(/certificate|CERT/i)
      const systemRoots = yield* transportFor(KubeConfig.make({ server: server.url }))
      expect((yield* Effect.flip(systemRoots.request({ method: "GET", path: "/ok" })))._tag).toBe("TransportError")
    })
  )

  it.scopedLive("insecureSkipTlsVerify accepts any server certificate", () =>
    Effect.gen(function* () {
      const pki = testPki()
      const server = yield* tlsServer()
      const insecure = yield* transportFor(
        KubeConfig.make({ server: server.url, ca: pki.otherCa, insecureSkipTlsVerify: true })
      )
      expect((yield* insecure.request({ method: "GET", path: "/ok" })).status).toBe(200)
    })
  )

  it.scopedLive("tls-server-name verifies against another name; client certificates authenticate", () =>
    Effect.gen(function* () {
      const pki = testPki()
      const server = yield* tlsServer({ requireClientCert: true })
      // The cert is for kube.test and 127.0.0.1; connect by `localhost` and verify as kube.test.
      const url = server.url.replace("127.0.0.1", "localhost")
      const byName = yield* transportFor(
        KubeConfig.make({
          server: url,
          ca: pki.ca,
          serverName: "kube.test",
          cert: pki.clientCert,
          key: Redacted.make(pki.clientKey)
        })
      )
      const response = yield* byName.request({ method: "GET", path: "/who" })
      expect(response.body).toMatchObject({ data: { peer: "system:admin" } })
      const noClientCert = yield* transportFor(KubeConfig.make({ server: url, ca: pki.ca, serverName: "kube.test" }))
      expect((yield* Effect.flip(noClientCert.request({ method: "GET", path: "/who" })))._tag).toBe("TransportError")
      const wrongName = yield* transportFor(
        KubeConfig.make({ server: url, ca: pki.ca, cert: pki.clientCert, key: Redacted.make(pki.clientKey) })
      )
      const error = yield* Effect.flip(wrongName.request({ method: "GET", path: "/who" }))
      expect(error.message).toMatch(/localhost|altname|ERR_TLS_CERT_ALTNAME_INVALID/i)
    })
  )

  it.scopedLive("layerFromKubeConfig: a kubeconfig with CA file and token talks to the TLS server", () =>
    Effect.gen(function* () {
      const pki = testPki()
      const server = yield* tlsServer()
      const dir = yield* tempDir
      Fs.writeFileSync(Path.join(dir, "ca.crt"), pki.ca)
      Fs.writeFileSync(
        Path.join(dir, "config"),
        JSON.stringify({
          "current-context": "test",
          clusters: [{ name: "test", cluster: { server: server.url, "certificate-authority": "ca.crt" } }],
          users: [{ name: "test", user: { token: "kube-token" } }],
          contexts: [{ name: "test", context: { cluster: "test", user: "test", namespace: "ns" } }]
        })
      )
      const layer = KubeApi.layerFromKubeConfig()
      const object = yield* Effect.flatMap(KubeApi, (kube) =>
        kube.resource(ConfigMap, { namespace: "ns" }).get("x")
      ).pipe(
        Effect.provide(layer),
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["KUBECONFIG", Path.join(dir, "config")]])))
      )
      expect(object.data).toEqual({ peer: "undefined", url: "/api/v1/namespaces/ns/configmaps/x" })
      expect(server.seen[0].headers.authorization).toBe("Bearer kube-token")
      const failed = yield* Effect.flip(
        Layer.build(KubeApi.layerFromKubeConfig({ kubeconfig: Path.join(dir, "missing") }))
      )
      expect(failed._tag).toBe("KubeConfigError")
    })
  )
})
