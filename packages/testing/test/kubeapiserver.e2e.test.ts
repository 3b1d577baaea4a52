/**
 * The launcher against the real server (needs the cached binary or Go): start, talk to it with
 * the live client through the kubeconfig it wrote, compact, stop without leaving a process.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { existsSync } from "node:fs"
import { KubeApi } from "@effect-kube/client/KubeApi"
import * as Kinds from "@effect-kube/core/Kinds"
import * as KubeApiServer from "../src/KubeApiServer.js"

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe("KubeApiServer (real)", () => {
  it.scopedLive(
    "starts, serves the live client through its kubeconfig, compacts, and stops on scope close",
    () =>
      Effect.gen(function* () {
        const scope = yield* Scope.make()
        // Closed explicitly below; also on failure, so a failed assertion leaks no process.
        yield* Effect.addFinalizer(() => Scope.close(scope, Exit.void))
        const server = yield* KubeApiServer.start().pipe(Scope.extend(scope))
        expect(isAlive(server.pid)).toBe(true)

        const result = yield* Effect.gen(function* () {
          const kube = yield* KubeApi
          const namespaces = yield* kube.resource(Kinds.Namespace).list()
          const cms = kube.resource(Kinds.ConfigMap, { namespace: "default" })
          const created = yield* cms.create({
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { name: "launcher-e2e" },
            data: { a: "1" }
          })
          yield* cms.replace({ ...created, data: { a: "2" } })
          yield* cms.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "launcher-e2e-2" } })
          const page = yield* cms.list({ limit: 1 })
          // etcd keeps the revision it compacts at: write once more so the page's is older.
          yield* cms.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "launcher-e2e-3" } })
          const before = yield* server.revisions
          const compacted = yield* server.compact
          // The watch cache still serves old versions after an etcd compaction; a restart
          // empties it, so the first version is now older than anything the server keeps.
          const after = yield* server.revisions
          const restarted = yield* server.restart
          const watched = yield* cms
            .watch({ resourceVersion: created.metadata.resourceVersion, timeoutSeconds: 5 })
            .pipe(Stream.runCollect, Effect.flip)
          const continued = yield* Effect.flip(cms.list({ limit: 1, continue: page.metadata.continue }))
          const afterRestart = yield* cms.get("launcher-e2e")
          return {
            names: namespaces.items.map((n) => n.metadata.name),
            before,
            compacted,
            after,
            watched,
            continued,
            restarted,
            data: afterRestart.data
          }
        }).pipe(Effect.provide(KubeApi.layerFromKubeConfig({ kubeconfig: server.kubeconfigPath })))

        expect(result.names).toEqual(expect.arrayContaining(["default", "kube-system"]))
        // Everything up to the newest revision is compacted (at a marker key written after it).
        expect(result.compacted.compactRevision).toBeGreaterThanOrEqual(result.before.revision)
        expect(result.after.compactRevision).toBe(result.compacted.compactRevision)
        expect(result.watched._tag).toBe("Gone")
        expect(result.continued._tag).toBe("Gone")
        expect(result.data).toEqual({ a: "2" })
        expect(result.restarted.url).toBe(server.url)
        expect(server.pid).toBe(result.restarted.pid)

        yield* Scope.close(scope, Exit.void)
        expect(isAlive(server.pid)).toBe(false)
        expect(existsSync(server.kubeconfigPath)).toBe(false)
      }),
    300_000
  )
})
