/**
 * The live {@link KubeTransport}: HTTPS to a real apiserver through `@effect/platform`'s
 * `HttpClient` on an undici `Agent` built from a {@link ClusterAccess} (CA, client certificate,
 * verification, SNI), with keep-alive connection pooling.
 *
 * @since 0.1.0
 */
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import type * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { fromStatus, type KubeError, TransportError } from "@effect-kube/core/Errors"
import { Agent } from "undici"
import { makeAuthorizer } from "./internal/auth.js"
import { splitter } from "./internal/ndjson.js"
import { renderUrl } from "./internal/paths.js"
import type { ClusterAccess } from "./KubeConfig.js"
import { type KubeRequest, type KubeResponse, KubeTransport } from "./Transport.js"

/**
 * Options of the live transport.
 *
 * @example
 * const options: HttpTransportOptions = { requestTimeout: "30 seconds", userAgent: "my-operator/1.0" }
 * @since 0.1.0
 */
export interface HttpTransportOptions {
  /**
   * Client-side timeout of a non-watch request (headers and body). Default 60 s; watches are
   * bounded by `KubeApi`'s inactivity timeout instead.
   */
  readonly requestTimeout?: Duration.DurationInput
  /** `User-Agent` header. Default `effect-kube`. */
  readonly userAgent?: string
  /** Maximum sockets to the apiserver (each watch holds one). Default unlimited. */
  readonly connections?: number
  /** How long an idle pooled connection is kept. Default 30 s. */
  readonly keepAliveTimeout?: Duration.DurationInput
}

const describeCause = (cause: unknown): string => {
  if (cause instanceof Error) {
    const code = "code" in cause && typeof cause.code === "string" ? `${cause.code}: ` : ""
    const inner = cause.cause instanceof Error ? ` (${describeCause(cause.cause)})` : ""
    return `${code}${cause.message}${inner}`
  }
  return String(cause)
}

const MAX_ERROR_TEXT = 1024

/** Parses a body: empty → undefined, JSON → value, anything else → the text (e.g. `/healthz`). */
const parseBody = (text: string, status: number): unknown => {
  if (text === "") return undefined
  try {
    return JSON.parse(text)
  } catch {
    if (status >= 200 && status < 300) return text
    // A proxy or load balancer answered (HTML, plain text): shape it like a Status.
    return {
      kind: "Status",
      apiVersion: "v1",
      status: "Failure",
      code: status,
      message: text.length > MAX_ERROR_TEXT ? `${text.slice(0, MAX_ERROR_TEXT)}…` : text
    }
  }
}

const lowerCaseHeaders = (response: HttpClientResponse.HttpClientResponse): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const name of Object.keys(response.headers)) out[name.toLowerCase()] = response.headers[name]
  return out
}

/**
 * Builds the transport. The undici agent lives as long as `scope`: closing it aborts in-flight
 * requests and watches and closes every pooled connection.
 *
 * @example
 * const transport = yield* HttpTransport.make(access)
 * @since 0.1.0
 */
export const make = (
  access: ClusterAccess,
  options?: HttpTransportOptions
): Effect.Effect<Context.Tag.Service<KubeTransport>, never, Scope.Scope> =>
  Effect.gen(function* () {
    const tls = access.tls
    const agent = yield* Effect.acquireRelease(
      Effect.sync(
        () =>
          new Agent({
            connect: {
              ca: tls.ca,
              cert: tls.cert,
              key: tls.key === undefined ? undefined : Redacted.value(tls.key),
              rejectUnauthorized: !tls.insecureSkipTlsVerify,
              servername: tls.serverName,
              keepAlive: true,
              // client-go's dialer keep-alive: notices dead peers behind NATs/LBs.
              keepAliveInitialDelay: 30_000
            },
            keepAliveTimeout: Duration.toMillis(options?.keepAliveTimeout ?? Duration.seconds(30)),
            connections: options?.connections ?? null
          })
      ),
      (agent) => Effect.ignore(Effect.tryPromise(() => agent.destroy()))
    )
    const client = NodeHttpClient.makeUndici(agent)
    const scopedClient = HttpClient.withScope(client)
    const authorize = yield* makeAuthorizer(access)
    const requestTimeout = Duration.decode(options?.requestTimeout ?? Duration.seconds(60))
    const userAgent = options?.userAgent ?? "effect-kube"

    const transportError = (request: KubeRequest, url: string, message: string, cause?: unknown) =>
      new TransportError({ message: `${request.method} ${url}: ${message}`, method: request.method, url, cause })

    const build = (request: KubeRequest, url: string) =>
      Effect.map(authorize, (authorization) => {
        const headers: Record<string, string> = {
          accept: request.accept ?? "application/json",
          "user-agent": userAgent
        }
        if (authorization !== undefined) headers.authorization = authorization
        if (access.impersonateUser !== undefined) headers["impersonate-user"] = access.impersonateUser
        const base = HttpClientRequest.setHeaders(HttpClientRequest.make(request.method)(url), headers)
        return request.body === undefined
          ? base
          : HttpClientRequest.bodyText(base, JSON.stringify(request.body), request.contentType ?? "application/json")
      })

    // The HttpClientError holds the request (with its Authorization header): keep only its cause.
    const fromHttpError = (request: KubeRequest, url: string) => (error: HttpClientError.HttpClientError) =>
      transportError(request, url, describeCause(error.cause ?? error.message), error.cause)

    const readBody = (request: KubeRequest, url: string, response: HttpClientResponse.HttpClientResponse) =>
      Effect.map(Effect.mapError(response.text, fromHttpError(request, url)), (text) =>
        parseBody(text, response.status)
      )

    const send = (request: KubeRequest): Effect.Effect<KubeResponse, TransportError> => {
      const url = access.server + renderUrl(request.path, request.query)
      return Effect.gen(function* () {
        const httpRequest = yield* build(request, url)
        const response = yield* Effect.mapError(client.execute(httpRequest), fromHttpError(request, url))
        const body = yield* readBody(request, url, response)
        return { status: response.status, headers: lowerCaseHeaders(response), body }
      }).pipe(
        Effect.timeoutFail({
          duration: requestTimeout,
          onTimeout: () => transportError(request, url, `no response within ${Duration.format(requestTimeout)}`)
        })
      )
    }

    const watch = (request: KubeRequest): Stream.Stream<unknown, KubeError> => {
      const url = access.server + renderUrl(request.path, request.query)
      return Stream.unwrapScoped(
        Effect.gen(function* (): Effect.fn.Return<Stream.Stream<unknown, KubeError>, TransportError, Scope.Scope> {
          const httpRequest = yield* build(request, url)
          const response = yield* Effect.mapError(scopedClient.execute(httpRequest), fromHttpError(request, url))
          if (response.status < 200 || response.status >= 300) {
            const body = yield* readBody(request, url, response)
            return Stream.fail(fromStatus(response.status, body, response.headers["retry-after"]))
          }
          return response.stream.pipe(
            Stream.mapError(fromHttpError(request, url)),
            Stream.pipeThroughChannel(splitter<TransportError>(`watch ${url}`))
          )
        })
      )
    }

    return KubeTransport.of({ request: send, watch })
  })

/**
 * The transport as a layer; the agent closes with the layer's scope.
 *
 * @example
 * const transport = HttpTransport.layer(access)
 * @since 0.1.0
 */
export const layer = (access: ClusterAccess, options?: HttpTransportOptions): Layer.Layer<KubeTransport> =>
  Layer.scoped(KubeTransport, make(access, options))
