/**
 * The HTTPS server the apiserver calls: admission and conversion webhooks on their paths,
 * serving certificates from a directory reloaded when they rotate, an optional client CA,
 * `/healthz`, and controller-runtime's webhook metrics.
 *
 * Guarantees:
 * - TLS only. The certificate pair is checked before use; a rotation is picked up within
 *   `certReloadInterval` without dropping the listener or open connections (`setSecureContext`),
 *   and a half-written or mismatched pair is logged and skipped, keeping the last good one.
 * - Every request is answered, whatever its body: unknown path 404, wrong method 405, wrong
 *   content type 415, oversized body 413, unparseable or non-review body 400 (review-shaped body
 *   with the reason), handler failures and defects as `allowed: false` answers. Nothing a client
 *   sends can crash the server.
 * - The listener and the certificate watcher live in the scope; closing it stops accepting,
 *   lets in-flight calls finish (5 s grace) and releases the port.
 *
 * @since 0.1.0
 */
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as MetricBoundaries from "effect/MetricBoundaries"
import * as Ref from "effect/Ref"
import * as Runtime from "effect/Runtime"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import * as https from "node:https"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type * as Admission from "./Admission.js"
import { errored, handleReview as handleAdmissionReview } from "./Admission.js"
import { respond as respondAdmission } from "./AdmissionReview.js"
import type * as Conversion from "./Conversion.js"
import { handleReview as handleConversionReview } from "./Conversion.js"
import { respond as respondConversion } from "./ConversionReview.js"
import * as Body from "./internal/body.js"
import * as Certs from "./internal/certs.js"
import * as InternalStatus from "./internal/status.js"

// ---------------------------------------------------------------------------------------------
// Metrics

/**
 * `controller_runtime_webhook_requests_total{webhook, code}`: calls per webhook path and HTTP
 * status code (a denial is a 200: it is an answer).
 *
 * @example
 * const state = yield* Metric.value(WebhookServer.requestsTotal.pipe(Metric.tagged("webhook", "/validate-example-com-v1-website"), Metric.tagged("code", "200")))
 * @since 0.1.0
 */
export const requestsTotal = Metric.counter("controller_runtime_webhook_requests_total", {
  description: "Total number of admission requests by HTTP status code."
})

/**
 * `controller_runtime_webhook_latency_seconds{webhook}`: time to answer a call (Prometheus'
 * default buckets, as controller-runtime).
 *
 * @example
 * const state = yield* Metric.value(Metric.tagged(WebhookServer.latencySeconds, "webhook", "/convert"))
 * state.count
 * @since 0.1.0
 */
export const latencySeconds = Metric.histogram(
  "controller_runtime_webhook_latency_seconds",
  MetricBoundaries.fromIterable([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]),
  "Histogram of the latency of processing admission requests"
)

/**
 * `controller_runtime_webhook_requests_in_flight{webhook}`: calls being answered right now.
 *
 * @example
 * const state = yield* Metric.value(Metric.tagged(WebhookServer.requestsInFlight, "webhook", "/convert"))
 * state.value
 * @since 0.1.0
 */
export const requestsInFlight = Metric.gauge("controller_runtime_webhook_requests_in_flight", {
  description: "Current number of admission requests being served."
})

// ---------------------------------------------------------------------------------------------
// Service

/**
 * The server could not start: a bad webhook set (duplicate or reserved paths), unusable
 * certificates, or a port that cannot be bound. `reason` says which.
 *
 * @example
 * WebhookServer.layer(options).pipe(Layer.catchTag("WebhookServerError", (e) => Layer.die(e.message)))
 * @since 0.1.0
 */
export class WebhookServerError extends Data.TaggedError("WebhookServerError")<{
  readonly reason: "Configuration" | "Certificates" | "Listen"
  readonly message: string
  readonly cause?: unknown
}> {}

/**
 * The serving certificate in use.
 *
 * @example
 * const { fingerprint256, validTo } = yield* server.certificate
 * @since 0.1.0
 */
export type CertificateInfo = Certs.Info

/**
 * Options of {@link make} / {@link layer}.
 *
 * @example
 * const options: WebhookServer.Options<never> = { webhooks: [Admission.defaulting(Website)], certDir: "/certs", clientCAName: "client-ca.crt" }
 * @since 0.1.0
 */
export interface Options<R> {
  /** The admission and conversion webhooks to serve. */
  readonly webhooks: ReadonlyArray<Admission.Webhook<R> | Conversion.Webhook<R>>
  /** Default 9443; 0 picks a free port (see {@link Service.port}). */
  readonly port?: number
  /** Interface to bind. Default: all interfaces. */
  readonly host?: string
  /** Directory of the serving certificate. Default `<tmpdir>/k8s-webhook-server/serving-certs` (controller-runtime's). */
  readonly certDir?: string
  /** Default `tls.crt`. */
  readonly certName?: string
  /** Default `tls.key`. */
  readonly keyName?: string
  /**
   * File in `certDir` holding the CA that client certificates must chain to. When set, the
   * server requires a client certificate and rejects connections without a valid one.
   */
  readonly clientCAName?: string
  /** How often the certificate files are checked for a rotation. Default 10 seconds. */
  readonly certReloadInterval?: Duration.DurationInput
  /**
   * Largest body accepted, in bytes; larger requests get 413. Default 7 MiB (controller-runtime's):
   * an UPDATE review carries the object twice, and an object may be 1.5 MiB in etcd.
   */
  readonly maxRequestBytes?: number
  /** Default `TLSv1.2`. */
  readonly minTLSVersion?: "TLSv1.2" | "TLSv1.3"
  /** How long in-flight calls may take to finish when the scope closes. Default 5 seconds. */
  readonly shutdownGracePeriod?: Duration.DurationInput
}

/**
 * A running webhook server.
 *
 * @example
 * const server = yield* WebhookServer.WebhookServer
 * const serving = yield* server.ready
 * @since 0.1.0
 */
export interface Service {
  /** The bound port (the real one when `port: 0` was asked for). */
  readonly port: number
  /** `https://<host>:<port>` (`127.0.0.1` when bound to all interfaces): a base for `url` client configs. */
  readonly url: string
  /** The webhook paths served. */
  readonly paths: ReadonlyArray<string>
  /** True while the server accepts calls (what the manager's `/readyz` checks). */
  readonly ready: Effect.Effect<boolean>
  /** The serving certificate in use. */
  readonly certificate: Effect.Effect<CertificateInfo>
  /** The certificate in use, then every certificate installed by a reload. */
  readonly certificateChanges: Stream.Stream<CertificateInfo>
  /**
   * Checks the certificate files now (the watcher does so every `certReloadInterval`): returns
   * whether a new certificate was installed; fails, keeping the current one, when the files
   * cannot be read or do not form a usable pair.
   */
  readonly reloadCertificates: Effect.Effect<boolean, WebhookServerError>
}

/**
 * The webhook server as a service.
 *
 * @example
 * const program = Effect.gen(function* () {
 *   const server = yield* WebhookServer.WebhookServer
 *   yield* Effect.log(`webhooks on ${server.url}`)
 * }).pipe(Effect.provide(WebhookServer.layer({ webhooks: [Admission.defaulting(Website)] })))
 * @since 0.1.0
 */
export class WebhookServer extends Context.Tag("@effect-kube/webhook/WebhookServer")<WebhookServer, Service>() {}

/**
 * The server for as long as the layer lives.
 *
 * @example
 * const live = WebhookServer.layer({ webhooks, certDir: "/tmp/k8s-webhook-server/serving-certs" })
 * @since 0.1.0
 */
export const layer = <R = never>(options: Options<R>): Layer.Layer<WebhookServer, WebhookServerError, R> =>
  Layer.scoped(WebhookServer, make(options))

// ---------------------------------------------------------------------------------------------
// Routing

interface Reply {
  readonly status: number
  readonly body: unknown
  readonly headers?: Record<string, string>
}

interface Endpoint<R> {
  readonly path: string
  readonly handle: (body: unknown) => Effect.Effect<Reply, never, R>
  /** A review-shaped body for a protocol error on this path. */
  readonly error: (status: number, message: string) => unknown
}

const reservedPaths = new Set(["/healthz", "/readyz", "/metrics"])

const admissionError = (status: number, message: string): unknown => respondAdmission(errored("", status, message))

const conversionError = (status: number, message: string): unknown =>
  respondConversion({
    uid: "",
    convertedObjects: [],
    result: InternalStatus.failure(status, status >= 500 ? "InternalError" : "BadRequest", message)
  })

const endpointsOf = <R>(
  webhooks: ReadonlyArray<Admission.Webhook<R> | Conversion.Webhook<R>>
): Effect.Effect<Map<string, Endpoint<R>>, WebhookServerError> => {
  const problems: Array<string> = []
  const admission = new Map<string, Admission.Webhook<R>>()
  const conversions = new Map<string, Array<Conversion.Webhook<R>>>()
  for (const w of webhooks) {
    if (!w.path.startsWith("/")) problems.push(`webhook path ${JSON.stringify(w.path)} must start with "/"`)
    if (reservedPaths.has(w.path)) problems.push(`webhook path ${w.path} is reserved`)
    if (w._tag === "AdmissionWebhook") {
      if (admission.has(w.path) || conversions.has(w.path)) problems.push(`two webhooks on path ${w.path}`)
      admission.set(w.path, w)
    } else {
      if (admission.has(w.path)) problems.push(`two webhooks on path ${w.path}`)
      const list = conversions.get(w.path) ?? []
      if (list.some((c) => c.group === w.group && c.kind === w.kind)) {
        problems.push(`two conversion webhooks for ${w.kind}.${w.group} on ${w.path}`)
      }
      for (const r of w.resources) {
        if (r.group !== w.group || r.kind !== w.kind) {
          problems.push(`conversion webhook for ${w.kind}.${w.group} lists ${r.kind}.${r.group}`)
        }
      }
      conversions.set(w.path, [...list, w])
    }
  }
  const names = new Set<string>()
  for (const w of admission.values()) {
    const key = `${w.type}/${w.name}`
    if (names.has(key)) problems.push(`two ${w.type.toLowerCase()} webhooks named ${w.name}`)
    names.add(key)
  }
  if (problems.length > 0) {
    return Effect.fail(new WebhookServerError({ reason: "Configuration", message: problems.join("; ") }))
  }
  const endpoints = new Map<string, Endpoint<R>>()
  for (const [path, w] of admission) {
    endpoints.set(path, { path, handle: (body) => handleAdmissionReview(w, body), error: admissionError })
  }
  for (const [path, list] of conversions) {
    endpoints.set(path, { path, handle: (body) => handleConversionReview(list, body), error: conversionError })
  }
  return Effect.succeed(endpoints)
}

const json = (status: number, body: unknown, headers?: Record<string, string>) =>
  HttpServerResponse.text(JSON.stringify(body), { status, contentType: "application/json", headers })

const statusBody = (status: number, reason: string, message: string) => ({
  kind: "Status",
  apiVersion: "v1",
  ...InternalStatus.failure(status, reason, message)
})

const isJson = (contentType: string | undefined): boolean =>
  contentType !== undefined && /^application\/json\s*(;|$)/i.test(contentType.trim())

/** Answers one call on a webhook path; never fails. */
const serveEndpoint = <R>(
  endpoint: Endpoint<R>,
  request: HttpServerRequest.HttpServerRequest,
  maxRequestBytes: number
): Effect.Effect<Reply, never, R> =>
  Effect.gen(function* (): Effect.fn.Return<Reply, never, R> {
    if (request.method !== "POST") {
      return {
        status: 405,
        body: endpoint.error(405, `method ${request.method} is not allowed; webhooks are called with POST`),
        headers: { allow: "POST" }
      }
    }
    const contentType = request.headers["content-type"]
    if (!isJson(contentType)) {
      return {
        status: 415,
        body: endpoint.error(415, `content type ${contentType ?? "(none)"}, expected application/json`)
      }
    }
    const raw = yield* Effect.either(Body.read(NodeHttpServerRequest.toIncomingMessage(request), maxRequestBytes))
    if (raw._tag === "Left") {
      const error = raw.left
      return error._tag === "TooLarge"
        ? {
            status: 413,
            body: endpoint.error(413, `the request body is larger than ${error.limit} bytes`),
            headers: { connection: "close" }
          }
        : { status: 400, body: endpoint.error(400, `cannot read the request body: ${error.message}`) }
    }
    if (raw.right.length === 0) return { status: 400, body: endpoint.error(400, "the request body is empty") }
    let parsed: unknown
    try {
      parsed = JSON.parse(raw.right.toString("utf8"))
    } catch (cause) {
      return {
        status: 400,
        body: endpoint.error(
          400,
          `the request body is not JSON: ${cause instanceof Error ? cause.message : String(cause)}`
        )
      }
    }
    return yield* endpoint.handle(parsed)
  })

/** Counts, times and tracks one call on a webhook path. */
const instrumented = <A extends Reply, R>(
  path: string,
  effect: Effect.Effect<A, never, R>
): Effect.Effect<A, never, R> => {
  const inFlight = Metric.tagged(requestsInFlight, "webhook", path)
  const latency = Metric.tagged(latencySeconds, "webhook", path)
  return Effect.acquireUseRelease(
    Metric.incrementBy(inFlight, 1),
    () =>
      Effect.timed(effect).pipe(
        Effect.tap(([elapsed, reply]) =>
          Effect.zipRight(
            Metric.update(latency, Duration.toMillis(elapsed) / 1000),
            Metric.increment(Metric.tagged(Metric.tagged(requestsTotal, "webhook", path), "code", String(reply.status)))
          )
        ),
        Effect.map(([, reply]) => reply)
      ),
    () => Metric.incrementBy(inFlight, -1)
  )
}

// ---------------------------------------------------------------------------------------------
// Server

const mebibyte = 1024 * 1024

/**
 * Starts the server in the current scope: loads and checks the certificates, binds the port,
 * serves the webhooks and watches the certificate files.
 *
 * @example
 * const server = yield* WebhookServer.make({ webhooks: [Admission.validatingFromSchema(Website)], port: 0, certDir })
 * @since 0.1.0
 */
export const make = <R = never>(options: Options<R>): Effect.Effect<Service, WebhookServerError, Scope.Scope | R> =>
  Effect.gen(function* () {
    const endpoints = yield* endpointsOf(options.webhooks)
    const certDir = options.certDir ?? join(tmpdir(), "k8s-webhook-server", "serving-certs")
    const certPaths = Certs.paths(
      certDir,
      options.certName ?? "tls.crt",
      options.keyName ?? "tls.key",
      options.clientCAName
    )
    const maxRequestBytes = options.maxRequestBytes ?? 7 * mebibyte
    const certError = (message: string) => new WebhookServerError({ reason: "Certificates", message })

    const material = yield* Effect.mapError(Certs.read(certPaths), certError)
    const info = yield* Effect.mapError(Certs.check(material), certError)
    const current = yield* Ref.make(material)
    const certificate = yield* SubscriptionRef.make(info)
    const ready = yield* Ref.make(false)

    const requireClientCert = options.clientCAName !== undefined
    const server = https.createServer({
      ...Certs.secureContextOptions(material),
      requestCert: requireClientCert,
      rejectUnauthorized: requireClientCert,
      minVersion: options.minTLSVersion ?? "TLSv1.2"
    })

    // After `listen`, an 'error' without a listener would crash the process.
    const runtime = yield* Effect.runtime<never>()
    const onServerError = (error: Error) =>
      Runtime.runFork(runtime)(Effect.logError(`webhook server error: ${error.message}`))
    server.on("error", onServerError)
    yield* Effect.addFinalizer(() => Effect.sync(() => server.off("error", onServerError)))

    const httpServer = yield* NodeHttpServer.make(() => server, {
      port: options.port ?? 9443,
      ...(options.host === undefined ? {} : { host: options.host })
    }).pipe(
      Effect.mapError(
        (error) =>
          new WebhookServerError({
            reason: "Listen",
            message: `cannot listen on port ${options.port ?? 9443}: ${describe(error.cause)}`,
            cause: error
          })
      )
    )
    const address = httpServer.address
    const port = address._tag === "TcpAddress" ? address.port : 0
    const host =
      options.host === undefined || options.host === "0.0.0.0" || options.host === "::" ? "127.0.0.1" : options.host

    // Runs before the platform's `server.close()`, which waits for open connections: idle
    // keep-alive connections go now, busy ones after the grace period.
    const grace = Duration.toMillis(Duration.decode(options.shutdownGracePeriod ?? "5 seconds"))
    yield* Effect.addFinalizer(() =>
      Effect.zipRight(
        Ref.set(ready, false),
        Effect.sync(() => {
          server.closeIdleConnections()
          const timer = setTimeout(() => server.closeAllConnections(), grace)
          timer.unref()
          server.once("close", () => clearTimeout(timer))
        })
      )
    )

    const app = Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest
      const path = request.url.split("?", 1)[0] ?? "/"
      if (path === "/healthz") {
        return (yield* Ref.get(ready))
          ? HttpServerResponse.text("ok")
          : HttpServerResponse.text("not serving", { status: 503 })
      }
      const endpoint = endpoints.get(path)
      if (endpoint === undefined) {
        return json(404, statusBody(404, "NotFound", `no webhook is served at ${path}`))
      }
      const reply = yield* instrumented(path, serveEndpoint(endpoint, request, maxRequestBytes))
      return json(reply.status, reply.body, reply.headers)
    })
    yield* httpServer.serve(app)

    // The watcher and an explicit call must not interleave between compare and install.
    const reloadLock = yield* Effect.makeSemaphore(1)
    const reloadCertificates: Effect.Effect<boolean, WebhookServerError> = Effect.gen(function* () {
      const next = yield* Effect.mapError(Certs.read(certPaths), certError)
      if (Certs.sameMaterial(next, yield* Ref.get(current))) return false
      const nextInfo = yield* Effect.mapError(Certs.check(next), certError)
      yield* Effect.try({
        try: () => server.setSecureContext(Certs.secureContextOptions(next)),
        catch: (cause) => certError(`cannot install the new certificate: ${describe(cause)}`)
      })
      yield* Ref.set(current, next)
      yield* SubscriptionRef.set(certificate, nextInfo)
      yield* Effect.logInfo(`webhook serving certificate reloaded (${nextInfo.subject}, valid to ${nextInfo.validTo})`)
      return true
    }).pipe(reloadLock.withPermits(1))

    const interval = Duration.decode(options.certReloadInterval ?? "10 seconds")
    yield* reloadCertificates.pipe(
      Effect.catchAll((error) => Effect.logWarning(`${error.message}; keeping the current certificate`)),
      Effect.delay(interval),
      Effect.forever,
      Effect.forkScoped
    )

    yield* Ref.set(ready, true)
    yield* Effect.logDebug(`webhook server listening on port ${port} (${[...endpoints.keys()].join(", ")})`)

    return {
      port,
      url: `https://${host.includes(":") ? `[${host}]` : host}:${port}`,
      paths: [...endpoints.keys()],
      ready: Ref.get(ready),
      certificate: SubscriptionRef.get(certificate),
      certificateChanges: certificate.changes,
      reloadCertificates
    }
  })

const describe = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause))
