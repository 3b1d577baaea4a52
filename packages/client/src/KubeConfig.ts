/**
 * Where the cluster is and how to authenticate: kubeconfig files (the `KUBECONFIG` list merged the
 * way kubectl merges it), the in-cluster service account, or a kubeconfig string, resolved into
 * one immutable {@link ClusterAccess} value that the live transport consumes.
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import * as internal from "./internal/kubeConfig.js"

/**
 * A kubeconfig could not be loaded or resolved. The message names the file and the entry
 * (`context 'x' not found in /home/me/.kube/config`); `path` is the file involved, if any.
 * Never contains secret material.
 *
 * @example
 * KubeConfig.load().pipe(Effect.catchTag("KubeConfigError", (e) => Effect.logError(e.message)))
 * @since 0.1.0
 */
export class KubeConfigError extends Data.TaggedError("KubeConfigError")<{
  readonly message: string
  readonly path?: string
  readonly cause?: unknown
}> {}

/**
 * How requests authenticate.
 *
 * - `Anonymous`: no credentials (client certificates may still be in {@link Tls}).
 * - `Token`: a static bearer token.
 * - `TokenFile`: a bearer token re-read from a file (service-account tokens rotate): the
 *   transport reads it at most once a minute and keeps the last good token if a re-read fails.
 * - `Basic`: username and password.
 * - `Plugin`: an `exec` credential plugin or an `auth-provider` (OIDC, …), run through
 *   `@kubernetes/client-node`'s authenticators; tokens are cached until they expire.
 *
 * @example
 * const credentials: Credentials = { _tag: "Token", token: Redacted.make(process.env.TOKEN ?? "") }
 * @since 0.1.0
 */
export type Credentials =
  | { readonly _tag: "Anonymous" }
  | { readonly _tag: "Token"; readonly token: Redacted.Redacted<string> }
  | { readonly _tag: "TokenFile"; readonly path: string }
  | { readonly _tag: "Basic"; readonly username: string; readonly password: Redacted.Redacted<string> }
  | {
      readonly _tag: "Plugin"
      readonly provider: "exec" | "auth-provider"
      /** The kubeconfig user the plugin authenticates. */
      readonly user: string
      /** The raw `exec` / `auth-provider` stanza (may hold client secrets and refresh tokens). */
      readonly config: Redacted.Redacted<unknown>
    }

/**
 * TLS material, already read from files (PEM text).
 *
 * @example
 * const tls: Tls = { ca: caPem, cert: undefined, key: undefined, insecureSkipTlsVerify: false, serverName: undefined }
 * @since 0.1.0
 */
export interface Tls {
  /** CA bundle that signs the server certificate; absent = the system roots. */
  readonly ca: string | undefined
  readonly cert: string | undefined
  readonly key: Redacted.Redacted<string> | undefined
  /** Skip server certificate verification (kubeconfig `insecure-skip-tls-verify`). */
  readonly insecureSkipTlsVerify: boolean
  /** SNI / verification name when it differs from the server host (`tls-server-name`). */
  readonly serverName: string | undefined
}

/**
 * Everything needed to talk to one cluster as one user. Immutable; secrets are `Redacted`.
 *
 * @example
 * const access: ClusterAccess = yield* KubeConfig.load({ context: "kind-dev" })
 * access.server // "https://127.0.0.1:6443"
 * @since 0.1.0
 */
export interface ClusterAccess {
  /** Where it came from: kubeconfig path(s), `<in-cluster>`, `<string>`. */
  readonly source: string
  readonly context: string
  readonly cluster: string
  readonly user: string
  /** Base URL without a trailing slash (may carry a path prefix, e.g. behind a proxy). */
  readonly server: string
  /** The context's namespace (in-cluster: the pod's namespace), if any. */
  readonly namespace: string | undefined
  readonly tls: Tls
  readonly credentials: Credentials
  /** `as` of the kubeconfig user: sent as `Impersonate-User`. */
  readonly impersonateUser: string | undefined
}

/**
 * Options of {@link load}.
 *
 * @example
 * const options: LoadOptions = { kubeconfig: "/etc/kube/config", context: "prod" }
 * @since 0.1.0
 */
export interface LoadOptions {
  /** Explicit kubeconfig file(s); wins over `KUBECONFIG`, in-cluster and `~/.kube/config`. */
  readonly kubeconfig?: string | ReadonlyArray<string>
  /** A named context instead of `current-context`. */
  readonly context?: string
  /** Service-account directory for the in-cluster fallback (tests). */
  readonly serviceAccountDir?: string
}

/**
 * Options of {@link inCluster}.
 *
 * @example
 * const options: InClusterOptions = { serviceAccountDir: "/tmp/sa" }
 * @since 0.1.0
 */
export interface InClusterOptions {
  /** Default `/var/run/secrets/kubernetes.io/serviceaccount`. */
  readonly serviceAccountDir?: string
}

/**
 * The default service-account directory inside a pod.
 *
 * @example
 * path.join(ServiceAccountDir, "token")
 * @since 0.1.0
 */
export const ServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount"

const env = (name: string) =>
  Config.option(Config.string(name)).pipe(
    Effect.map(Option.filter((s) => s !== "")),
    Effect.mapError((cause) => new KubeConfigError({ message: `cannot read environment variable ${name}`, cause }))
  )

/**
 * Loads the cluster access the way controller-runtime does: `options.kubeconfig`, else the
 * `KUBECONFIG` list, else the in-cluster service account (when `KUBERNETES_SERVICE_HOST` is
 * set), else `~/.kube/config`. Environment is read through Effect `Config`.
 *
 * `KUBECONFIG` lists are merged like kubectl (client-node's `loadFromDefault` differs: there a
 * later file's `current-context` wins and duplicate names throw): files that do not exist are
 * skipped, the first file to define a cluster/user/context name wins, the first non-empty
 * `current-context` wins, relative paths resolve against the file that holds them.
 *
 * @example
 * const access = yield* KubeConfig.load({ context: "kind-dev" })
 * @since 0.1.0
 */
export const load = (options?: LoadOptions): Effect.Effect<ClusterAccess, KubeConfigError> =>
  Effect.gen(function* () {
    const explicit = options?.kubeconfig
    if (explicit !== undefined) {
      const files = typeof explicit === "string" ? [explicit] : explicit
      return yield* fromFiles(files, options)
    }
    const list = yield* env("KUBECONFIG")
    if (Option.isSome(list)) {
      return yield* fromFiles(internal.splitPathList(list.value), { ...options, skipMissing: true })
    }
    const host = yield* env("KUBERNETES_SERVICE_HOST")
    if (Option.isSome(host)) return yield* inCluster(options)
    const home = yield* env("HOME")
    const homeConfig = internal.homeKubeconfig(Option.getOrUndefined(home))
    if (yield* internal.exists(homeConfig)) return yield* fromFiles([homeConfig], options)
    return yield* new KubeConfigError({
      message: `no kubeconfig found: KUBECONFIG is not set, KUBERNETES_SERVICE_HOST is not set (not in a cluster) and ${homeConfig} does not exist`,
      path: homeConfig
    })
  })

/**
 * Loads and merges kubeconfig files (kubectl's rules, see {@link load}) and resolves a context.
 * With `skipMissing`, files that do not exist are ignored (as for `KUBECONFIG`); an explicit
 * file that is missing is an error.
 *
 * @example
 * const access = yield* KubeConfig.fromFiles(["/etc/kube/a.yaml", "/etc/kube/b.yaml"], { context: "b" })
 * @since 0.1.0
 */
export const fromFiles = (
  files: ReadonlyArray<string>,
  options?: { readonly context?: string; readonly skipMissing?: boolean }
): Effect.Effect<ClusterAccess, KubeConfigError> =>
  Effect.flatMap(internal.readFiles(files, options?.skipMissing ?? false), (merged) =>
    internal.resolve(merged, options?.context)
  )

/**
 * Loads one kubeconfig file.
 *
 * @example
 * const access = yield* KubeConfig.fromFile("/home/me/.kube/config")
 * @since 0.1.0
 */
export const fromFile = (
  file: string,
  options?: { readonly context?: string }
): Effect.Effect<ClusterAccess, KubeConfigError> => fromFiles([file], options)

/**
 * Parses a kubeconfig document given as a string (tests, secrets mounted as env). Relative file
 * paths resolve against `baseDir` (default: the working directory).
 *
 * @example
 * const access = yield* KubeConfig.fromString(yaml, { context: "test" })
 * @since 0.1.0
 */
export const fromString = (
  text: string,
  options?: { readonly context?: string; readonly baseDir?: string }
): Effect.Effect<ClusterAccess, KubeConfigError> =>
  Effect.flatMap(internal.parseDocument(text, "<string>", options?.baseDir), (merged) =>
    internal.resolve(merged, options?.context)
  )

/**
 * The in-cluster service account: `https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT`,
 * the service-account CA, its token file (re-read as it rotates) and namespace.
 *
 * @example
 * const access = yield* KubeConfig.inCluster()
 * @since 0.1.0
 */
export const inCluster = (options?: InClusterOptions): Effect.Effect<ClusterAccess, KubeConfigError> =>
  Effect.gen(function* () {
    const host = yield* env("KUBERNETES_SERVICE_HOST")
    const port = yield* env("KUBERNETES_SERVICE_PORT")
    if (Option.isNone(host) || Option.isNone(port)) {
      return yield* new KubeConfigError({
        message: "not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set"
      })
    }
    return yield* internal.inClusterAccess(host.value, port.value, options?.serviceAccountDir ?? ServiceAccountDir)
  })

/**
 * A {@link ClusterAccess} from parts (tests, programmatic setups). TLS verification stays on
 * unless `insecureSkipTlsVerify` is set.
 *
 * @example
 * const access = KubeConfig.make({ server: "https://127.0.0.1:6443", ca: caPem, credentials: { _tag: "Token", token: Redacted.make(t) } })
 * @since 0.1.0
 */
export const make = (parts: {
  readonly server: string
  readonly ca?: string
  readonly cert?: string
  readonly key?: Redacted.Redacted<string>
  readonly insecureSkipTlsVerify?: boolean
  readonly serverName?: string
  readonly credentials?: Credentials
  readonly namespace?: string
  readonly impersonateUser?: string
}): ClusterAccess => ({
  source: "<programmatic>",
  context: "",
  cluster: "",
  user: "",
  server: parts.server.replace(/\/+$/, ""),
  namespace: parts.namespace,
  tls: {
    ca: parts.ca,
    cert: parts.cert,
    key: parts.key,
    insecureSkipTlsVerify: parts.insecureSkipTlsVerify ?? false,
    serverName: parts.serverName
  },
  credentials: parts.credentials ?? { _tag: "Anonymous" },
  impersonateUser: parts.impersonateUser
})
