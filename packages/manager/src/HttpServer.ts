/**
 * The manager's plain-HTTP server for `/metrics`, `/healthz` and `/readyz` (controller-runtime
 * serves metrics on :8080 and probes on :8081 by default; the manager can also put all three on
 * one port).
 *
 * @since 0.1.0
 */
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as Data from "effect/Data"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Http from "node:http"
import * as Metrics from "./Metrics.js"
import * as Probes from "./Probes.js"

/**
 * The server could not listen (port in use, permission denied, bad host).
 *
 * @example
 * HttpServer.serve({ port: 8080, routes }).pipe(Effect.catchTag("HttpServerError", (e) => Effect.logError(e.message)))
 * @since 0.1.0
 */
export class HttpServerError extends Data.TaggedError("HttpServerError")<{
  readonly message: string
  readonly port: number
  readonly host: string | undefined
  readonly cause: unknown
}> {}

/**
 * What a server answers. Absent routes answer 404.
 *
 * @example
 * const routes: HttpServer.Routes = { metrics: Metrics.render(), healthz: [Probes.ping], readyz: [synced] }
 * @since 0.1.0
 */
export interface Routes {
  /** `/metrics`: the exposition text. */
  readonly metrics?: Effect.Effect<string>
  /** `/healthz` checks (liveness). */
  readonly healthz?: ReadonlyArray<Probes.Check>
  /** `/readyz` checks (readiness). */
  readonly readyz?: ReadonlyArray<Probes.Check>
  /** Per-check timeout of the probes (default 1 s). */
  readonly checkTimeout?: Duration.DurationInput
}

/**
 * Where a server listens (the actual port when `port: 0` was asked).
 *
 * @example
 * const { port } = yield* HttpServer.serve({ port: 0, routes })
 * @since 0.1.0
 */
export interface Address {
  readonly host: string
  readonly port: number
}

const probeRoute = (
  endpoint: "healthz" | "readyz",
  checks: ReadonlyArray<Probes.Check>,
  path: string,
  url: URL,
  timeout: Duration.DurationInput | undefined
) =>
  Effect.map(Probes.respond(endpoint, checks, path, url.searchParams, { timeout }), (r) =>
    HttpServerResponse.text(r.body, { status: r.status, headers: { "x-content-type-options": "nosniff" } })
  )

/**
 * The request handler over `routes` (exposed for tests and for mounting in another server).
 *
 * @example
 * const app = HttpServer.app({ healthz: [Probes.ping] })
 * @since 0.1.0
 */
export const app = (
  routes: Routes
): Effect.Effect<HttpServerResponse.HttpServerResponse, never, HttpServerRequest.HttpServerRequest> =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const url = new URL(request.url, "http://localhost")
    const path = url.pathname.length > 1 && url.pathname.endsWith("/") ? url.pathname.slice(0, -1) : url.pathname
    if (request.method !== "GET" && request.method !== "HEAD") {
      return HttpServerResponse.text("method not allowed\n", { status: 405, headers: { allow: "GET, HEAD" } })
    }
    if (path === "/metrics" && routes.metrics !== undefined) {
      const body = yield* routes.metrics
      return HttpServerResponse.text(body, { contentType: Metrics.contentType })
    }
    if ((path === "/healthz" || path.startsWith("/healthz/")) && routes.healthz !== undefined) {
      return yield* probeRoute("healthz", routes.healthz, path, url, routes.checkTimeout)
    }
    if ((path === "/readyz" || path.startsWith("/readyz/")) && routes.readyz !== undefined) {
      return yield* probeRoute("readyz", routes.readyz, path, url, routes.checkTimeout)
    }
    return HttpServerResponse.text("404 page not found\n", { status: 404 })
  })

/**
 * Listens on `host:port` (default all interfaces) and serves `routes` until the scope closes.
 * Returns once listening, with the bound address.
 *
 * @example
 * const address = yield* HttpServer.serve({ port: 8081, routes: { healthz: [Probes.ping] } })
 * @since 0.1.0
 */
export const serve = (options: {
  readonly port: number
  readonly host?: string
  readonly routes: Routes
}): Effect.Effect<Address, HttpServerError, Scope.Scope> =>
  Effect.gen(function* () {
    const server = yield* NodeHttpServer.make(() => Http.createServer(), {
      port: options.port,
      ...(options.host !== undefined ? { host: options.host } : {})
    }).pipe(
      Effect.mapError(
        (error) =>
          new HttpServerError({
            message: `cannot listen on ${options.host ?? "*"}:${options.port}: ${Probes.describe(error.cause)}`,
            port: options.port,
            host: options.host,
            cause: error.cause
          })
      )
    )
    yield* server.serve(app(options.routes))
    const address = server.address
    return address._tag === "TcpAddress"
      ? { host: address.hostname, port: address.port }
      : { host: address.path, port: options.port }
  })
