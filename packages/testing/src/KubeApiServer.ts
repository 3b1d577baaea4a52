/**
 * The real kube-apiserver (with an embedded etcd) for end-to-end and conformance tests: built
 * from the Go module in `test/kube-apiserver` (cached outside git, keyed by its sources),
 * started on free loopback ports, reachable through a kubeconfig written to a temporary file,
 * and stopped when the scope closes.
 *
 * No orphan processes: the server runs with a pipe on its stdin and exits when that pipe
 * closes, so it dies with the test process even when that process is SIGKILLed; a normal
 * scope close ends stdin, then SIGKILLs after a grace period.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Scope from "effect/Scope"
import { type ChildProcess, spawn } from "node:child_process"
import { createWriteStream, existsSync } from "node:fs"
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import * as YAML from "yaml"

/**
 * Why the server could not be built, started or controlled. `reason` says which step failed;
 * `GoNotFound` means the binary is not cached and Go is not installed (the only case in which a
 * test suite may report the real target as unavailable instead of failed).
 *
 * @example
 * KubeApiServer.layer().pipe(Layer.catchAll((e) => e.reason === "GoNotFound" ? fallback : Layer.fail(e)))
 * @since 0.1.0
 */
export class KubeApiServerError extends Data.TaggedError("KubeApiServerError")<{
  readonly reason: "GoNotFound" | "BuildFailed" | "StartFailed" | "NotReady" | "ControlFailed" | "KubeconfigFailed"
  readonly message: string
  readonly cause?: unknown
}> {}

/**
 * The single JSON line the server prints on stdout once `/readyz` answers 200 (see
 * `test/kube-apiserver/main.go`). Plain data: shareable between processes (a vitest global
 * set-up hands it to the test workers).
 *
 * @example
 * const info: ReadyInfo = server.info // { url: "https://127.0.0.1:41234", kubeconfigPath: "/tmp/…/kubeconfig", … }
 * @since 0.1.0
 */
export interface ReadyInfo {
  /** `https://127.0.0.1:<port>`. */
  readonly url: string
  /** Admin bearer token (group `system:masters`). */
  readonly token: string
  /** PEM file of the CA that signs the serving certificate. */
  readonly caFile: string
  /** Plain-HTTP test-control endpoint: `GET /revision`, `POST /compact`. */
  readonly controlUrl: string
  /** A kubeconfig for the admin user (current context `effect-kube-e2e`, namespace `default`). */
  readonly kubeconfigPath: string
  /** Process id of the server. */
  readonly pid: number
}

/**
 * etcd revisions as the control endpoint reports them.
 *
 * @example
 * const { revision, compactRevision } = yield* server.revisions
 * @since 0.1.0
 */
export interface Revisions {
  readonly revision: number
  readonly compactRevision: number
}

/**
 * A running (or shared) real kube-apiserver.
 *
 * @example
 * const kube = KubeApi.layerFromKubeConfig({ kubeconfig: server.kubeconfigPath })
 * @since 0.1.0
 */
export interface Service {
  readonly url: string
  readonly token: Redacted.Redacted<string>
  readonly caFile: string
  /** The CA certificate (PEM), read from {@link Service.caFile}. */
  readonly caPem: string
  readonly kubeconfigPath: string
  readonly controlUrl: string
  readonly pid: number
  /** The plain data of this server (what {@link globalSetup} shares with test workers). */
  readonly info: ReadyInfo
  /**
   * Compacts etcd at its current revision: afterwards, what etcd serves at an older
   * resourceVersion (continue tokens, `Exact` lists) fails with 410. Watches are served by the
   * watch cache, which keeps its own window regardless: use {@link Service.restart} too to make
   * a watch from an old resourceVersion fail.
   */
  readonly compact: Effect.Effect<Revisions, KubeApiServerError>
  /** The current and the last compacted etcd revision. */
  readonly revisions: Effect.Effect<Revisions, KubeApiServerError>
  /**
   * Stops the server and starts it again on the same ports with the same data (objects, CA,
   * token): the kubeconfig stays valid. Its watch cache starts empty, so watches from any
   * resourceVersion issued before the restart get 410 — combined with {@link Service.compact},
   * the way to make "older than the server's history" happen on demand. Only for a server this
   * process started (fails with `ControlFailed` on a {@link connect}ed one).
   */
  readonly restart: Effect.Effect<ReadyInfo, KubeApiServerError>
}

/**
 * The real kube-apiserver service.
 *
 * @example
 * const program = Effect.gen(function* () {
 *   const server = yield* KubeApiServer
 *   yield* server.compact
 * }).pipe(Effect.provide(KubeApiServer.layer()))
 * @since 0.1.0
 */
export class KubeApiServer extends Context.Tag("@effect-kube/testing/KubeApiServer")<KubeApiServer, Service>() {}

/**
 * Options of {@link start} / {@link layer}.
 *
 * @example
 * KubeApiServer.layer({ apiserverFlags: ["--watch-cache-sizes=configmaps#0"], logs: "inherit" })
 * @since 0.1.0
 */
export interface Options {
  /**
   * The server binary. Default: `EFFECT_KUBE_APISERVER_BIN`, else whatever `build.sh` prints
   * (building it first when it is not cached).
   */
  readonly binary?: string
  /**
   * Directory of the Go module (holding `build.sh`). Default: `EFFECT_KUBE_APISERVER_DIR`, else
   * `test/kube-apiserver` of the repository this package lives in.
   */
  readonly moduleDir?: string
  /** Flags of the test server itself, e.g. `["--watch-cache=false"]`. */
  readonly flags?: ReadonlyArray<string>
  /** Extra kube-apiserver flags (passed after `--`; later flags win). */
  readonly apiserverFlags?: ReadonlyArray<string>
  /** Give up when the cold build takes longer. Default 45 minutes. */
  readonly buildTimeout?: Duration.DurationInput
  /** Give up when the server is not ready by then. Default 3 minutes. */
  readonly readyTimeout?: Duration.DurationInput
  /** After stdin is closed on scope close, wait this long before SIGKILL. Default 15 seconds. */
  readonly stopTimeout?: Duration.DurationInput
  /**
   * Where the server's logs (stderr) go: `"buffer"` (default: the last lines are kept and shown
   * when start-up fails), `"inherit"` (this process's stderr), or a file path (appended).
   * `EFFECT_KUBE_APISERVER_LOG` overrides the default.
   */
  readonly logs?: "buffer" | "inherit" | { readonly file: string }
}

/**
 * Environment variable holding the {@link ReadyInfo} JSON of a server shared by {@link globalSetup}.
 *
 * @example
 * const shared = process.env[KubeApiServer.SharedEnv] !== undefined
 * @since 0.1.0
 */
export const SharedEnv = "EFFECT_KUBE_APISERVER"

/**
 * The key under which {@link globalSetup} `provide`s the {@link ReadyInfo} to vitest workers.
 *
 * @example
 * const info = inject(KubeApiServer.ProvideKey) // with `ProvidedContext` declared by the test project
 * @since 0.1.0
 */
export const ProvideKey = "effectKubeApiServer"

const defaultModuleDir = (): string | undefined => {
  const fromEnv = process.env.EFFECT_KUBE_APISERVER_DIR
  if (fromEnv !== undefined && fromEnv !== "") return resolve(fromEnv)
  // src/KubeApiServer.ts and dist/KubeApiServer.js both sit two levels under packages/testing.
  const here = dirname(fileURLToPath(import.meta.url))
  const candidate = resolve(here, "..", "..", "..", "test", "kube-apiserver")
  return existsSync(join(candidate, "build.sh")) ? candidate : undefined
}

const decodeInput = (d: Duration.DurationInput | undefined, fallback: Duration.DurationInput): Duration.Duration =>
  Duration.decode(d ?? fallback)

/** Runs a process to completion, collecting stdout; stderr goes to ours (build progress). */
const runToCompletion = (
  command: string,
  args: ReadonlyArray<string>,
  cwd: string
): Effect.Effect<{ readonly code: number | null; readonly stdout: string; readonly stderr: string }, unknown> =>
  Effect.async((resume) => {
    const child = spawn(command, [...args], { cwd, stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk
    })
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk
      if (stderr.length > 64 * 1024) stderr = stderr.slice(-32 * 1024)
      process.stderr.write(chunk)
    })
    child.once("error", (error) => resume(Effect.fail(error)))
    child.once("close", (code) => resume(Effect.succeed({ code, stdout, stderr })))
    // Interrupted (build timeout, test aborted): stop the build and its go children.
    return Effect.sync(() => {
      if (child.exitCode === null) child.kill("SIGTERM")
    })
  })

/**
 * Builds the server binary unless it is cached (`build.sh` in the Go module; the cache is
 * `${EFFECT_KUBE_CACHE:-~/.cache/effect-kube}`, keyed by a hash of the module's sources) and
 * returns its path. A cold build compiles k8s.io/kubernetes (many minutes); a warm one returns
 * at once.
 *
 * @example
 * const binary = yield* KubeApiServer.build()
 * @since 0.1.0
 */
export const build = (
  options: Pick<Options, "binary" | "moduleDir" | "buildTimeout"> = {}
): Effect.Effect<string, KubeApiServerError> =>
  Effect.gen(function* () {
    const explicit = options.binary ?? process.env.EFFECT_KUBE_APISERVER_BIN
    if (explicit !== undefined && explicit !== "") {
      if (!existsSync(explicit)) {
        return yield* new KubeApiServerError({
          reason: "StartFailed",
          message: `kube-apiserver binary ${explicit} does not exist`
        })
      }
      return explicit
    }
    const moduleDir = options.moduleDir ?? defaultModuleDir()
    if (moduleDir === undefined) {
      return yield* new KubeApiServerError({
        reason: "BuildFailed",
        message:
          "cannot find test/kube-apiserver/build.sh: set EFFECT_KUBE_APISERVER_DIR to the Go module or EFFECT_KUBE_APISERVER_BIN to a built binary"
      })
    }
    const timeout = decodeInput(options.buildTimeout, "45 minutes")
    const result = yield* runToCompletion("bash", [join(moduleDir, "build.sh")], moduleDir).pipe(
      Effect.mapError(
        (cause) =>
          new KubeApiServerError({
            reason: "BuildFailed",
            message: `cannot run ${moduleDir}/build.sh: ${cause}`,
            cause
          })
      ),
      Effect.timeoutFail({
        duration: timeout,
        onTimeout: () =>
          new KubeApiServerError({
            reason: "BuildFailed",
            message: `building kube-apiserver took longer than ${Duration.format(timeout)}`
          })
      })
    )
    if (result.code !== 0) {
      const goMissing = result.stderr.includes("go is not on PATH")
      return yield* new KubeApiServerError({
        reason: goMissing ? "GoNotFound" : "BuildFailed",
        message: goMissing
          ? "the kube-apiserver binary is not cached and Go is not installed (go is not on PATH)"
          : `build.sh exited with ${result.code}: ${lastLines(result.stderr, 20)}`
      })
    }
    const path = result.stdout.trim().split("\n").pop()?.trim() ?? ""
    if (path === "" || !existsSync(path)) {
      return yield* new KubeApiServerError({
        reason: "BuildFailed",
        message: `build.sh did not print an existing binary path (got ${JSON.stringify(path)})`
      })
    }
    return path
  })

const lastLines = (text: string, n: number): string => text.trimEnd().split("\n").slice(-n).join("\n")

/** Keeps the last lines of a stream: what to show when start-up fails. */
class LineBuffer {
  private readonly lines: Array<string> = []
  private partial = ""
  constructor(private readonly max: number) {}
  push(chunk: string): void {
    const parts = (this.partial + chunk).split("\n")
    this.partial = parts.pop() ?? ""
    for (const line of parts) {
      this.lines.push(line)
      if (this.lines.length > this.max) this.lines.shift()
    }
  }
  text(): string {
    return [...this.lines, this.partial].join("\n").trim()
  }
}

interface Spawned {
  readonly child: ChildProcess
  readonly logs: LineBuffer
}

const isObject = (u: unknown): u is { readonly [k: string]: unknown } =>
  typeof u === "object" && u !== null && !Array.isArray(u)

interface ReadyLine {
  readonly url: string
  readonly token: string
  readonly caFile: string
  readonly controlUrl: string
  readonly pid: number
}

const parseReadyLine = (line: string): ReadyLine | string => {
  let parsed: unknown
  try {
    parsed = JSON.parse(line)
  } catch {
    return `not JSON: ${line.slice(0, 200)}`
  }
  if (!isObject(parsed)) return `not a JSON object: ${line.slice(0, 200)}`
  if (parsed.ready !== true) {
    return typeof parsed.error === "string" ? parsed.error : `not ready: ${line.slice(0, 200)}`
  }
  const { url, token, caFile, controlUrl, pid } = parsed
  if (typeof url !== "string" || typeof token !== "string" || typeof caFile !== "string") {
    return `ready line without url/token/caFile: ${line.slice(0, 200)}`
  }
  return {
    url,
    token,
    caFile,
    controlUrl: typeof controlUrl === "string" ? controlUrl : "",
    pid: typeof pid === "number" ? pid : 0
  }
}

/**
 * Waits for the ready line, the process to exit, or `timeout`, whichever comes first. The timer
 * is part of the callback (not `Effect.timeout`) because this runs inside `acquireRelease`'s
 * uninterruptible acquire, where a timeout that works by interrupting could not fire.
 */
const awaitReady = (spawned: Spawned, timeout: Duration.Duration): Effect.Effect<ReadyLine, KubeApiServerError> =>
  Effect.async((resume) => {
    const { child, logs } = spawned
    let buffer = ""
    let done = false
    const finish = (effect: Effect.Effect<ReadyLine, KubeApiServerError>) => {
      if (done) return
      done = true
      clearTimeout(timer)
      child.stdout?.off("data", onData)
      child.off("exit", onExit)
      child.off("error", onError)
      resume(effect)
    }
    const timer = setTimeout(
      () =>
        finish(
          Effect.fail(
            new KubeApiServerError({
              reason: "NotReady",
              message: `kube-apiserver not ready within ${Duration.format(timeout)}\n${lastLines(logs.text(), 30)}`
            })
          )
        ),
      Duration.toMillis(timeout)
    )
    const onData = (chunk: string) => {
      buffer += chunk
      const newline = buffer.indexOf("\n")
      if (newline < 0) return
      const parsed = parseReadyLine(buffer.slice(0, newline).trim())
      finish(
        typeof parsed === "string"
          ? Effect.fail(
              new KubeApiServerError({
                reason: "StartFailed",
                message: `kube-apiserver did not start: ${parsed}\n${lastLines(logs.text(), 30)}`
              })
            )
          : Effect.succeed(parsed)
      )
    }
    const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
      finish(
        Effect.fail(
          new KubeApiServerError({
            reason: "StartFailed",
            message: `kube-apiserver exited before it was ready (${signal ?? `code ${code}`})\n${lastLines(logs.text(), 30)}`
          })
        )
      )
    const onError = (error: Error) =>
      finish(
        Effect.fail(
          new KubeApiServerError({
            reason: "StartFailed",
            message: `cannot run kube-apiserver: ${error.message}`,
            cause: error
          })
        )
      )
    child.stdout?.setEncoding("utf8").on("data", onData)
    child.once("exit", onExit)
    child.once("error", onError)
    return Effect.sync(() => {
      done = true
      clearTimeout(timer)
      child.stdout?.off("data", onData)
      child.off("exit", onExit)
      child.off("error", onError)
    })
  })

/**
 * Whether the process exits within `within` (true at once if it already has). The timer lives
 * inside the callback rather than in `Effect.timeout`: this runs in a finalizer, which is
 * uninterruptible, so a timeout that works by interrupting would wait forever.
 */
const exitsWithin = (child: ChildProcess, within: Duration.Duration): Effect.Effect<boolean> =>
  Effect.async((resume) => {
    if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.succeed(true))
    const onExit = () => {
      clearTimeout(timer)
      resume(Effect.succeed(true))
    }
    const timer = setTimeout(() => {
      child.off("exit", onExit)
      resume(Effect.succeed(false))
    }, Duration.toMillis(within))
    child.once("exit", onExit)
    return Effect.sync(() => {
      clearTimeout(timer)
      child.off("exit", onExit)
    })
  })

/**
 * Stops the server: end stdin (the server shuts down gracefully on EOF), wait `grace`, then
 * SIGKILL. The data directory is ours (removed by its own finalizer), so a SIGKILL leaks nothing.
 */
const stop = (child: ChildProcess, grace: Duration.Duration): Effect.Effect<void> =>
  Effect.gen(function* () {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.stdin?.end()
    if (yield* exitsWithin(child, grace)) return
    yield* Effect.logWarning(`kube-apiserver (pid ${child.pid}) did not stop within ${Duration.format(grace)}: SIGKILL`)
    child.kill("SIGKILL")
    yield* exitsWithin(child, Duration.seconds(10))
  })

const kubeconfigYaml = (info: { readonly url: string; readonly token: string; readonly caFile: string }): string =>
  YAML.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "effect-kube-e2e", cluster: { server: info.url, "certificate-authority": info.caFile } }],
    users: [{ name: "effect-kube-e2e", user: { token: info.token } }],
    contexts: [
      {
        name: "effect-kube-e2e",
        context: { cluster: "effect-kube-e2e", user: "effect-kube-e2e", namespace: "default" }
      }
    ],
    "current-context": "effect-kube-e2e",
    preferences: {}
  })

const controlRequest = (controlUrl: string, method: "GET" | "POST", path: string) =>
  Effect.tryPromise({
    try: async (signal) => {
      const response = await fetch(`${controlUrl}${path}`, { method, signal })
      const text = await response.text()
      if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status}: ${text.trim()}`)
      return JSON.parse(text)
    },
    catch: (cause) =>
      new KubeApiServerError({
        reason: "ControlFailed",
        message: `kube-apiserver control endpoint: ${cause instanceof Error ? cause.message : String(cause)}`,
        cause
      })
  }).pipe(
    Effect.flatMap((body: unknown) =>
      isObject(body) && typeof body.revision === "number" && typeof body.compactRevision === "number"
        ? Effect.succeed<Revisions>({ revision: body.revision, compactRevision: body.compactRevision })
        : Effect.fail(
            new KubeApiServerError({
              reason: "ControlFailed",
              message: `kube-apiserver control endpoint: unexpected answer ${JSON.stringify(body)}`
            })
          )
    )
  )

/**
 * The service over an already running server (no process ownership): what test files use when
 * a {@link globalSetup} started the server.
 *
 * @example
 * const server = yield* KubeApiServer.connect(JSON.parse(process.env.EFFECT_KUBE_APISERVER ?? ""))
 * @since 0.1.0
 */
export const connect = (info: ReadyInfo): Effect.Effect<Service, KubeApiServerError> =>
  Effect.map(
    Effect.tryPromise({
      try: () => readFile(info.caFile, "utf8"),
      catch: (cause) =>
        new KubeApiServerError({ reason: "StartFailed", message: `cannot read the CA file ${info.caFile}`, cause })
    }),
    (caPem): Service => ({
      url: info.url,
      token: Redacted.make(info.token),
      caFile: info.caFile,
      caPem,
      kubeconfigPath: info.kubeconfigPath,
      controlUrl: info.controlUrl,
      pid: info.pid,
      info,
      compact: controlRequest(info.controlUrl, "POST", "/compact"),
      revisions: controlRequest(info.controlUrl, "GET", "/revision"),
      restart: Effect.fail(
        new KubeApiServerError({
          reason: "ControlFailed",
          message: "restart is only possible for a server this process started (this one was connected to)"
        })
      )
    })
  )

const logTarget = (options: Options): Options["logs"] => {
  if (options.logs !== undefined) return options.logs
  const env = process.env.EFFECT_KUBE_APISERVER_LOG
  if (env === undefined || env === "" || env === "buffer") return "buffer"
  if (env === "inherit") return "inherit"
  return { file: env }
}

/** Prefix of the per-server temporary directories: `<prefix><owner pid>-<random>`. */
const DirPrefix = "effect-kube-apiserver-"

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: alive, owned by someone else.
    return error instanceof Error && "code" in error && error.code === "EPERM"
  }
}

/** Removes the directories of servers whose owning process died without cleaning up (SIGKILL). */
const sweepStaleDirs = async (): Promise<void> => {
  const entries = await readdir(tmpdir()).catch((): ReadonlyArray<string> => [])
  await Promise.all(
    entries.map(async (name) => {
      const owner = name.startsWith(DirPrefix) ? Number(name.slice(DirPrefix.length).split("-")[0]) : Number.NaN
      if (!Number.isInteger(owner) || owner <= 0 || owner === process.pid || isAlive(owner)) return
      await rm(join(tmpdir(), name), { recursive: true, force: true }).catch(() => {})
    })
  )
}

interface Launched {
  readonly spawned: Spawned
  readonly ready: ReadyLine
}

/**
 * Builds the binary if needed, starts it, waits for the ready line (which the server prints
 * after `/readyz` answers 200 and the `default` namespace exists) and writes a kubeconfig to a
 * temporary file. Closing the scope stops the server and removes the kubeconfig and the data
 * directory.
 *
 * The server keeps its etcd data, certificates and token in a data directory of its own, so
 * {@link Service.restart} brings it back on the same ports with the same objects: the
 * kubeconfig stays valid across restarts.
 *
 * @example
 * const server = yield* KubeApiServer.start({ flags: ["--watch-cache=false"] })
 * @since 0.1.0
 */
export const start = (options: Options = {}): Effect.Effect<Service, KubeApiServerError, Scope.Scope> =>
  Effect.gen(function* () {
    const binary = yield* build(options)
    const readyTimeout = decodeInput(options.readyTimeout, "3 minutes")
    const grace = decodeInput(options.stopTimeout, "15 seconds")
    const logs = logTarget(options)
    const logFile =
      typeof logs === "object"
        ? yield* Effect.acquireRelease(
            Effect.try({
              try: () => {
                const stream = createWriteStream(logs.file, { flags: "a" })
                // Logs are best effort: a log file that cannot be written must not crash the run.
                stream.on("error", () => {})
                return stream
              },
              catch: (cause) =>
                new KubeApiServerError({ reason: "StartFailed", message: `cannot open log file ${logs.file}`, cause })
            }),
            (stream) => Effect.async<void>((resume) => void stream.end(() => resume(Effect.void)))
          )
        : undefined
    yield* Effect.promise(sweepStaleDirs)
    // One directory per server, named after this process: etcd data, certificates and token in
    // data/, the kubeconfig next to it. Removed on scope close; if this process is killed
    // before that, the next start removes it (its owner is gone).
    const root = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () => mkdtemp(join(tmpdir(), `${DirPrefix}${process.pid}-`)),
        catch: (cause) =>
          new KubeApiServerError({ reason: "StartFailed", message: "cannot create a temporary directory", cause })
      }),
      (path) => Effect.promise(() => rm(path, { recursive: true, force: true }))
    )
    const dataDir = join(root, "data")

    const argsFor = (ports: ReadonlyArray<string>) => [
      ...(options.flags ?? []),
      ...ports,
      `--data-dir=${dataDir}`,
      "--exit-on-stdin-eof=true",
      `--ready-timeout=${Math.ceil(Duration.toSeconds(readyTimeout))}s`,
      ...(options.apiserverFlags !== undefined && options.apiserverFlags.length > 0
        ? ["--", ...options.apiserverFlags]
        : [])
    ]

    /** Spawns the server and waits until it is ready; a server that fails to get ready is stopped. */
    const launch = (args: ReadonlyArray<string>): Effect.Effect<Launched, KubeApiServerError> =>
      Effect.uninterruptible(
        Effect.gen(function* () {
          const child = spawn(binary, [...args], { stdio: ["pipe", "pipe", "pipe"] })
          const buffer = new LineBuffer(200)
          // Always drain stderr: a full pipe would block the server.
          child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
            buffer.push(chunk)
            if (logs === "inherit") process.stderr.write(chunk)
            else logFile?.write(chunk)
          })
          // EPIPE on stdin when the server is already gone is expected.
          child.stdin?.on("error", () => {})
          const spawned: Spawned = { child, logs: buffer }
          const ready = yield* awaitReady(spawned, readyTimeout).pipe(
            Effect.onExit((exit) => (Exit.isSuccess(exit) ? Effect.void : stop(child, grace)))
          )
          // Keep reading stdout so that the server never blocks on it.
          child.stdout?.resume()
          return { spawned, ready }
        })
      )

    let current: Launched = yield* Effect.acquireRelease(
      launch(argsFor([])),
      (): Effect.Effect<void> => stop(current.spawned.child, grace)
    )
    const port = new URL(current.ready.url).port
    const controlPort = new URL(current.ready.controlUrl).port
    const lock = yield* Effect.makeSemaphore(1)

    const kubeconfigPath = join(root, "kubeconfig")
    yield* Effect.tryPromise({
      try: () => writeFile(kubeconfigPath, kubeconfigYaml(current.ready), { mode: 0o600 }),
      catch: (cause) =>
        new KubeApiServerError({ reason: "KubeconfigFailed", message: `cannot write ${kubeconfigPath}`, cause })
    })
    yield* Effect.logDebug(`kube-apiserver ready at ${current.ready.url}, kubeconfig ${kubeconfigPath}`)
    const infoOf = (launched: Launched): ReadyInfo => ({
      url: launched.ready.url,
      token: launched.ready.token,
      caFile: launched.ready.caFile,
      controlUrl: launched.ready.controlUrl,
      kubeconfigPath,
      pid: launched.ready.pid === 0 ? (launched.spawned.child.pid ?? 0) : launched.ready.pid
    })
    const connected = yield* connect(infoOf(current))
    const restart = lock.withPermits(1)(
      Effect.gen(function* () {
        yield* stop(current.spawned.child, grace)
        current = yield* launch(argsFor([`--port=${port}`, `--control-port=${controlPort}`]))
        return infoOf(current)
      })
    )
    return {
      ...connected,
      get pid() {
        return infoOf(current).pid
      },
      get info() {
        return infoOf(current)
      },
      restart
    }
  })

/**
 * A layer running its own server for as long as the layer lives.
 *
 * @example
 * it.layer(KubeApiServer.layer())("e2e", (it) => { ... })
 * @since 0.1.0
 */
export const layer = (options: Options = {}): Layer.Layer<KubeApiServer, KubeApiServerError> =>
  Layer.scoped(KubeApiServer, start(options))

/**
 * The server a {@link globalSetup} shares (found in `EFFECT_KUBE_APISERVER`), else a server of
 * this layer's own. E2e test files use this, so they share one server when the set-up is
 * configured and still run on their own when it is not.
 *
 * @example
 * const E2e = KubeApiServer.layerShared()
 * @since 0.1.0
 */
export const layerShared = (options: Options = {}): Layer.Layer<KubeApiServer, KubeApiServerError> =>
  Layer.scoped(
    KubeApiServer,
    Effect.suspend(() => {
      const shared = sharedInfo()
      return shared === undefined ? start(options) : connect(shared)
    })
  )

/**
 * The {@link ReadyInfo} a {@link globalSetup} published in this process's environment, if any.
 *
 * @example
 * const info = KubeApiServer.sharedInfo()
 * @since 0.1.0
 */
export const sharedInfo = (): ReadyInfo | undefined => {
  const raw = process.env[SharedEnv]
  if (raw === undefined || raw === "") return undefined
  try {
    const parsed: unknown = JSON.parse(raw)
    if (
      isObject(parsed) &&
      typeof parsed.url === "string" &&
      typeof parsed.token === "string" &&
      typeof parsed.caFile === "string" &&
      typeof parsed.controlUrl === "string" &&
      typeof parsed.kubeconfigPath === "string" &&
      typeof parsed.pid === "number"
    ) {
      return {
        url: parsed.url,
        token: parsed.token,
        caFile: parsed.caFile,
        controlUrl: parsed.controlUrl,
        kubeconfigPath: parsed.kubeconfigPath,
        pid: parsed.pid
      }
    }
  } catch {
    // fall through: a malformed value means no shared server
  }
  return undefined
}

/**
 * What {@link globalSetup} needs from vitest's set-up context (a `TestProject`).
 *
 * @example
 * const context: GlobalSetupContext = { provide: (key, info) => console.log(key, info.url) }
 * @since 0.1.0
 */
export interface GlobalSetupContext {
  readonly provide?: (key: typeof ProvideKey, value: ReadyInfo) => void
}

/**
 * A vitest `globalSetup` function: starts one server for the whole run, publishes its
 * {@link ReadyInfo} (as `EFFECT_KUBE_APISERVER` in the environment the workers inherit, and via
 * `provide("effectKubeApiServer", info)`), and returns the teardown that stops it. A start-up
 * failure rejects the promise (vitest's contract for a failing set-up) with the error's message.
 * Does nothing when a server is already shared.
 *
 * @example
 * // test/e2e/global-setup.ts
 * import { globalSetup } from "@effect-kube/testing/KubeApiServer"
 * export default globalSetup
 * @since 0.1.0
 */
export const globalSetup = async (
  context?: GlobalSetupContext,
  options: Options = {}
): Promise<() => Promise<void>> => {
  if (sharedInfo() !== undefined) return async () => {}
  const scope = Effect.runSync(Scope.make())
  const exit = await Effect.runPromiseExit(Scope.extend(start(options), scope))
  if (Exit.isFailure(exit)) {
    await Effect.runPromise(Scope.close(scope, exit))
    const error = exit.cause._tag === "Fail" ? exit.cause.error : undefined
    throw new Error(error?.message ?? "kube-apiserver did not start")
  }
  const info = exit.value.info
  process.env[SharedEnv] = JSON.stringify(info)
  context?.provide?.(ProvideKey, info)
  return async () => {
    delete process.env[SharedEnv]
    await Effect.runPromise(Scope.close(scope, Exit.void))
  }
}
