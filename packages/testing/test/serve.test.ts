import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import { execFile } from "node:child_process"
import { mkdtemp, readFile, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { KubeApi } from "@effect-kube/client/KubeApi"
import * as Kinds from "@effect-kube/core/Kinds"
import * as YAML from "yaml"
import { ApiServer } from "../src/ApiServer.js"
import { serveLayer } from "../src/bin/program.js"
import * as MockHttpServer from "../src/MockHttpServer.js"
import { send } from "./httpClient.js"

const kubectl = (kubeconfig: string, args: ReadonlyArray<string>) =>
  Effect.async<{ readonly code: number; readonly stdout: string; readonly stderr: string }>((resume) => {
    const child = execFile(
      "kubectl",
      ["--kubeconfig", kubeconfig, ...args],
      { env: { PATH: process.env.PATH ?? "", HOME: tmpdir() }, timeout: 20_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1
        resume(Effect.succeed({ code, stdout, stderr }))
      }
    )
    return Effect.sync(() => child.kill())
  })

const kubectlAvailable = Effect.async<boolean>((resume) => {
  execFile("kubectl", ["version", "--client"], { timeout: 10_000 }, (error) => resume(Effect.succeed(error === null)))
})

const configMapYaml = `apiVersion: v1
kind: ConfigMap
metadata:
  name: from-start
  namespace: default
  labels:
    app: demo
data:
  k: v
`

describe("the start command's composition", () => {
  it.live("serves on a random port, writes a kubeconfig that works, and shuts down cleanly", () =>
    Effect.gen(function* () {
      const dir = yield* Effect.promise(() => mkdtemp(join(tmpdir(), "effect-kube-serve-")))
      const kubeconfigPath = join(dir, ".effect-kube", "kubeconfig")
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(serveLayer({ port: 0, kubeconfigPath, token: undefined }), scope)
      const server = yield* Effect.provide(MockHttpServer.MockHttpServer, Layer.succeedContext(context))
      const api = yield* Effect.provide(ApiServer, Layer.succeedContext(context))

      const config = YAML.parse(yield* Effect.promise(() => readFile(kubeconfigPath, "utf8")))
      expect(config.clusters[0].cluster.server).toBe(server.url)

      if (yield* kubectlAvailable) {
        // kubectl as a user would run it: client-side apply, then read back through the apiserver.
        const file = join(dir, "cm.yaml")
        yield* Effect.promise(() => writeFile(file, configMapYaml))
        const applied = yield* kubectl(kubeconfigPath, ["apply", "-f", file])
        expect(applied.stderr).toBe("")
        expect(applied.stdout.trim()).toBe("configmap/from-start created")
        const got = yield* kubectl(kubeconfigPath, ["get", "configmaps", "-A", "-o", "name"])
        expect(got.stdout.trim()).toBe("configmap/from-start")
      } else {
        // Without kubectl, the live client does the same through the kubeconfig.
        yield* Effect.gen(function* () {
          const kube = yield* KubeApi
          yield* kube.resource(Kinds.ConfigMap, { namespace: "default" }).create({
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { name: "from-start", labels: { app: "demo" } },
            data: { k: "v" }
          })
        }).pipe(Effect.provide(KubeApi.layerFromKubeConfig({ kubeconfig: kubeconfigPath })))
      }
      const stored = yield* api.get(Kinds.ConfigMap, "from-start", "default")
      expect(Option.map(stored, (o) => o.data)).toEqual(Option.some({ k: "v" }))

      yield* Scope.close(scope, Exit.void)
      const after = yield* Effect.flip(send(server.url, { path: "/healthz", ca: server.caPem }))
      expect(after.message).toMatch(/ECONNREFUSED/)
    }).pipe(Effect.provide(Logger.minimumLogLevel(LogLevel.Warning)))
  )
})
