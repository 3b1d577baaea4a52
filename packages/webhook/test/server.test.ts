import { describe, expect, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as fc from "effect/FastCheck"
import * as Fiber from "effect/Fiber"
import * as Metric from "effect/Metric"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import * as Certificates from "@effect-kube/testing/Certificates"
import { X509Certificate } from "node:crypto"
import { writeFile } from "node:fs/promises"
import { join } from "node:path"
import * as Resource from "@effect-kube/core/Resource"
import * as Admission from "../src/Admission.js"
import * as Conversion from "../src/Conversion.js"
import * as WebhookServer from "../src/WebhookServer.js"
import {
  admissionReview,
  applyPatch,
  call,
  certDir,
  clientCerts,
  decodePatch,
  tempDir,
  Website,
  websiteObject,
  writeCerts
} from "./fixtures.js"

const start = <R = never>(
  webhooks: ReadonlyArray<Admission.Webhook<R> | Conversion.Webhook<R>>,
  options: Omit<WebhookServer.Options<R>, "webhooks"> = {}
) =>
  Effect.gen(function* () {
    const { dir, certs } = yield* certDir
    const server = yield* WebhookServer.make({ webhooks, port: 0, host: "127.0.0.1", certDir: dir, ...options })
    return { server, certs, dir }
  })

const post = (port: number, ca: string, path: string, body: unknown) =>
  call({ port, ca, path, body: JSON.stringify(body) })

const counter = (path: string, code: string) =>
  Effect.map(
    Metric.value(Metric.tagged(Metric.tagged(WebhookServer.requestsTotal, "webhook", path), "code", code)),
    (s) => s.count
  )

const WidgetV1 = Resource.custom({
  group: "example.com",
  version: "v1",
  kind: "Widget",
  plural: "widgets",
  scope: "Namespaced",
  spec: Schema.Struct({ size: Schema.Int })
})
const WidgetV2 = Resource.custom({
  group: "example.com",
  version: "v2",
  kind: "Widget",
  plural: "widgets",
  scope: "Namespaced",
  spec: Schema.Struct({ replicas: Schema.Int })
})
const widgets = Conversion.hub(WidgetV2, [
  Conversion.spoke(WidgetV1, {
    toHub: (v1) => Effect.succeed({ ...v1, apiVersion: "example.com/v2" as const, spec: { replicas: v1.spec.size } }),
    fromHub: (v2) => Effect.succeed({ ...v2, apiVersion: "example.com/v1" as const, spec: { size: v2.spec.replicas } })
  })
])

describe("WebhookServer over HTTPS", () => {
  it.scoped("serves validating, mutating and conversion webhooks and /healthz", () =>
    Effect.gen(function* () {
      const { server, certs } = yield* start([
        Admission.validatingFromSchema(Website),
        Admission.defaulting(Website),
        widgets
      ])
      expect(server.paths).toEqual(["/validate-example-com-v1-website", "/mutate-example-com-v1-website", "/convert"])
      expect(server.url).toBe(`https://127.0.0.1:${server.port}`)
      expect(yield* server.ready).toBe(true)

      const health = yield* call({ port: server.port, ca: certs.caCert, path: "/healthz", method: "GET" })
      expect([health.status, health.text]).toEqual([200, "ok"])

      const invalid = admissionReview({ object: websiteObject({ image: "a", replicas: 0 }) })
      const denied = yield* post(server.port, certs.caCert, "/validate-example-com-v1-website", invalid)
      expect(denied.status).toBe(200)
      expect(denied.headers["content-type"]).toBe("application/json")
      expect(denied.json).toMatchObject({
        apiVersion: "admission.k8s.io/v1",
        kind: "AdmissionReview",
        response: { uid: invalid.request.uid, allowed: false, status: { code: 422, reason: "Invalid" } }
      })

      const object = websiteObject({ image: "a" }, { creationTimestamp: null })
      const mutated = yield* post(
        server.port,
        certs.caCert,
        "/mutate-example-com-v1-website",
        admissionReview({ object })
      )
      const response = Schema.decodeUnknownSync(
        Schema.Struct({ response: Schema.Struct({ allowed: Schema.Boolean, patch: Schema.String }) })
      )(mutated.json).response
      expect(response.allowed).toBe(true)
      expect(applyPatch(object, decodePatch(response.patch))).toEqual({
        ...object,
        spec: { image: "a", replicas: 1, tier: "web" }
      })

      const converted = yield* post(server.port, certs.caCert, "/convert", {
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "ConversionReview",
        request: {
          uid: "c-1",
          desiredAPIVersion: "example.com/v2",
          objects: [{ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" }, spec: { size: 4 } }]
        }
      })
      expect(converted.json).toEqual({
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "ConversionReview",
        response: {
          uid: "c-1",
          result: { status: "Success" },
          convertedObjects: [
            { apiVersion: "example.com/v2", kind: "Widget", metadata: { name: "w" }, spec: { replicas: 4 } }
          ]
        }
      })
    })
  )

  it.scoped("passes dryRun to the handler", () =>
    Effect.gen(function* () {
      const seen = yield* Ref.make<ReadonlyArray<boolean>>([])
      const webhook = Admission.validating({
        resource: Website,
        path: "/dry-run-test",
        handler: (req) =>
          Effect.as(
            Ref.update(seen, (s) => [...s, req.dryRun]),
            Admission.allowed()
          )
      })
      const { server, certs } = yield* start([webhook])
      yield* post(server.port, certs.caCert, "/dry-run-test", admissionReview({ dryRun: true }))
      yield* post(server.port, certs.caCert, "/dry-run-test", admissionReview({ dryRun: false }))
      yield* post(server.port, certs.caCert, "/dry-run-test", admissionReview({ dryRun: undefined }))
      expect(yield* Ref.get(seen)).toEqual([true, false, false])
    })
  )

  it.scoped("records controller-runtime's webhook metrics", () =>
    Effect.gen(function* () {
      const path = "/metrics-test"
      const started = yield* Deferred.make<void>()
      const release = yield* Deferred.make<void>()
      const webhook = Admission.validating({
        resource: Website,
        path,
        handler: (req) =>
          req.name === "slow"
            ? Effect.zipRight(
                Effect.zipRight(Deferred.succeed(started, undefined), Deferred.await(release)),
                Effect.succeed(Admission.allowed())
              )
            : Effect.succeed(Admission.denied("no"))
      })
      const { server, certs } = yield* start([webhook])
      const inFlight = Metric.tagged(WebhookServer.requestsInFlight, "webhook", path)
      const latency = Metric.tagged(WebhookServer.latencySeconds, "webhook", path)

      yield* post(server.port, certs.caCert, path, admissionReview())
      yield* post(server.port, certs.caCert, path, admissionReview())
      yield* call({ port: server.port, ca: certs.caCert, path, method: "GET" })
      yield* call({ port: server.port, ca: certs.caCert, path, body: "{" })
      expect(yield* counter(path, "200")).toBe(2)
      expect(yield* counter(path, "405")).toBe(1)
      expect(yield* counter(path, "400")).toBe(1)
      expect((yield* Metric.value(latency)).count).toBe(4)

      const slow = yield* Effect.fork(post(server.port, certs.caCert, path, admissionReview({ name: "slow" })))
      yield* Deferred.await(started)
      expect((yield* Metric.value(inFlight)).value).toBe(1)
      yield* Deferred.succeed(release, undefined)
      const answer = yield* Fiber.join(slow)
      expect(answer.status).toBe(200)
      expect((yield* Metric.value(inFlight)).value).toBe(0)
      expect(yield* counter(path, "200")).toBe(3)
    })
  )
})

describe("WebhookServer with bad input", () => {
  const path = "/bad-input-validate"
  const conversionPath = "/bad-input-convert"
  const webhooks = [
    Admission.validatingFromSchema(Website, { path }),
    Conversion.hub(WidgetV2, [], { path: conversionPath })
  ]
  const validReview = JSON.stringify(admissionReview())

  const cases: ReadonlyArray<{
    readonly name: string
    readonly path: string
    readonly method?: string
    readonly body?: string
    readonly headers?: Record<string, string>
    readonly chunked?: boolean
    readonly status: number
    readonly mention: string
  }> = [
    { name: "unknown path", path: "/nope", body: validReview, status: 404, mention: "no webhook is served at /nope" },
    { name: "GET on a webhook", path, method: "GET", status: 405, mention: "POST" },
    { name: "PUT on a webhook", path, method: "PUT", body: validReview, status: 405, mention: "POST" },
    {
      name: "wrong content type",
      path,
      body: validReview,
      headers: { "content-type": "text/plain" },
      status: 415,
      mention: "application/json"
    },
    { name: "empty body", path, body: "", status: 400, mention: "empty" },
    { name: "malformed JSON", path, body: '{"apiVersion": ', status: 400, mention: "not JSON" },
    { name: "JSON that is not a review", path, body: "[1,2,3]", status: 400, mention: "AdmissionReview" },
    {
      name: "wrong review apiVersion",
      path,
      body: JSON.stringify({ ...admissionReview(), apiVersion: "admission.k8s.io/v1beta1" }),
      status: 400,
      mention: "apiVersion"
    },
    {
      name: "missing request uid",
      path,
      body: JSON.stringify({ ...admissionReview(), request: { ...admissionReview().request, uid: undefined } }),
      status: 400,
      mention: "uid"
    },
    {
      name: "oversized body (content-length)",
      path,
      body: JSON.stringify({ ...admissionReview(), padding: "x".repeat(2048) }),
      status: 413,
      mention: "larger than 1024 bytes"
    },
    {
      name: "oversized body (chunked)",
      path,
      body: JSON.stringify({ ...admissionReview(), padding: "x".repeat(4096) }),
      chunked: true,
      status: 413,
      mention: "larger than 1024 bytes"
    },
    { name: "malformed conversion review", path: conversionPath, body: "{}", status: 400, mention: "ConversionReview" }
  ]

  it.scoped("answers every case with a proper error and stays up", () =>
    Effect.gen(function* () {
      const { server, certs } = yield* start(webhooks, { maxRequestBytes: 1024 })
      for (const c of cases) {
        const answer = yield* call({ port: server.port, ca: certs.caCert, ...c })
        expect({ case: c.name, status: answer.status }).toEqual({ case: c.name, status: c.status })
        expect(answer.text, c.name).toContain(c.mention)
        expect(answer.json, `${c.name} answers JSON`).toBeDefined()
      }
      const methodAnswer = yield* call({ port: server.port, ca: certs.caCert, path, method: "GET" })
      expect(methodAnswer.headers.allow).toBe("POST")
      expect(methodAnswer.json).toMatchObject({
        kind: "AdmissionReview",
        response: { allowed: false, status: { code: 405 } }
      })
      const convertAnswer = yield* call({ port: server.port, ca: certs.caCert, path: conversionPath, body: "{}" })
      expect(convertAnswer.json).toMatchObject({
        kind: "ConversionReview",
        response: { result: { status: "Failure" } }
      })
      const ok = yield* call({ port: server.port, ca: certs.caCert, path, body: validReview })
      expect(ok.status).toBe(200)
    })
  )

  it.scoped("rejects a declared 8 MiB body against the default 7 MiB limit without reading it", () =>
    Effect.gen(function* () {
      const { server, certs } = yield* start([Admission.validatingFromSchema(Website, { path: "/big" })])
      const answer = yield* call({
        port: server.port,
        ca: certs.caCert,
        path: "/big",
        body: validReview,
        headers: { "content-length": String(8 * 1024 * 1024) }
      })
      expect(answer.status).toBe(413)
      expect(answer.text).toContain(`larger than ${7 * 1024 * 1024} bytes`)
    })
  )
})

const base = admissionReview()
/** Reviews with any part swapped for arbitrary JSON: reaches every branch of the decoder. */
const mangledReview = fc.record({
  apiVersion: fc.oneof(fc.constant("admission.k8s.io/v1"), fc.jsonValue()),
  kind: fc.oneof(fc.constant("AdmissionReview"), fc.jsonValue()),
  request: fc.oneof(
    fc.record({
      uid: fc.oneof(fc.string({ minLength: 1 }), fc.jsonValue()),
      kind: fc.oneof(fc.constant(base.request.kind), fc.jsonValue()),
      resource: fc.oneof(fc.constant(base.request.resource), fc.jsonValue()),
      operation: fc.oneof(fc.constantFrom("CREATE", "UPDATE", "DELETE", "CONNECT"), fc.jsonValue()),
      userInfo: fc.oneof(fc.constant({}), fc.jsonValue()),
      object: fc.oneof(fc.constant(base.request.object), fc.jsonValue()),
      oldObject: fc.oneof(fc.constant(null), fc.constant(base.request.object), fc.jsonValue()),
      dryRun: fc.oneof(fc.boolean(), fc.jsonValue())
    }),
    fc.jsonValue()
  )
})

describe("WebhookServer fuzzing", () => {
  it.scoped("random bytes, random JSON and mangled reviews always get a 200 or 400 review answer", () =>
    Effect.gen(function* () {
      const { server, certs } = yield* start([
        Admission.validatingFromSchema(Website, { path: "/fuzz-validate" }),
        Admission.defaulting(Website, { path: "/fuzz-mutate" })
      ])
      const bodies: Array<string | Buffer> = [
        ...fc.sample(fc.uint8Array({ maxLength: 512 }), 40).map((b) => Buffer.from(b)),
        ...fc.sample(fc.jsonValue(), 40).map((v) => JSON.stringify(v) ?? "null"),
        ...fc.sample(mangledReview, 120).map((v) => JSON.stringify(v) ?? "null")
      ]
      for (const [i, body] of bodies.entries()) {
        const target = i % 2 === 0 ? "/fuzz-validate" : "/fuzz-mutate"
        const answer = yield* call({ port: server.port, ca: certs.caCert, path: target, body })
        const context = `${target} ${body.toString().slice(0, 200)}`
        expect([200, 400], context).toContain(answer.status)
        expect(answer.json, context).toMatchObject({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview" })
      }
      const health = yield* call({ port: server.port, ca: certs.caCert, path: "/healthz", method: "GET" })
      expect(health.status).toBe(200)
    })
  )

  it.effect.prop(
    "handleReview answers any value with a 200 or 400 review, never a failure or defect",
    [fc.oneof(fc.anything(), mangledReview)],
    ([body]) =>
      Effect.gen(function* () {
        for (const webhook of [Admission.defaulting(Website), Admission.validatingFromSchema(Website)]) {
          const reply = yield* Admission.handleReview(webhook, body)
          expect([200, 400]).toContain(reply.status)
          expect(reply.body.kind).toBe("AdmissionReview")
          expect(typeof reply.body.response?.uid).toBe("string")
        }
        const conversion = yield* Conversion.handleReview([widgets], body)
        expect([200, 400]).toContain(conversion.status)
      }),
    { fastCheck: { numRuns: 300 } }
  )
})

describe("WebhookServer certificates", () => {
  it.scoped("picks up rotated certificate files on the next check without dropping the listener", () =>
    Effect.gen(function* () {
      const { server, certs, dir } = yield* start([Admission.validatingFromSchema(Website, { path: "/rotate" })], {
        certReloadInterval: "10 seconds"
      })
      const before = yield* call({ port: server.port, ca: certs.caCert, path: "/healthz", method: "GET" })
      expect(before.peerFingerprint256).toBe(new X509Certificate(certs.cert).fingerprint256)

      const next = yield* Certificates.generate()
      const nextFingerprint = new X509Certificate(next.cert).fingerprint256
      const installed = yield* Effect.fork(
        server.certificateChanges.pipe(
          Stream.filter((info) => info.fingerprint256 === nextFingerprint),
          Stream.runHead
        )
      )
      yield* writeCerts(dir, next)
      // Nothing is reloaded until the watcher's next tick.
      const stillOld = yield* call({
        port: server.port,
        ca: [certs.caCert, next.caCert],
        path: "/healthz",
        method: "GET"
      })
      expect(stillOld.peerFingerprint256).toBe(before.peerFingerprint256)
      yield* TestClock.adjust("10 seconds")
      const info = yield* Fiber.join(installed)
      expect(info._tag).toBe("Some")

      const after = yield* call({ port: server.port, ca: next.caCert, path: "/healthz", method: "GET" })
      expect(after.status).toBe(200)
      expect(after.peerFingerprint256).toBe(nextFingerprint)
      expect((yield* server.certificate).fingerprint256).toBe(nextFingerprint)
      expect(yield* server.reloadCertificates).toBe(false)
    })
  )

  it.scoped("keeps the current certificate when the new files do not form a pair", () =>
    Effect.gen(function* () {
      const { server, certs, dir } = yield* start([Admission.validatingFromSchema(Website, { path: "/torn" })])
      const other = yield* Certificates.generate()
      // A rotation caught half-way: the new certificate with the old key.
      yield* Effect.promise(() => writeFile(join(dir, "tls.crt"), other.cert))
      const error = yield* Effect.flip(server.reloadCertificates)
      expect(error.reason).toBe("Certificates")
      expect(error.message).toContain("not usable")
      const answer = yield* call({ port: server.port, ca: certs.caCert, path: "/healthz", method: "GET" })
      expect(answer.peerFingerprint256).toBe(new X509Certificate(certs.cert).fingerprint256)
      // The watcher logs and retries on its next tick; the key arriving completes the rotation.
      yield* Effect.promise(() => writeFile(join(dir, "tls.key"), other.key))
      expect(yield* server.reloadCertificates).toBe(true)
      const rotated = yield* call({ port: server.port, ca: other.caCert, path: "/healthz", method: "GET" })
      expect(rotated.peerFingerprint256).toBe(new X509Certificate(other.cert).fingerprint256)
    })
  )

  it.scoped("requires a client certificate signed by the client CA when one is configured", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const serving = yield* Certificates.generate()
      yield* writeCerts(dir, serving)
      const trusted = yield* clientCerts(dir, "client")
      const rogue = yield* clientCerts(dir, "rogue")
      const path = "/mtls"
      const server = yield* WebhookServer.make({
        webhooks: [Admission.validatingFromSchema(Website, { path })],
        port: 0,
        host: "127.0.0.1",
        certDir: dir,
        clientCAName: "client-ca.crt"
      })
      expect((yield* server.certificate).clientCAFingerprint256).toBe(
        new X509Certificate(trusted.caCert).fingerprint256
      )
      const body = JSON.stringify(admissionReview())
      const anonymous = yield* Effect.either(call({ port: server.port, ca: serving.caCert, path, body }))
      expect(anonymous._tag).toBe("Left")
      const wrongCa = yield* Effect.either(
        call({ port: server.port, ca: serving.caCert, path, body, cert: rogue.cert, key: rogue.key })
      )
      expect(wrongCa._tag).toBe("Left")
      expect(yield* counter(path, "200")).toBe(0)
      const ok = yield* call({
        port: server.port,
        ca: serving.caCert,
        path,
        body,
        cert: trusted.cert,
        key: trusted.key
      })
      expect(ok.status).toBe(200)
      expect(yield* counter(path, "200")).toBe(1)
    })
  )

  it.scoped("fails to start with a Certificates error when the files are missing", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const error = yield* Effect.flip(WebhookServer.make({ webhooks: [], port: 0, certDir: dir }))
      expect(error.reason).toBe("Certificates")
      expect(error.message).toContain("tls.crt")
    })
  )
})

describe("WebhookServer lifecycle and configuration", () => {
  it.scoped("rejects duplicate and reserved paths", () =>
    Effect.gen(function* () {
      const { dir } = yield* certDir
      const error = yield* Effect.flip(
        WebhookServer.make({
          webhooks: [
            Admission.validatingFromSchema(Website),
            Admission.validatingFromSchema(Website),
            Admission.defaulting(Website, { path: "/healthz" })
          ],
          port: 0,
          certDir: dir
        })
      )
      expect(error.reason).toBe("Configuration")
      expect(error.message).toContain("two webhooks on path /validate-example-com-v1-website")
      expect(error.message).toContain("/healthz is reserved")
    })
  )

  it.scoped("fails with a Listen error when the port is taken", () =>
    Effect.gen(function* () {
      const { server, dir } = yield* start([])
      const error = yield* Effect.flip(
        WebhookServer.make({ webhooks: [], port: server.port, host: "127.0.0.1", certDir: dir })
      )
      expect(error.reason).toBe("Listen")
    })
  )

  it.scoped("closing the scope stops serving and releases the port", () =>
    Effect.gen(function* () {
      const { dir, certs } = yield* certDir
      const scope = yield* Scope.make()
      const server = yield* Scope.extend(
        WebhookServer.make({ webhooks: [], port: 0, host: "127.0.0.1", certDir: dir }),
        scope
      )
      expect((yield* call({ port: server.port, ca: certs.caCert, path: "/healthz", method: "GET" })).status).toBe(200)
      yield* Scope.close(scope, Exit.void)
      expect(yield* server.ready).toBe(false)
      const refused = yield* Effect.either(
        call({ port: server.port, ca: certs.caCert, path: "/healthz", method: "GET" })
      )
      expect(refused._tag).toBe("Left")
      // The port is free again.
      const again = yield* WebhookServer.make({ webhooks: [], port: server.port, host: "127.0.0.1", certDir: dir })
      expect(again.port).toBe(server.port)
    })
  )
})
