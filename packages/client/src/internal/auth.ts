import * as Fs from "node:fs/promises"
import type * as Https from "node:https"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { TransportError } from "@effect-kube/core/Errors"
import { isPlainObject } from "@effect-kube/core/Meta"
import type { ClusterAccess } from "../KubeConfig.js"

/** Produces the `Authorization` header value of the next request (undefined: none). */
export type Authorizer = Effect.Effect<string | undefined, TransportError>

/** How often a token file is re-read (client-go: one minute). */
export const TokenFileRefresh = Duration.minutes(1)

const describe = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause))

/**
 * A token re-read from its file at most once per `refresh`. A failed re-read keeps the last good
 * token (it is most likely still valid: kubelet rotates well before expiry) and is logged; a
 * failure with no token yet fails the request.
 */
export const tokenFileAuthorizer = (
  path: string,
  refresh: Duration.Duration = TokenFileRefresh
): Effect.Effect<Authorizer> =>
  Effect.map(Effect.makeSemaphore(1), (lock) => {
    let token: string | undefined
    let readAt = Number.NEGATIVE_INFINITY
    const refreshMillis = Duration.toMillis(refresh)
    const fresh = (now: number) => token !== undefined && now - readAt < refreshMillis
    const reread = lock.withPermits(1)(
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        if (fresh(now)) return `Bearer ${token}`
        const read = yield* Effect.either(
          Effect.tryPromise({
            try: () => Fs.readFile(path, "utf8"),
            catch: (cause) => cause
          })
        )
        const value = read._tag === "Right" ? read.right.trim() : ""
        if (value !== "") {
          token = value
          readAt = now
          return `Bearer ${value}`
        }
        const reason = read._tag === "Left" ? describe(read.left) : "the file is empty"
        if (token !== undefined) {
          // Do not retry the file on every request: try again after the next interval.
          readAt = now
          yield* Effect.logWarning(`cannot re-read the bearer token file ${path} (${reason}); using the previous token`)
          return `Bearer ${token}`
        }
        return yield* new TransportError({ message: `cannot read the bearer token file ${path}: ${reason}` })
      })
    )
    return Effect.flatMap(Clock.currentTimeMillis, (now) => (fresh(now) ? Effect.succeed(`Bearer ${token}`) : reread))
  })

/**
 * An exec plugin or auth-provider, run by `@kubernetes/client-node`'s authenticators (they cache
 * the credential until it expires). Calls are serialised so an expired token is refreshed once,
 * not once per concurrent request.
 */
const pluginAuthorizer = (
  access: ClusterAccess,
  provider: "exec" | "auth-provider",
  userName: string,
  config: unknown
): Effect.Effect<Authorizer> =>
  Effect.gen(function* () {
    const lock = yield* Effect.makeSemaphore(1)
    const kubeConfig = yield* Effect.cached(
      Effect.map(
        Effect.promise(() => import("@kubernetes/client-node")),
        (k8s) => {
          const kc = new k8s.KubeConfig()
          // client-node's authenticators write refreshed tokens into the stanza: give them a copy so
          // the ClusterAccess value stays immutable.
          const stanza = structuredClone(config)
          // A cluster without TLS material: only the user's authenticator is used from it.
          kc.loadFromClusterAndUser(
            { name: access.cluster || "effect-kube", server: access.server, skipTLSVerify: false },
            provider === "exec" ? { name: userName, exec: stanza } : { name: userName, authProvider: stanza }
          )
          return kc
        }
      )
    )
    return lock.withPermits(1)(
      Effect.flatMap(kubeConfig, (kc) =>
        Effect.tryPromise({
          try: async () => {
            const options: Https.RequestOptions = {}
            await kc.applyToHTTPSOptions(options)
            const headers = options.headers
            const value = isPlainObject(headers) ? headers.Authorization : undefined
            return typeof value === "string" ? value : undefined
          },
          catch: (cause) =>
            new TransportError({
              message: `the ${provider} credential plugin of user '${userName}' failed: ${describe(cause)}`
            })
        })
      )
    )
  })

/** The authorizer of a cluster access. */
export const makeAuthorizer = (access: ClusterAccess): Effect.Effect<Authorizer> => {
  const credentials = access.credentials
  switch (credentials._tag) {
    case "Anonymous":
      return Effect.succeed(Effect.succeed(undefined))
    case "Token":
      return Effect.succeed(Effect.sync(() => `Bearer ${Redacted.value(credentials.token)}`))
    case "Basic":
      return Effect.succeed(
        Effect.sync(
          () =>
            `Basic ${Buffer.from(`${credentials.username}:${Redacted.value(credentials.password)}`).toString("base64")}`
        )
      )
    case "TokenFile":
      return tokenFileAuthorizer(credentials.path)
    case "Plugin":
      return pluginAuthorizer(access, credentials.provider, credentials.user, Redacted.value(credentials.config))
  }
}
