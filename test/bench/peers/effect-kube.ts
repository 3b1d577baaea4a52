/**
 * effect-kube peer: `SharedInformer.make` over the live `KubeApi` (kubeconfig), untyped
 * ConfigMaps. `sync`: time until the informer reports synced, then memory. `watch`: one handler
 * counting adds/updates; the rate of the events after the in-run warm-up through reflector → store →
 * handler.
 */
import { KubeApi } from "@effect-kube/client/KubeApi"
import * as KubeConfig from "@effect-kube/client/KubeConfig"
import * as Kinds from "@effect-kube/core/Kinds"
import * as Resource from "@effect-kube/core/Resource"
import * as SharedInformer from "@effect-kube/processor/SharedInformer"
import * as Store from "@effect-kube/store/Store"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import { emit, eventClock, memory, readConfig } from "../lib/peer.js"

const config = readConfig()

const program = Effect.gen(function* () {
  const kube = yield* KubeApi
  const api = kube.resource(Resource.untyped(Kinds.ConfigMap))
  const options = config.strip ? { transform: Store.stripManagedFields } : {}
  if (config.mode === "sync") {
    const base = memory()
    const start = performance.now()
    const informer = yield* SharedInformer.make(api, options)
    yield* informer.awaitSynced
    const ms = performance.now() - start
    const count = informer.store.list().length
    const after = memory()
    return emit({ ms, count, heapBytes: after.heap - base.heap, rssBytes: after.rss - base.rss })
  }
  const done = yield* Deferred.make<void>()
  const clock = eventClock(config.expected)
  const bump = Effect.suspend(() => (clock.tick() ? Deferred.succeed(done, undefined) : Effect.void))
  const informer = yield* SharedInformer.make(api, options)
  yield* informer.addHandler({ onAdd: () => bump, onUpdate: () => bump })
  yield* Deferred.await(done)
  return emit(clock.result())
})

const main = Effect.gen(function* () {
  const access = yield* KubeConfig.fromFile(config.kubeconfig)
  return yield* program.pipe(Effect.scoped, Effect.provide(KubeApi.layerFromAccess(access)))
}).pipe(Effect.provide(Logger.minimumLogLevel(LogLevel.Warning)))

Effect.runPromise(main).catch((error: unknown) => {
  process.stderr.write(`effect-kube peer failed: ${String(error)}\n`)
  process.exit(1)
})
