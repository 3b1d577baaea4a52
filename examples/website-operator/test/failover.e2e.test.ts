/**
 * Two website-operator PROCESSES (`node examples/website-operator/dist/main.js`, built by
 * `tsc -b`) on one Lease against the real kube-apiserver: exactly one leads; SIGKILL the leader →
 * the other takes the Lease over and converges a Website created after the kill; SIGTERM the
 * survivor → it drains, releases the Lease (empty holder) and exits 0. Prints the failover time
 * (kill → new holder seen).
 */
import { expect, layer } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import { type ChildProcess, spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { KubeApi } from "@effect-kube/client/KubeApi"
import * as Kinds from "@effect-kube/core/Kinds"
import * as Resource from "@effect-kube/core/Resource"
import * as KubeApiServer from "@effect-kube/testing/KubeApiServer"
import { websiteObject } from "../src/controller.js"
import { ensureCrd } from "../src/program.js"
import { Website } from "../src/Website.js"

const Namespace = "website-failover"
const LeaseName = "website-operator"
const mainJs = fileURLToPath(new URL("../dist/main.js", import.meta.url))

interface Operator {
  readonly name: string
  readonly child: ChildProcess
  /** Exit code (or the signal's name) once the process has exited. */
  readonly exited: Deferred.Deferred<number | string>
  readonly output: () => string
}

/** Spawns one operator process; the finalizer SIGKILLs it (and waits) if it is still running. */
const spawnOperator = (name: string, kubeconfig: string): Effect.Effect<Operator, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.gen(function* () {
      const exited = yield* Deferred.make<number | string>()
      const chunks: Array<string> = []
      const child = spawn(process.execPath, [mainJs], {
        env: {
          ...process.env,
          KUBECONFIG: kubeconfig,
          POD_NAMESPACE: Namespace,
          POD_NAME: name,
          METRICS_PORT: "0",
          PROBES_PORT: "0",
          NODE_ENV: "production",
          LOG_LEVEL: "info"
        },
        stdio: ["ignore", "pipe", "pipe"]
      })
      child.stdout?.on("data", (b: Buffer) => chunks.push(b.toString("utf8")))
      child.stderr?.on("data", (b: Buffer) => chunks.push(b.toString("utf8")))
      child.on("exit", (code, signal) => {
        Deferred.unsafeDone(exited, Effect.succeed(code ?? signal ?? "unknown"))
      })
      return { name, child, exited, output: () => chunks.join("") }
    }),
    (op) =>
      Effect.gen(function* () {
        if (Option.isNone(yield* Deferred.poll(op.exited))) {
          op.child.kill("SIGKILL")
          yield* Deferred.await(op.exited).pipe(Effect.timeoutOption("10 seconds"))
        }
      })
  )

/** Polls `check` every 100 ms (real time) for up to `seconds`. */
const until = <A, E, R>(
  what: string,
  check: Effect.Effect<Option.Option<A>, E, R>,
  seconds = 60
): Effect.Effect<A, E, R> =>
  Effect.gen(function* () {
    for (let i = 0; i < seconds * 10; i++) {
      const found = yield* check
      if (Option.isSome(found)) return found.value
      yield* Effect.sleep("100 millis")
    }
    return yield* Effect.dieMessage(`never happened: ${what}`)
  })

const holder = Effect.flatMap(KubeApi, (kube) =>
  kube
    .resource(Kinds.Lease, { namespace: Namespace })
    .get(LeaseName)
    .pipe(
      Effect.map((lease) => Option.some(lease.spec?.holderIdentity ?? "")),
      Effect.catchTag("NotFound", () => Effect.succeed(Option.none<string>()))
    )
)

const childrenOf = (site: string) =>
  Effect.flatMap(KubeApi, (kube) =>
    Effect.all(
      [
        kube.resource(Resource.untyped(Kinds.ConfigMap), { namespace: Namespace }).get(`${site}-content`),
        kube.resource(Resource.untyped(Kinds.Deployment), { namespace: Namespace }).get(site),
        kube.resource(Resource.untyped(Kinds.Service), { namespace: Namespace }).get(site)
      ],
      { concurrency: 3 }
    ).pipe(
      Effect.map(Option.some),
      Effect.catchTag("NotFound", () => Effect.succeed(Option.none()))
    )
  )

const createWebsite = (name: string) =>
  Effect.flatMap(KubeApi, (kube) =>
    kube
      .resource(Resource.untyped(Website))
      .create(websiteObject(name, Namespace, { image: "nginx:1.27", replicas: 1, content: `<h1>${name}</h1>` }))
  )

const E2e = Layer.unwrapEffect(
  Effect.map(KubeApiServer.KubeApiServer, (server) =>
    KubeApi.layerFromKubeConfig({ kubeconfig: server.kubeconfigPath })
  )
).pipe(Layer.provideMerge(KubeApiServer.layerShared()))

const leaderLogs = (op: Operator) =>
  op
    .output()
    .split("\n")
    .filter((l) => l.includes("became leader")).length

layer(E2e, { timeout: "15 minutes", excludeTestServices: true })("website-operator failover (two processes)", (it) => {
  it.scoped(
    "one leader; SIGKILL it → the standby takes over and converges; SIGTERM → drained, Lease released, exit 0",
    () =>
      Effect.gen(function* () {
        expect(existsSync(mainJs)).toBe(true) // built by `tsc -b` (pnpm test:e2e does it first)
        const kube = yield* KubeApi
        const server = yield* KubeApiServer.KubeApiServer
        yield* kube
          .resource(Resource.untyped(Kinds.Namespace))
          .create({ apiVersion: "v1", kind: "Namespace", metadata: { name: Namespace } })
          .pipe(Effect.catchTag("AlreadyExists", () => Effect.void))
        // Installed up front so that both processes' ensureCrd is a no-op apply.
        yield* ensureCrd()

        const a = yield* spawnOperator("op-a", server.kubeconfigPath)
        const b = yield* spawnOperator("op-b", server.kubeconfigPath)
        const byName = new Map([
          [a.name, a],
          [b.name, b]
        ])
        const dump = () => `--- op-a ---\n${a.output()}\n--- op-b ---\n${b.output()}`

        // exactly one leads
        const first = yield* until(
          "a leader",
          Effect.map(holder, (h) => Option.filter(h, (id) => byName.has(id)))
        )
        const leader = byName.get(first)
        const standby = first === a.name ? b : a
        if (leader === undefined) return yield* Effect.dieMessage("unknown holder")
        // the standby is up and campaigning, not leading
        yield* until(
          "the standby campaigning",
          Effect.sync(() =>
            standby.output().includes("attempting to acquire lease") ? Option.some(true) : Option.none()
          )
        )
        yield* createWebsite("before")
        yield* until("children of 'before'", childrenOf("before"))
        expect(Option.getOrNull(yield* holder)).toBe(first)
        expect([leaderLogs(a), leaderLogs(b)].sort()).toEqual([0, 1])
        expect(Option.isNone(yield* Deferred.poll(standby.exited))).toBe(true)

        // SIGKILL the leader → the standby takes over
        const killedAt = Date.now()
        leader.child.kill("SIGKILL")
        expect(yield* Deferred.await(leader.exited)).toBe("SIGKILL")
        yield* createWebsite("after")
        const next = yield* until(
          "a new holder",
          Effect.map(holder, (h) => Option.filter(h, (id) => id === standby.name)),
          90
        )
        const failover = Date.now() - killedAt
        console.log(`website-operator failover: ${failover} ms from SIGKILL of ${first} to ${next} holding the Lease`)
        expect(failover).toBeLessThan(60_000)
        yield* until("children of 'after'", childrenOf("after"))
        expect(leaderLogs(standby)).toBe(1)

        // SIGTERM the survivor → graceful: drained, Lease released, exit 0
        yield* createWebsite("last")
        standby.child.kill("SIGTERM")
        const code = yield* Deferred.await(standby.exited).pipe(
          Effect.timeoutFail({ duration: "45 seconds", onTimeout: () => new Error(`no exit:\n${dump()}`) })
        )
        const out = standby.output()
        expect(code, out).toBe(0)
        expect(out).toContain("manager stopped")
        expect(out).toContain("released lease")
        // nothing cut short: in-flight reconciles finished within the graceful budget
        expect(out).not.toContain("graceful shutdown timed out")
        expect(out).not.toContain("budget exhausted")
        expect(Option.getOrNull(yield* holder)).toBe("")
      }),
    300_000
  )
})
