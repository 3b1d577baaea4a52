/**
 * The three targets as layers providing `KubeApi` and {@link TargetControl}.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { KubeApi } from "@effect-kube/client/KubeApi"
import { ApiServer } from "@effect-kube/testing/ApiServer"
import * as KubeApiServer from "@effect-kube/testing/KubeApiServer"
import * as MockHttpServer from "@effect-kube/testing/MockHttpServer"
import * as TestKube from "@effect-kube/testing/TestKube"
import { ConformanceFailure } from "./Check.js"
import { ConfigMaps, Namespaces } from "./kube.js"
import { Gadget, Widget } from "./Target.js"
import { type TargetControl, targetControl } from "./suite.js"

/** Compaction of the in-memory server: drop its event history. */
const mockCompact = Effect.map(ApiServer, (server) => server.faults.compact)

/** `mock`: `KubeApi` straight over the in-memory apiserver (no socket). */
export const mock: Layer.Layer<KubeApi | TargetControl> = targetControl("mock", mockCompact).pipe(
  Layer.provideMerge(TestKube.layer())
)

/** A temporary directory for the kubeconfig, removed with the layer. */
const tempDir = Effect.acquireRelease(
  Effect.promise(() => mkdtemp(join(tmpdir(), "effect-kube-conformance-"))),
  (dir) => Effect.promise(() => rm(dir, { recursive: true, force: true }))
)

/** `mock-http`: the same in-memory apiserver served over HTTPS, reached by the live client through a kubeconfig. */
export const mockHttp: Layer.Layer<KubeApi | TargetControl, unknown> = Layer.unwrapScoped(
  Effect.gen(function* () {
    const http = yield* MockHttpServer.MockHttpServer
    const dir = yield* tempDir
    const kubeconfig = join(dir, "kubeconfig")
    yield* http.writeKubeconfig(kubeconfig)
    return KubeApi.layerFromKubeConfig({ kubeconfig })
  })
).pipe(
  Layer.provideMerge(targetControl("mock-http", mockCompact)),
  Layer.provideMerge(MockHttpServer.layer()),
  Layer.provideMerge(ApiServer.layer())
)

/**
 * `real`: a kube-apiserver of this run's own (not the e2e set-up's shared one: compaction
 * restarts it), reached by the live client through the kubeconfig the launcher wrote.
 */
export const real: Layer.Layer<KubeApi | TargetControl, unknown> = Layer.unwrapEffect(
  Effect.map(KubeApiServer.KubeApiServer, (server) =>
    KubeApi.layerFromKubeConfig({ kubeconfig: server.kubeconfigPath })
  )
).pipe(
  Layer.provideMerge(
    targetControl(
      "real",
      Effect.map(KubeApiServer.KubeApiServer, (server) =>
        Effect.gen(function* () {
          yield* server.compact
          yield* server.restart
          // The client's pooled connections died with the old process, and the new one
          // answers watches with 429 until each kind's watch cache is filled: wait until a
          // short watch of every kind the cases watch goes through.
          const kube = yield* KubeApi
          const retry = Schedule.spaced("100 millis").pipe(Schedule.upTo("60 seconds"))
          yield* kube.request({ method: "GET", path: "/api/v1/namespaces/default" }).pipe(Effect.retry(retry))
          for (const kind of [ConfigMaps, Namespaces, Widget, Gadget]) {
            yield* kube
              .resource(kind)
              .watch({ resourceVersion: "0", timeoutSeconds: 1, allowWatchBookmarks: false })
              .pipe(
                Stream.runDrain,
                // A fixture CRD not installed yet has no cache to wait for.
                Effect.catchTag("NotFound", () => Effect.void),
                Effect.retry(retry)
              )
          }
        }).pipe(Effect.mapError((e) => new ConformanceFailure({ message: `compact: ${e._tag}: ${e.message}` })))
      )
    )
  ),
  Layer.provideMerge(KubeApiServer.layer())
)
