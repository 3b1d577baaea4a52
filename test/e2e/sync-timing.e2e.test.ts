/**
 * How long an informer's initial sync of 10 000 ConfigMaps takes, against the real
 * kube-apiserver and against the HTTP mock (`ApiServer` served by `MockHttpServer`, same live
 * client over TLS). Measured and logged, not asserted: the figures depend on the machine. The
 * tests assert only that each sync completed with all 10 000 objects.
 */
import { KubeApi } from "@effect-kube/client/KubeApi"
import * as KubeConfig from "@effect-kube/client/KubeConfig"
import * as SharedInformer from "@effect-kube/processor/SharedInformer"
import * as ApiServer from "@effect-kube/testing/ApiServer"
import * as KubeApiServer from "@effect-kube/testing/KubeApiServer"
import * as MockHttpServer from "@effect-kube/testing/MockHttpServer"
import { describe, expect, it, layer } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { configMap, configMaps, createAll, createNamespace, names } from "./support/informer.js"

const Count = 10_000

const ms = (d: Duration.Duration): string => `${Math.round(Duration.toMillis(d))} ms`

/** Starts an informer on the namespace and times its first list (until the store is synced). */
const timeSync = (namespace: string, initialList: "ListWatch" | "StreamingList") =>
  Effect.scoped(
    Effect.gen(function* () {
      const cms = yield* configMaps(namespace)
      const [elapsed, size] = yield* Effect.timed(
        Effect.gen(function* () {
          const informer = yield* SharedInformer.make(cms, { namespace, initialList })
          yield* informer.awaitSynced.pipe(Effect.timeout("5 minutes"))
          return informer.store.size()
        })
      )
      return { elapsed, size }
    })
  )

const Real = Layer.unwrapEffect(
  Effect.map(KubeApiServer.KubeApiServer, (server) =>
    KubeApi.layerFromKubeConfig({ kubeconfig: server.kubeconfigPath })
  )
).pipe(Layer.provideMerge(KubeApiServer.layerShared()))

layer(Real, { timeout: "10 minutes", excludeTestServices: true })(
  "10k-object initial sync, real kube-apiserver",
  (it) => {
    it.effect(
      "syncs 10 000 ConfigMaps (timed)",
      () =>
        Effect.gen(function* () {
          const namespace = "e2e-sync-timing"
          yield* createNamespace(namespace)
          const cms = yield* configMaps(namespace)
          const [created] = yield* Effect.timed(
            createAll(
              cms,
              names("cm", Count).map((name) => configMap(namespace, name, "v0"))
            )
          )
          const listWatch = yield* timeSync(namespace, "ListWatch")
          const streaming = yield* timeSync(namespace, "StreamingList")
          yield* Effect.log(
            `real kube-apiserver, ${Count} ConfigMaps: created in ${ms(created)} (32 in flight); initial sync ` +
              `list+watch (pages of 500) ${ms(listWatch.elapsed)}, streaming list ${ms(streaming.elapsed)}`
          )
          expect([listWatch.size, streaming.size]).toEqual([Count, Count])
        }),
      600_000
    )
  }
)

describe("10k-object initial sync, HTTP mock", () => {
  it.scopedLive(
    "syncs 10 000 ConfigMaps (timed)",
    () =>
      Effect.gen(function* () {
        const namespace = "e2e-sync-timing"
        const server = yield* ApiServer.make()
        const [seeded] = yield* Effect.timed(
          server.seed(names("cm", Count).map((name) => configMap(namespace, name, "v0")))
        )
        const http = yield* MockHttpServer.make(server)
        const kube = Layer.fresh(
          KubeApi.layerFromAccess(
            KubeConfig.make({ server: http.url, ca: http.caPem, credentials: { _tag: "Token", token: http.token } })
          )
        )
        const listWatch = yield* timeSync(namespace, "ListWatch").pipe(Effect.provide(kube))
        const streaming = yield* timeSync(namespace, "StreamingList").pipe(Effect.provide(kube))
        yield* Effect.log(
          `HTTP mock (ApiServer over MockHttpServer, TLS), ${Count} ConfigMaps: seeded in ${ms(seeded)}; initial sync ` +
            `list+watch (pages of 500) ${ms(listWatch.elapsed)}, streaming list ${ms(streaming.elapsed)}`
        )
        expect([listWatch.size, streaming.size]).toEqual([Count, Count])
      }),
    300_000
  )
})
