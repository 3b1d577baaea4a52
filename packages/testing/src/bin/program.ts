/**
 * What `pnpm start` runs, as layers: an in-memory apiserver served over HTTPS on a fixed port,
 * a kubeconfig written for it, and a banner saying how to reach it. Kept apart from the entry
 * point so tests can build the same composition on a random port.
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { resolve } from "node:path"
import { ApiServer } from "../ApiServer.js"
import type { CertificateError } from "../Certificates.js"
import * as MockHttpServer from "../MockHttpServer.js"
import type { StatusError } from "@effect-kube/core/Errors"

/**
 * Settings of the start command.
 *
 * @example
 * const settings: ServeSettings = { port: 0, kubeconfigPath: "/tmp/kubeconfig", token: undefined }
 * @since 0.1.0
 */
export interface ServeSettings {
  /** Port to listen on; `0` picks a free one. */
  readonly port: number
  /** Where the kubeconfig goes (absolute). */
  readonly kubeconfigPath: string
  /** Bearer token; random when absent. */
  readonly token: string | undefined
}

/**
 * Settings from the environment: `EFFECT_KUBE_PORT` (default 6443), `EFFECT_KUBE_KUBECONFIG`
 * (default `./.effect-kube/kubeconfig` under the working directory), `EFFECT_KUBE_TOKEN`
 * (default random).
 *
 * @example
 * const settings = yield* serveSettings
 * @since 0.1.0
 */
export const serveSettings: Config.Config<ServeSettings> = Config.all({
  port: Config.integer("EFFECT_KUBE_PORT").pipe(
    Config.validate({ message: "Expected a port number between 0 and 65535", validation: (n) => n >= 0 && n <= 65535 }),
    Config.withDefault(6443)
  ),
  kubeconfigPath: Config.string("EFFECT_KUBE_KUBECONFIG").pipe(
    Config.withDefault(".effect-kube/kubeconfig"),
    Config.map((p) => resolve(p))
  ),
  token: Config.option(Config.string("EFFECT_KUBE_TOKEN")).pipe(Config.map(Option.getOrUndefined))
})

/**
 * The running server: apiserver + HTTPS front + kubeconfig on disk + a banner in the log.
 * Every request is logged (method, path, status) at Info level. Closing the layer's scope shuts
 * the server down (open watches end, the port is freed).
 *
 * @example
 * Layer.launch(serveLayer({ port: 0, kubeconfigPath: "/tmp/kubeconfig", token: undefined }))
 * @since 0.1.0
 */
export const serveLayer = (
  settings: ServeSettings
): Layer.Layer<
  MockHttpServer.MockHttpServer | ApiServer,
  StatusError | MockHttpServer.ListenError | CertificateError | MockHttpServer.KubeconfigWriteError
> => {
  const http = MockHttpServer.layer({
    port: settings.port,
    logRequests: true,
    ...(settings.token !== undefined ? { token: settings.token } : {})
  }).pipe(Layer.provideMerge(ApiServer.layer()))
  const announce = Layer.scopedDiscard(
    Effect.gen(function* () {
      yield* Effect.addFinalizer(() => Effect.logInfo("effect-kube mock apiserver stopped"))
      const server = yield* MockHttpServer.MockHttpServer
      yield* server.writeKubeconfig(settings.kubeconfigPath)
      yield* Effect.logInfo(
        [
          `effect-kube mock apiserver listening on ${server.url}`,
          `kubeconfig: ${settings.kubeconfigPath}`,
          `try: kubectl --kubeconfig ${settings.kubeconfigPath} get configmaps -A`,
          `or:  export KUBECONFIG=${settings.kubeconfigPath}`
        ].join("\n")
      )
    })
  )
  return Layer.provideMerge(announce, http)
}

/**
 * The start command: read the settings, serve until interrupted (SIGINT/SIGTERM through the
 * platform runtime), shut down cleanly.
 *
 * @example
 * NodeRuntime.runMain(main)
 * @since 0.1.0
 */
export const main: Effect.Effect<
  never,
  | ConfigError.ConfigError
  | StatusError
  | MockHttpServer.ListenError
  | CertificateError
  | MockHttpServer.KubeconfigWriteError
> = Effect.flatMap(serveSettings, (settings) => Layer.launch(serveLayer(settings)))
