/**
 * The informer stack (watcher → reflector → store → shared informer) against the real
 * kube-apiserver: 2 000 ConfigMaps listed and watched; an etcd compaction that forces a relist
 * (410 Expired); an apiserver restart in the middle of a watch that the informer rides out on
 * its own. Every check compares the cache (keys and resourceVersions) with a fresh list, and
 * every wait is bounded and polls instead of sleeping.
 */
import { KubeApi } from "@effect-kube/client/KubeApi"
import type { KubeObject } from "@effect-kube/core/Meta"
import * as SharedInformer from "@effect-kube/processor/SharedInformer"
import * as Watcher from "@effect-kube/reflector/Watcher"
import * as Store from "@effect-kube/store/Store"
import * as KubeApiServer from "@effect-kube/testing/KubeApiServer"
import { expect, layer } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import {
  add,
  awaitConverged,
  awaitStatus,
  cacheState,
  configMap,
  configMaps,
  createAll,
  createNamespace,
  diff,
  names,
  remove,
  serverState,
  setValue,
  WaitTimeout
} from "./support/informer.js"

/** A real server of this file's own (restart needs a process we own) with a KubeApi on it. */
const Live = (options: KubeApiServer.Options) =>
  Layer.unwrapEffect(
    Effect.map(KubeApiServer.KubeApiServer, (server) =>
      KubeApi.layerFromKubeConfig({ kubeconfig: server.kubeconfigPath })
    )
  ).pipe(Layer.provideMerge(KubeApiServer.layer(options)))

const dataValue = (object: KubeObject | undefined): unknown =>
  typeof object?.data === "object" && object.data !== null && "value" in object.data ? object.data.value : undefined

const noDiff = { missing: [], extra: [], stale: [] }

/** Polls a synchronous check until it holds (bounded); `check` returns what is still wrong. */
const eventually = (what: string, timeout: Duration.DurationInput, check: () => string | undefined) => {
  let last = "never checked"
  return Effect.suspend(() => {
    const wrong = check()
    if (wrong === undefined) return Effect.void
    last = wrong
    return Effect.fail(new WaitTimeout({ message: wrong }))
  }).pipe(
    Effect.retry(Schedule.spaced("100 millis")),
    Effect.timeoutFail({
      duration: timeout,
      onTimeout: () =>
        new WaitTimeout({ message: `${what} within ${Duration.format(Duration.decode(timeout))}: ${last}` })
    })
  )
}

const relistsGone = Metric.value(
  Watcher.relistsTotal.pipe(Metric.tagged("kind", "ConfigMap"), Metric.tagged("reason", "Gone"))
)

// Real sockets and processes: no TestServices, so the clock is the live one.
layer(Live({}), { timeout: "10 minutes", excludeTestServices: true })(
  "informer against the real kube-apiserver (watch cache on)",
  (it) => {
    it.scoped(
      "lists 2 000 ConfigMaps and follows updates, deletes and creates made while watching",
      () =>
        Effect.gen(function* () {
          const namespace = "e2e-informer-2000"
          yield* createNamespace(namespace)
          const cms = yield* configMaps(namespace)
          const all = names("cm", 2000)
          const created = yield* createAll(
            cms,
            all.map((name) => configMap(namespace, name, "v0"))
          )
          expect(created.size).toBe(2000)

          const informer = yield* SharedInformer.make(cms, { namespace })
          // A handler's view, built only from the notifications it gets: must end where the cache ends.
          const mirror = new Map<string, string>()
          const record = (o: KubeObject) =>
            Effect.sync(() => void mirror.set(Store.keyOf(o), o.metadata.resourceVersion ?? ""))
          yield* informer.addHandler(
            {
              onAdd: record,
              onUpdate: (_, o) => record(o),
              onDelete: (o) => Effect.sync(() => void mirror.delete(Store.keyOf(o)))
            },
            { name: "mirror" }
          )
          yield* informer.awaitSynced.pipe(Effect.timeout("2 minutes"))
          // Nothing changed since the creates: the first list is exactly what the creates returned.
          expect(diff(cacheState(informer), created)).toEqual(noDiff)
          expect(informer.store.size()).toBe(2000)

          // While watching: 300 updates, 300 deletes, 200 creates.
          const updated = all.slice(0, 300)
          const deleted = all.slice(300, 600)
          const added = names("late", 200)
          yield* Effect.all(
            [
              Effect.forEach(updated, (name) => setValue(cms, name, "v1"), { concurrency: 16, discard: true }),
              Effect.forEach(deleted, (name) => remove(cms, name), { concurrency: 16, discard: true }),
              Effect.forEach(added, (name) => add(cms, configMap(namespace, name, "v0")), {
                concurrency: 16,
                discard: true
              })
            ],
            { concurrency: "unbounded", discard: true }
          )
          const converged = yield* awaitConverged(informer, cms, "2 minutes")
          expect(converged.size).toBe(2000 - 300 + 200)
          expect(updated.map((name) => dataValue(informer.store.getByName(name, namespace)))).toEqual(
            updated.map(() => "v1")
          )
          expect(deleted.filter((name) => informer.store.getByName(name, namespace) !== undefined)).toEqual([])
          expect(added.filter((name) => informer.store.getByName(name, namespace) === undefined)).toEqual([])
          yield* eventually("the handler's view matches the cache", "30 seconds", () => {
            const d = diff(mirror, converged)
            return d.missing.length + d.extra.length + d.stale.length === 0
              ? undefined
              : JSON.stringify(d).slice(0, 300)
          })

          // The watch carried every change: no relist, no failure.
          const status = yield* informer.status
          expect({ relists: status.relists, failures: status.failures, phase: status.phase }).toEqual({
            relists: 0,
            failures: 0,
            phase: "Watching"
          })
        }),
      300_000
    )

    it.scoped(
      "recovers without intervention from an apiserver restart mid-watch and converges",
      () =>
        Effect.gen(function* () {
          const server = yield* KubeApiServer.KubeApiServer
          const namespace = "e2e-informer-restart"
          yield* createNamespace(namespace)
          const cms = yield* configMaps(namespace)
          const all = names("cm", 500)
          yield* createAll(
            cms,
            all.map((name) => configMap(namespace, name, "v0"))
          )
          const informer = yield* SharedInformer.make(cms, { namespace })
          yield* informer.awaitSynced.pipe(Effect.timeout("2 minutes"))
          yield* awaitConverged(informer, cms, "60 seconds")
          const before = yield* awaitStatus(informer, (s) => s.phase === "Watching", "30 seconds", "watching")
          const pidBefore = server.pid

          // Restart, and write while it happens: writes that meet the outage retry until it is back.
          const restart = yield* Effect.fork(server.restart)
          const during = yield* Effect.fork(
            Effect.all(
              [
                Effect.forEach(all.slice(0, 100), (name) => setValue(cms, name, "during"), {
                  concurrency: 4,
                  discard: true
                }),
                Effect.forEach(all.slice(100, 150), (name) => remove(cms, name), { concurrency: 4, discard: true }),
                Effect.forEach(names("during", 50), (name) => add(cms, configMap(namespace, name, "v0")), {
                  concurrency: 4,
                  discard: true
                })
              ],
              { concurrency: "unbounded", discard: true }
            )
          )
          yield* Fiber.join(restart)
          expect(server.pid).not.toBe(pidBefore)
          yield* Fiber.join(during)
          // And after it.
          yield* Effect.forEach(all.slice(150, 250), (name) => setValue(cms, name, "after"), {
            concurrency: 16,
            discard: true
          })
          yield* Effect.forEach(names("after", 50), (name) => add(cms, configMap(namespace, name, "v0")), {
            concurrency: 16,
            discard: true
          })

          // The informer noticed the outage…
          const broken = yield* awaitStatus(
            informer,
            (s) => s.failures > before.failures,
            "2 minutes",
            "a list/watch failure during the restart"
          )
          expect(broken.failures).toBeGreaterThan(before.failures)
          // …and converged on its own (nobody calls relist here).
          const converged = yield* awaitConverged(informer, cms, "2 minutes")
          expect(converged.size).toBe(500 - 50 + 50 + 50)
          expect(all.slice(0, 100).map((name) => dataValue(informer.store.getByName(name, namespace)))).toEqual(
            all.slice(0, 100).map(() => "during")
          )
          expect(all.slice(150, 250).map((name) => dataValue(informer.store.getByName(name, namespace)))).toEqual(
            all.slice(150, 250).map(() => "after")
          )

          // The watch is live again (not just a one-off relist): a later change arrives by itself.
          yield* setValue(cms, all[0] ?? "", "final")
          yield* eventually("the post-restart change reaches the cache", "60 seconds", () => {
            const value = dataValue(informer.store.getByName(all[0] ?? "", namespace))
            return value === "final" ? undefined : `value is ${String(value)}`
          })
          const after = yield* awaitStatus(
            informer,
            (s) => s.phase === "Watching" && s.healthy,
            "60 seconds",
            "healthy and watching after the restart"
          )
          yield* Effect.log(
            `restart: ${after.failures - before.failures} failure(s), ${after.relists - before.relists} relist(s), last error ${Option.match(
              after.lastError,
              { onNone: () => "none", onSome: (e) => e._tag }
            )}`
          )
          expect(diff(cacheState(informer), yield* serverState(cms))).toEqual(noDiff)
        }),
      300_000
    )
  }
)

// Watches of configmaps bypass the watch cache, so a watch from a compacted resourceVersion is
// served by etcd and gets 410 Expired (with the cache on, old resourceVersions keep working).
layer(Live({ apiserverFlags: ["--watch-cache-sizes=configmaps#0"] }), {
  timeout: "10 minutes",
  excludeTestServices: true
})("informer against the real kube-apiserver (configmaps not watch-cached)", (it) => {
  it.scoped(
    "an etcd compaction under a watch forces a relist (410) and the cache converges",
    () =>
      Effect.gen(function* () {
        const server = yield* KubeApiServer.KubeApiServer
        const namespace = "e2e-informer-compaction"
        yield* createNamespace(namespace)
        const cms = yield* configMaps(namespace)
        const all = names("cm", 2000)
        const created = yield* createAll(
          cms,
          all.map((name) => configMap(namespace, name, "v0"))
        )
        // Short server-side watch timeouts (3–6 s): the watch is re-opened soon after the
        // compaction, from a resourceVersion etcd no longer has.
        const informer = yield* SharedInformer.make(cms, { namespace, minWatchTimeoutSeconds: 3 })
        yield* informer.awaitSynced.pipe(Effect.timeout("2 minutes"))
        expect(diff(cacheState(informer), created)).toEqual(noDiff)

        yield* Effect.forEach(all.slice(0, 100), (name) => setValue(cms, name, "v1"), {
          concurrency: 16,
          discard: true
        })
        yield* awaitConverged(informer, cms, "60 seconds")
        const before = yield* informer.status
        expect(before.relists).toBe(0)
        const goneBefore = (yield* relistsGone).count

        // A caught-up watch survives a compaction: etcd keeps the revision right after the last
        // event it delivered. The informer falls behind the way a quiet namespace does in a busy
        // cluster: writes elsewhere (no bookmarks without the watch cache) move etcd past it, and
        // the compaction then removes the revision its next watch needs.
        const noise = `${namespace}-noise`
        yield* createNamespace(noise)
        yield* add(yield* configMaps(noise), configMap(noise, "noise", "v0"))
        const revisions = yield* server.revisions
        const compacted = yield* server.compact
        expect(compacted.compactRevision).toBeGreaterThan(revisions.compactRevision)
        // The relist is counted a moment before the failure that caused it is recorded: wait for both.
        const relisted = yield* awaitStatus(
          informer,
          (s) => s.relists >= 1 && s.failures > before.failures,
          "90 seconds",
          "a relist after compaction"
        )
        expect(relisted.relists).toBe(1)
        expect(Option.map(relisted.lastError, (e) => e._tag)).toEqual(Option.some("Gone"))
        expect((yield* relistsGone).count).toBeGreaterThan(goneBefore)

        // After the relist the watch follows changes again.
        yield* Effect.forEach(all.slice(100, 200), (name) => remove(cms, name), { concurrency: 16, discard: true })
        yield* Effect.forEach(all.slice(200, 300), (name) => setValue(cms, name, "v2"), {
          concurrency: 16,
          discard: true
        })
        const converged = yield* awaitConverged(informer, cms, "2 minutes")
        expect(converged.size).toBe(1900)
        expect(all.slice(200, 300).map((name) => dataValue(informer.store.getByName(name, namespace)))).toEqual(
          all.slice(200, 300).map(() => "v2")
        )
        const status = yield* awaitStatus(
          informer,
          (s) => s.phase === "Watching" && s.healthy,
          "60 seconds",
          "healthy and watching after the relist"
        )
        expect(status.relists).toBe(1)
      }),
    300_000
  )
})
