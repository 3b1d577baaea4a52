/**
 * The manager's HTTP endpoints over real sockets (live clock): probes, `/metrics` after real
 * reconciles of a controller on the in-memory apiserver, validated with our own parser and with
 * `promtool check metrics` when it is installed.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Action from "@effect-kube/controller/Action"
import * as Controller from "@effect-kube/controller/Controller"
import { KubeApi } from "@effect-kube/client/KubeApi"
import * as Kinds from "@effect-kube/core/Kinds"
import * as Patch from "@effect-kube/core/Patch"
import * as Resource from "@effect-kube/core/Resource"
import { ApiServer } from "@effect-kube/testing/ApiServer"
import * as TestKube from "@effect-kube/testing/TestKube"
import * as NodeNet from "node:net"
import type * as HttpServer from "../src/HttpServer.js"
import * as Manager from "../src/Manager.js"
import * as Prom from "./support/prom.js"

const configMap = (name: string) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: "default" },
  data: { k: "v" }
})

const get = (address: Option.Option<HttpServer.Address>, path: string, init?: RequestInit) =>
  Effect.promise(async () => {
    const { port } = Option.getOrThrow(address)
    const response = await fetch(`http://127.0.0.1:${port}${path}`, init)
    return { status: response.status, body: await response.text(), contentType: response.headers.get("content-type") }
  })

const eventually = <A>(effect: Effect.Effect<A>, ok: (a: A) => boolean, what: string) =>
  Effect.gen(function* () {
    for (let i = 0; i < 200; i++) {
      const a = yield* effect
      if (ok(a)) return a
      yield* Effect.sleep("25 millis")
    }
    return yield* Effect.dieMessage(`never: ${what}`)
  })

const freePort = Effect.promise(
  () =>
    new Promise<number>((resolve, reject) => {
      const server = NodeNet.createServer()
      server.once("error", reject)
      server.listen(0, "127.0.0.1", () => {
        const address = server.address()
        const port = typeof address === "object" && address !== null ? address.port : 0
        server.close(() => resolve(port))
      })
    })
)

const N = 6

describe("Manager endpoints (real sockets)", () => {
  it.live("metrics: N reconciles are counted as N, with controller-runtime names and types; promtool-valid", () =>
    Effect.gen(function* () {
      const reconciled: Array<string> = []
      const controller = Controller.make({
        name: "cm-live",
        for: Resource.untyped(Kinds.ConfigMap),
        namespace: "default",
        reconcile: (cm) =>
          Effect.sync(() => {
            reconciled.push(cm.metadata.name ?? "")
          }).pipe(Effect.as(Action.done))
      })
      const manager = yield* Manager.make({
        metricsPort: 0,
        probesPort: 0,
        bindAddress: "127.0.0.1",
        controllers: [controller],
        caches: [{ resource: Kinds.ConfigMap, options: { namespace: "default" } }]
      })
      const fiber = yield* Effect.fork(manager.run)
      yield* manager.elected
      const { metrics, probes } = yield* manager.addresses
      expect(Option.isSome(metrics) && Option.isSome(probes)).toBe(true)
      expect(Option.getOrThrow(metrics).port).not.toBe(Option.getOrThrow(probes).port)

      const labels = { controller: "cm-live", result: "success" }
      const scrape = Effect.map(get(metrics, "/metrics"), (r) => ({ ...r, parsed: Prom.parse(r.body) }))
      const first = yield* eventually(
        scrape,
        (r) => Prom.value(r.parsed, "controller_runtime_reconcile_total", labels) === N,
        "N reconciles"
      )
      expect(reconciled.sort()).toEqual(Array.from({ length: N }, (_, i) => `cm-${i}`).sort())
      expect(first.status).toBe(200)
      expect(first.contentType).toBe("text/plain; version=0.0.4; charset=utf-8")
      const p = first.parsed
      expect(p.types.get("controller_runtime_reconcile_total")).toBe("counter")
      expect(p.types.get("controller_runtime_reconcile_errors_total")).toBe("counter")
      expect(p.types.get("controller_runtime_terminal_reconcile_errors_total")).toBe("counter")
      expect(p.types.get("controller_runtime_reconcile_panics_total")).toBe("counter")
      expect(p.types.get("controller_runtime_reconcile_time_seconds")).toBe("histogram")
      expect(p.types.get("controller_runtime_max_concurrent_reconciles")).toBe("gauge")
      expect(p.types.get("controller_runtime_active_workers")).toBe("gauge")
      expect(p.types.get("workqueue_adds_total")).toBe("counter")
      expect(p.types.get("process_cpu_seconds_total")).toBe("counter")
      expect(Prom.value(p, "controller_runtime_reconcile_total", { controller: "cm-live", result: "error" })).toBe(0)
      expect(Prom.value(p, "controller_runtime_reconcile_errors_total", { controller: "cm-live" })).toBe(0)
      expect(Prom.value(p, "controller_runtime_reconcile_time_seconds_count", { controller: "cm-live" })).toBe(N)
      expect(Prom.value(p, "controller_runtime_max_concurrent_reconciles", { controller: "cm-live" })).toBe(1)
      expect(Prom.value(p, "workqueue_adds_total", { controller: "cm-live", name: "cm-live" })).toBe(N)

      const promtool = Prom.promtool(first.body)
      if (promtool === undefined) console.warn("promtool not found: /metrics checked with the built-in validator only")
      else expect({ status: promtool.status, output: promtool.output }).toEqual({ status: 0, output: "" })

      // One more change → exactly one more reconcile.
      const kube = yield* KubeApi
      yield* kube
        .resource(Kinds.ConfigMap, { namespace: "default" })
        .patch("cm-0", Patch.merge({ data: { k: "changed" } }))
      yield* eventually(
        scrape,
        (r) => Prom.value(r.parsed, "controller_runtime_reconcile_total", labels) === N + 1,
        "N+1"
      )
      yield* Fiber.interrupt(fiber)
    }).pipe(Effect.provide(TestKube.layer({ objects: Array.from({ length: N }, (_, i) => configMap(`cm-${i}`)) })))
  )

  it.live("probes: /readyz is 500 until caches synced, then 200; /healthz 200; verbose, single check, 404, 405", () =>
    Effect.gen(function* () {
      const server = yield* ApiServer
      yield* server.faults.failNext(1_000, {
        code: 403,
        match: (r) => r.method === "GET" && r.path.endsWith("/configmaps")
      })
      const port = yield* freePort
      const manager = yield* Manager.make({
        metricsPort: port,
        probesPort: port,
        bindAddress: "127.0.0.1",
        caches: [{ resource: Kinds.ConfigMap, options: { namespace: "default" } }]
      })
      const fiber = yield* Effect.fork(manager.run)
      const { metrics, probes } = yield* manager.addresses
      expect(Option.getOrThrow(metrics).port).toBe(port)
      expect(Option.getOrThrow(probes).port).toBe(port)

      const notReady = yield* get(probes, "/readyz")
      expect(notReady.status).toBe(500)
      expect(notReady.body).toContain("[-]informers failed: caches not synced yet\n")
      expect(notReady.body).toContain("[+]shutdown ok\n")
      expect(notReady.body.endsWith("readyz check failed\n")).toBe(true)
      expect(yield* get(probes, "/healthz")).toMatchObject({ status: 200, body: "ok" })
      expect(yield* get(probes, "/readyz/informers")).toMatchObject({ status: 500 })
      expect(yield* get(probes, "/readyz?exclude=informers")).toMatchObject({ status: 200 })

      yield* server.faults.reset
      yield* eventually(get(probes, "/readyz"), (r) => r.status === 200, "ready")
      expect(yield* get(probes, "/readyz")).toMatchObject({ status: 200, body: "ok" })
      const verbose = yield* get(probes, "/readyz?verbose")
      expect(verbose.body).toBe("[+]informers ok\n[+]shutdown ok\nreadyz check passed\n")
      expect(yield* get(probes, "/readyz/informers")).toMatchObject({ status: 200, body: "ok" })
      expect(yield* get(probes, "/readyz/nope")).toMatchObject({ status: 404 })
      expect(yield* get(probes, "/healthz?verbose")).toMatchObject({
        status: 200,
        body: "[+]ping ok\nhealthz check passed\n"
      })
      expect(yield* get(probes, "/metrics")).toMatchObject({ status: 200 })
      expect(yield* get(probes, "/nothing")).toMatchObject({ status: 404 })
      expect(yield* get(probes, "/healthz", { method: "POST" })).toMatchObject({ status: 405 })
      yield* Fiber.interrupt(fiber)
      // the server is closed with the manager
      const after = yield* Effect.either(get(probes, "/healthz").pipe(Effect.sandbox))
      expect(after._tag).toBe("Left")
    }).pipe(Effect.provide(TestKube.layer()))
  )

  it.live("a port already in use fails the manager with HttpServerError", () =>
    Effect.gen(function* () {
      const blocker = NodeNet.createServer()
      const port = yield* Effect.promise(
        () =>
          new Promise<number>((resolve) =>
            blocker.listen(0, "127.0.0.1", () => {
              const a = blocker.address()
              resolve(typeof a === "object" && a !== null ? a.port : 0)
            })
          )
      )
      yield* Effect.addFinalizer(() => Effect.promise(() => new Promise<void>((r) => blocker.close(() => r()))))
      const error = yield* Effect.flip(Manager.run({ metricsPort: port, probesPort: false, bindAddress: "127.0.0.1" }))
      expect(error._tag).toBe("HttpServerError")
      expect(error._tag === "HttpServerError" && error.port).toBe(port)
    }).pipe(Effect.scoped, Effect.provide(TestKube.layer()))
  )
})
