/**
 * The launcher's process handling, driven by fake server binaries (shell scripts speaking the
 * ready-line protocol), so it runs without Go. The real server is exercised by
 * kubeapiserver.e2e.test.ts and the conformance suite.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Redacted from "effect/Redacted"
import * as Scope from "effect/Scope"
import { existsSync } from "node:fs"
import { spawn } from "node:child_process"
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises"
import { createServer, type Server } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as YAML from "yaml"
import * as KubeApiServer from "../src/KubeApiServer.js"

const tempDir = Effect.acquireRelease(
  Effect.promise(() => mkdtemp(join(tmpdir(), "kubeapiserver-test-"))),
  (dir) => Effect.promise(() => rm(dir, { recursive: true, force: true }))
)

const script = (dir: string, name: string, body: string) =>
  Effect.promise(async () => {
    const path = join(dir, name)
    await writeFile(path, `#!/usr/bin/env bash\n${body}\n`)
    await chmod(path, 0o755)
    return path
  })

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** A control endpoint that answers like main.go's and counts compactions. */
const controlServer = Effect.acquireRelease(
  Effect.async<{ readonly server: Server; readonly url: string; readonly compactions: () => number }>((resume) => {
    let compactions = 0
    const server = createServer((req, res) => {
      if (req.method === "POST" && req.url === "/compact") compactions++
      res.setHeader("content-type", "application/json")
      res.end(JSON.stringify({ revision: 42, compactRevision: compactions > 0 ? 42 : 0 }))
    })
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      resume(Effect.succeed({ server, url: `http://127.0.0.1:${port}`, compactions: () => compactions }))
    })
  }),
  ({ server }) => Effect.async<void>((resume) => void server.close(() => resume(Effect.void)))
)

/** A fake server: prints the ready line, then waits for stdin EOF and records that it saw it. */
const readyScript = (dir: string, controlUrl: string) =>
  Effect.gen(function* () {
    const ca = join(dir, "ca.crt")
    yield* Effect.promise(() => writeFile(ca, "-----BEGIN CERTIFICATE-----\nfake\n-----END CERTIFICATE-----\n"))
    const line = (pid: string) =>
      `{"ready":true,"url":"https://127.0.0.1:6443","token":"tok-123","caFile":"${ca}","controlUrl":"${controlUrl}","pid":${pid}}`
    return yield* script(
      dir,
      "ready.sh",
      `echo "starting etcd" >&2
echo '${line("'$$'")}'
cat >/dev/null
echo stopped > "${join(dir, "stopped")}"`
    )
  })

describe("KubeApiServer launcher", () => {
  it.scopedLive("starts a server, writes a kubeconfig, stops it on stdin EOF when the scope closes", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const control = yield* controlServer
      const binary = yield* readyScript(dir, control.url)
      const scope = yield* Scope.make()
      // Closed explicitly below; also on failure, so a failed assertion leaks no process.
      yield* Effect.addFinalizer(() => Scope.close(scope, Exit.void))
      const server = yield* KubeApiServer.start({ binary }).pipe(Scope.extend(scope))

      expect(server.url).toBe("https://127.0.0.1:6443")
      expect(Redacted.value(server.token)).toBe("tok-123")
      expect(server.caPem).toContain("BEGIN CERTIFICATE")
      expect(isAlive(server.pid)).toBe(true)
      const kubeconfig: unknown = YAML.parse(yield* Effect.promise(() => readFile(server.kubeconfigPath, "utf8")))
      expect(kubeconfig).toMatchObject({
        "current-context": "effect-kube-e2e",
        clusters: [{ cluster: { server: "https://127.0.0.1:6443", "certificate-authority": server.caFile } }],
        users: [{ user: { token: "tok-123" } }]
      })

      expect(yield* server.compact).toEqual({ revision: 42, compactRevision: 42 })
      expect(control.compactions()).toBe(1)
      expect(yield* server.revisions).toEqual({ revision: 42, compactRevision: 42 })

      yield* Scope.close(scope, Exit.void)
      expect(isAlive(server.pid)).toBe(false)
      expect(existsSync(join(dir, "stopped"))).toBe(true)
      expect(existsSync(server.kubeconfigPath)).toBe(false)
    })
  )

  it.scopedLive("restart stops the server and starts it again on the same ports with the same data dir", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const argsLog = join(dir, "args.log")
      const ca = join(dir, "ca.crt")
      yield* Effect.promise(() => writeFile(ca, "pem"))
      const binary = yield* script(
        dir,
        "restartable.sh",
        `echo "$*" >> "${argsLog}"
echo '{"ready":true,"url":"https://127.0.0.1:6443","token":"t","caFile":"${ca}","controlUrl":"http://127.0.0.1:7000","pid":'$$'}'
cat >/dev/null`
      )
      const scope = yield* Scope.make()
      // Closed explicitly below; also on failure, so a failed assertion leaks no process.
      yield* Effect.addFinalizer(() => Scope.close(scope, Exit.void))
      const server = yield* KubeApiServer.start({ binary }).pipe(Scope.extend(scope))
      const first = server.pid
      const info = yield* server.restart
      expect(info.pid).not.toBe(first)
      expect(server.pid).toBe(info.pid)
      expect(isAlive(first)).toBe(false)
      expect(isAlive(info.pid)).toBe(true)
      expect(info.kubeconfigPath).toBe(server.kubeconfigPath)
      const launches = (yield* Effect.promise(() => readFile(argsLog, "utf8"))).trim().split("\n")
      expect(launches).toHaveLength(2)
      const dataDir = (launches[0].match(/--data-dir=(\S+)/) ?? [])[1]
      expect(dataDir).toBeDefined()
      expect(launches[1]).toContain("--port=6443 --control-port=7000")
      expect(launches[1]).toContain(`--data-dir=${dataDir}`)
      yield* Scope.close(scope, Exit.void)
      expect(isAlive(info.pid)).toBe(false)
      expect(existsSync(dataDir ?? "")).toBe(false)
    })
  )

  it.scopedLive("SIGKILLs a server that ignores stdin EOF after the grace period", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const binary = yield* script(
        dir,
        "stubborn.sh",
        `trap '' TERM INT
echo '{"ready":true,"url":"https://127.0.0.1:1","token":"t","caFile":"/dev/null","controlUrl":"http://127.0.0.1:1","pid":'$$'}'
exec 0</dev/null
while :; do sleep 0.05; done`
      )
      const scope = yield* Scope.make()
      // Closed explicitly below; also on failure, so a failed assertion leaks no process.
      yield* Effect.addFinalizer(() => Scope.close(scope, Exit.void))
      const server = yield* KubeApiServer.start({ binary, stopTimeout: "300 millis" }).pipe(Scope.extend(scope))
      expect(isAlive(server.pid)).toBe(true)
      yield* Scope.close(scope, Exit.void)
      // It ignores EOF, SIGTERM and SIGINT: only the SIGKILL after the grace period ends it.
      expect(isAlive(server.pid)).toBe(false)
    })
  )

  it.scopedLive("a server that reports ready:false fails with StartFailed and its error", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const binary = yield* script(dir, "fail.sh", `echo '{"ready":false,"error":"etcd: address in use"}'\nexit 1`)
      const error = yield* Effect.flip(Effect.scoped(KubeApiServer.start({ binary })))
      expect(error._tag).toBe("KubeApiServerError")
      expect(error.reason).toBe("StartFailed")
      expect(error.message).toContain("etcd: address in use")
    })
  )

  it.scopedLive("a server that exits before the ready line fails with its last log lines", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const binary = yield* script(dir, "exit.sh", `echo "flag provided but not defined: -nope" >&2\nexit 2`)
      const error = yield* Effect.flip(Effect.scoped(KubeApiServer.start({ binary })))
      expect(error.reason).toBe("StartFailed")
      expect(error.message).toContain("exited before it was ready (code 2)")
      expect(error.message).toContain("flag provided but not defined: -nope")
    })
  )

  it.scopedLive("a server that never gets ready fails with NotReady and is stopped", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const pidFile = join(dir, "pid")
      const binary = yield* script(
        dir,
        "hang.sh",
        `echo $$ > "${pidFile}"\necho "waiting for etcd" >&2\ncat >/dev/null`
      )
      const error = yield* Effect.flip(Effect.scoped(KubeApiServer.start({ binary, readyTimeout: "500 millis" })))
      expect(error.reason).toBe("NotReady")
      expect(error.message).toContain("waiting for etcd")
      const pid = Number((yield* Effect.promise(() => readFile(pidFile, "utf8"))).trim())
      expect(pid).toBeGreaterThan(0)
      expect(isAlive(pid)).toBe(false)
    })
  )

  it.scopedLive("passes its own flags, then kube-apiserver flags after --", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const argsFile = join(dir, "args")
      const binary = yield* script(
        dir,
        "args.sh",
        `printf '%s\\n' "$@" > "${argsFile}"
echo '{"ready":true,"url":"https://127.0.0.1:1","token":"t","caFile":"/dev/null","controlUrl":"http://127.0.0.1:1","pid":'$$'}'
cat >/dev/null`
      )
      yield* Effect.scoped(
        KubeApiServer.start({
          binary,
          flags: ["--watch-cache=false"],
          apiserverFlags: ["--v=2"],
          readyTimeout: "90 seconds"
        })
      )
      const args = (yield* Effect.promise(() => readFile(argsFile, "utf8"))).trim().split("\n")
      expect(args).toEqual([
        "--watch-cache=false",
        expect.stringMatching(new RegExp(`^--data-dir=.*/effect-kube-apiserver-${process.pid}-[^/]+/data$`)),
        "--exit-on-stdin-eof=true",
        "--ready-timeout=90s",
        "--",
        "--v=2"
      ])
    })
  )

  it.scopedLive("build: prints-the-path protocol, GoNotFound, and failures", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const binary = join(dir, "kube-apiserver-abc")
      yield* Effect.promise(() => writeFile(binary, ""))
      yield* script(dir, "build.sh", `echo "build.sh: cached" >&2\necho "${binary}"`)
      expect(yield* KubeApiServer.build({ moduleDir: dir })).toBe(binary)

      const noGo = join(dir, "nogo")
      yield* Effect.promise(() => import("node:fs/promises").then((fs) => fs.mkdir(noGo)))
      yield* script(noGo, "build.sh", `echo "build.sh: go is not on PATH" >&2\nexit 1`)
      const missing = yield* Effect.flip(KubeApiServer.build({ moduleDir: noGo }))
      expect(missing.reason).toBe("GoNotFound")

      const broken = join(dir, "broken")
      yield* Effect.promise(() => import("node:fs/promises").then((fs) => fs.mkdir(broken)))
      yield* script(broken, "build.sh", `echo "main.go:1: syntax error" >&2\nexit 1`)
      const failed = yield* Effect.flip(KubeApiServer.build({ moduleDir: broken }))
      expect(failed.reason).toBe("BuildFailed")
      expect(failed.message).toContain("main.go:1: syntax error")

      const explicitMissing = yield* Effect.flip(KubeApiServer.build({ binary: join(dir, "nope") }))
      expect(explicitMissing.reason).toBe("StartFailed")
    })
  )

  it.scopedLive("start removes the directories of servers whose owner died, and only those", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const binary = yield* script(
        dir,
        "ok.sh",
        `echo '{"ready":true,"url":"https://127.0.0.1:1","token":"t","caFile":"/dev/null","controlUrl":"http://127.0.0.1:1","pid":'$$'}'
cat >/dev/null`
      )
      const dead = yield* Effect.async<number>((resume) => {
        const child = spawn("true")
        child.once("exit", () => resume(Effect.succeed(child.pid ?? 0)))
      })
      const stale = join(tmpdir(), `effect-kube-apiserver-${dead}-stale`)
      const alive = join(tmpdir(), `effect-kube-apiserver-${process.ppid}-alive`)
      yield* Effect.acquireRelease(
        Effect.promise(() => Promise.all([mkdir(stale), mkdir(alive)])),
        () =>
          Effect.promise(() =>
            Promise.all([rm(stale, { recursive: true, force: true }), rm(alive, { recursive: true, force: true })])
          )
      )
      yield* Effect.scoped(KubeApiServer.start({ binary }))
      expect(existsSync(stale)).toBe(false)
      expect(existsSync(alive)).toBe(true)
    })
  )

  it.scopedLive("layerShared connects to the server a global set-up published instead of starting one", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const control = yield* controlServer
      const binary = yield* readyScript(dir, control.url)
      let teardown: (() => Promise<void>) | undefined
      const provided: Array<unknown> = []
      const previous = process.env[KubeApiServer.SharedEnv]
      delete process.env[KubeApiServer.SharedEnv]
      yield* Effect.acquireRelease(
        Effect.promise(async () => {
          teardown = await KubeApiServer.globalSetup({ provide: (_key, value) => provided.push(value) }, { binary })
        }),
        () =>
          Effect.promise(async () => {
            await teardown?.()
            if (previous !== undefined) process.env[KubeApiServer.SharedEnv] = previous
          })
      )
      const info = KubeApiServer.sharedInfo()
      expect(info?.url).toBe("https://127.0.0.1:6443")
      expect(provided).toEqual([info])
      const shared = yield* Effect.scoped(
        Effect.gen(function* () {
          const server = yield* KubeApiServer.KubeApiServer
          return { pid: server.pid, kubeconfig: server.kubeconfigPath }
        }).pipe(Effect.provide(KubeApiServer.layerShared({ binary: join(dir, "must-not-be-started") })))
      )
      expect(shared.pid).toBe(info?.pid)
      const notOwned = yield* Effect.flip(
        Effect.flatMap(KubeApiServer.KubeApiServer, (server) => server.restart).pipe(
          Effect.provide(KubeApiServer.layerShared({ binary: join(dir, "must-not-be-started") }))
        )
      )
      expect(notOwned.reason).toBe("ControlFailed")
      // Closing the connecting layer leaves the shared server running.
      expect(info !== undefined && isAlive(info.pid)).toBe(true)
      expect(existsSync(shared.kubeconfig)).toBe(true)
      yield* Effect.promise(async () => teardown?.())
      teardown = undefined
      expect(info !== undefined && isAlive(info.pid)).toBe(false)
      expect(process.env[KubeApiServer.SharedEnv]).toBeUndefined()
    })
  )
})
