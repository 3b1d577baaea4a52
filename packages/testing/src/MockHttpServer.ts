/**
 * The mock apiserver served over HTTPS on a loopback port, so real clients (the live
 * `KubeApi` layer, kubectl, client-go) can talk to it: TLS with a throw-away CA, bearer-token
 * auth, JSON responses, NDJSON watch streams.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import { randomBytes } from "node:crypto"
import { mkdir, writeFile } from "node:fs/promises"
import { dirname } from "node:path"
import * as YAML from "yaml"
import { ApiServer } from "./ApiServer.js"
import * as Certificates from "./Certificates.js"
import * as Internal from "./internal/http/server.js"

/**
 * What the server serves: the apiserver's `handle`/`watch` (the `KubeTransport` shape the
 * `ApiServer` service implements).
 *
 * @example
 * const backend: MockHttpServer.Backend = { handle: (req) => Effect.succeed({ status: 404, headers: {}, body: undefined }), watch: () => Stream.empty }
 * @since 0.1.0
 */
export type Backend = Internal.Backend

/**
 * Binding the port failed (in use, no permission).
 *
 * @example
 * MockHttpServer.make(backend, { port: 6443 }).pipe(Effect.catchTag("ListenError", (e) => Effect.logError(e.message)))
 * @since 0.1.0
 */
export const ListenError = Internal.ListenError
/** @since 0.1.0 */
export type ListenError = Internal.ListenError

/**
 * Writing the kubeconfig file failed.
 *
 * @example
 * server.writeKubeconfig("/read-only/kubeconfig").pipe(Effect.catchTag("KubeconfigWriteError", (e) => Effect.logError(e.message)))
 * @since 0.1.0
 */
export class KubeconfigWriteError extends Data.TaggedError("KubeconfigWriteError")<{
  readonly path: string
  readonly message: string
  readonly cause?: unknown
}> {}

/**
 * Options of {@link make} / {@link layer}.
 *
 * @example
 * MockHttpServer.layer({ port: 0, token: "secret", logRequests: true })
 * @since 0.1.0
 */
export interface Options {
  /** Port to listen on; `0` (the default) picks a free one. */
  readonly port?: number
  /** Interface to bind; default `127.0.0.1`. */
  readonly host?: string
  /** The bearer token clients must send; default a random one. */
  readonly token?: string
  /**
   * TLS: `true` (default) generates a CA and serving certificate; pass certificates to reuse
   * them; `false` serves plain HTTP (the URL and kubeconfig then say `http://`).
   */
  readonly tls?: boolean | Certificates.Certificates
  /** Log every request (method, path, status) at Info level instead of Debug. */
  readonly logRequests?: boolean
  /** Largest accepted request body in bytes; default 3 MiB like kube-apiserver. */
  readonly maxBodyBytes?: number
}

/**
 * A running HTTP mock apiserver.
 *
 * @example
 * const { url, caPem } = yield* MockHttpServer.MockHttpServer
 * @since 0.1.0
 */
export interface Service {
  /** `https://127.0.0.1:<port>` (or `http://` without TLS). */
  readonly url: string
  readonly port: number
  /** The bearer token clients must send. */
  readonly token: Redacted.Redacted<string>
  /** The CA certificate (PEM) clients must trust; `undefined` without TLS. */
  readonly caPem: string | undefined
  /** A kubeconfig (YAML) with one cluster, user and context named `contextName` (default `effect-kube`). */
  readonly kubeconfigYaml: (contextName?: string) => string
  /** Writes {@link Service.kubeconfigYaml} to `path` (mode 0600), creating its directory. */
  readonly writeKubeconfig: (path: string, contextName?: string) => Effect.Effect<void, KubeconfigWriteError>
}

/**
 * The HTTP mock apiserver service.
 *
 * @example
 * const program = Effect.gen(function* () {
 *   const server = yield* MockHttpServer
 *   yield* server.writeKubeconfig("/tmp/kubeconfig")
 *   // kubectl --kubeconfig /tmp/kubeconfig get configmaps -A
 * })
 * @since 0.1.0
 */
export class MockHttpServer extends Context.Tag("@effect-kube/testing/MockHttpServer")<MockHttpServer, Service>() {}

const kubeconfig = (url: string, token: string, caPem: string | undefined, name: string): string =>
  YAML.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name,
        cluster: {
          server: url,
          ...(caPem !== undefined ? { "certificate-authority-data": Buffer.from(caPem).toString("base64") } : {})
        }
      }
    ],
    users: [{ name, user: { token } }],
    contexts: [{ name, context: { cluster: name, user: name, namespace: "default" } }],
    "current-context": name,
    preferences: {}
  })

/**
 * Serves `backend` until the scope closes. Closing the scope stops listening, destroys open
 * (keep-alive and watch) connections and interrupts in-flight requests.
 *
 * Guarantees: every request but `GET /healthz|/livez|/readyz` needs `Authorization: Bearer
 * <token>` (else 401 `Unauthorized` Status); a watch client that disconnects has its watch
 * stream interrupted at once.
 *
 * @example
 * const server = yield* MockHttpServer.make(apiServer, { port: 0 })
 * @since 0.1.0
 */
export const make = (
  backend: Backend,
  options: Options = {}
): Effect.Effect<Service, ListenError | Certificates.CertificateError, Scope.Scope> =>
  Effect.gen(function* () {
    const host = options.host ?? "127.0.0.1"
    const token = options.token ?? randomBytes(24).toString("base64url")
    const certs =
      options.tls === false
        ? undefined
        : options.tls === undefined || options.tls === true
          ? yield* Certificates.generate({ ipAddresses: host === "127.0.0.1" ? ["127.0.0.1", "::1"] : [host] })
          : options.tls
    const { port } = yield* Internal.serve(backend, {
      host,
      port: options.port ?? 0,
      token,
      tls: certs ? { cert: certs.cert, key: certs.key } : undefined,
      logRequests: options.logRequests ?? false,
      maxBodyBytes: options.maxBodyBytes ?? 3 * 1024 * 1024
    })
    const hostPart = host.includes(":") ? `[${host}]` : host
    const url = `${certs ? "https" : "http"}://${hostPart}:${port}`
    const caPem = certs?.caCert
    const kubeconfigYaml = (contextName = "effect-kube") => kubeconfig(url, token, caPem, contextName)
    return {
      url,
      port,
      token: Redacted.make(token),
      caPem,
      kubeconfigYaml,
      writeKubeconfig: (path, contextName) =>
        Effect.tryPromise({
          try: async () => {
            await mkdir(dirname(path), { recursive: true })
            await writeFile(path, kubeconfigYaml(contextName), { mode: 0o600 })
          },
          catch: (cause) =>
            new KubeconfigWriteError({ path, message: `cannot write kubeconfig ${path}: ${String(cause)}`, cause })
        })
    }
  })

/**
 * A layer serving the given backend (for tests with a hand-written backend).
 *
 * @example
 * const TestServer = MockHttpServer.layerFrom(stubBackend, { token: "t" })
 * @since 0.1.0
 */
export const layerFrom = (
  backend: Backend,
  options: Options = {}
): Layer.Layer<MockHttpServer, ListenError | Certificates.CertificateError> =>
  Layer.scoped(MockHttpServer, make(backend, options))

/**
 * Serves the `ApiServer` in context over HTTPS until the layer's scope closes.
 *
 * @example
 * const Http = MockHttpServer.layer({ token: "secret" }).pipe(Layer.provideMerge(ApiServer.layer()))
 * // yield* MockHttpServer → { url, caPem, kubeconfigYaml, … }
 * @since 0.1.0
 */
export const layer = (
  options: Options = {}
): Layer.Layer<MockHttpServer, ListenError | Certificates.CertificateError, ApiServer> =>
  Layer.scoped(
    MockHttpServer,
    Effect.flatMap(ApiServer, (server) => make(server, options))
  )
