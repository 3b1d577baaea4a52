/**
 * The HTTP(S) front of a mock apiserver: `node:http(s)` wrapped in a scope. Each request runs as
 * a fiber in a `FiberSet` owned by the server's scope; a client that disconnects interrupts its
 * fiber (so a watch's stream finalizers run at once), and closing the scope stops listening,
 * destroys keep-alive connections and interrupts whatever still runs.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import type * as Chunk from "effect/Chunk"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberSet from "effect/FiberSet"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { timingSafeEqual } from "node:crypto"
import * as http from "node:http"
import * as https from "node:https"
import type { KubeError } from "@effect-kube/core/Errors"
import { isStatusError } from "@effect-kube/core/Errors"
import type { Status } from "@effect-kube/core/Meta"
import type { KubeRequest, KubeResponse } from "@effect-kube/client/Transport"
import { openApi } from "./openapi.js"
import { isPageNotFound, PageNotFoundText } from "../status.js"
import { failure, parseRequest } from "./request.js"

/** What the HTTP front serves: the apiserver's two entry points (the `KubeTransport` shape). */
export interface Backend {
  readonly handle: (request: KubeRequest) => Effect.Effect<KubeResponse, KubeError>
  readonly watch: (request: KubeRequest) => Stream.Stream<unknown, KubeError>
}

/** Listening failed (port in use, permission denied). */
export class ListenError extends Data.TaggedError("ListenError")<{
  readonly message: string
  readonly cause?: unknown
}> {}

/** Options of {@link serve}. */
export interface ServeOptions {
  readonly host: string
  readonly port: number
  /** Bearer token every request but the health checks must carry. */
  readonly token: string
  /** PEM serving certificate and key; absent: plain HTTP. */
  readonly tls: { readonly cert: string; readonly key: string } | undefined
  /** Log every request (method, path, status, duration) at Info level; else Debug. */
  readonly logRequests: boolean
  /** Largest accepted request body (the real server's limit is 3 MiB). */
  readonly maxBodyBytes: number
}

/** A listening server. */
export interface Listening {
  readonly port: number
}

const unauthorized = failure(401, "Unauthorized", "Unauthorized")

const internalError = (message: string) => failure(500, "InternalError", `Internal error occurred: ${message}`)

const statusOfError = (error: KubeError): { readonly code: number; readonly status: Status } => {
  if (isStatusError(error))
    return {
      code: error.code,
      status: error.status.kind ? error.status : { ...failure(error.code, error.reason, error.message).status }
    }
  const early = internalError(error.message)
  return { code: early.code, status: early.status }
}

const tokenMatches = (header: string | undefined, token: string): boolean => {
  if (header === undefined) return false
  const match = /^Bearer\s+(.+)$/i.exec(header.trim())
  if (!match?.[1]) return false
  const given = Buffer.from(match[1].trim())
  const want = Buffer.from(token)
  return given.length === want.length && timingSafeEqual(given, want)
}

const health: ReadonlySet<string> = new Set(["/healthz", "/livez", "/readyz"])

const readBody = (req: http.IncomingMessage, limit: number): Effect.Effect<string | "TooLarge", never> =>
  Effect.async<string | "TooLarge">((resume) => {
    const chunks: Array<Buffer> = []
    let size = 0
    let done = false
    const finish = (value: string | "TooLarge") => {
      if (done) return
      done = true
      resume(Effect.succeed(value))
    }
    req.on("data", (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        finish("TooLarge")
        req.resume()
        return
      }
      chunks.push(chunk)
    })
    req.on("end", () => finish(Buffer.concat(chunks).toString("utf8")))
    req.on("error", () => finish(""))
    req.on("aborted", () => finish(""))
  })

/** Sends a response: JSON, except a string error body (the text 404), which goes out as it is. */
const sendJson = (res: http.ServerResponse, code: number, headers: Readonly<Record<string, string>>, body: unknown) => {
  if (res.headersSent || res.destroyed) return
  const raw = typeof body === "string" && code >= 300
  const text = raw ? body : body === undefined ? "" : JSON.stringify(body)
  res.writeHead(code, {
    "content-type": raw ? "text/plain; charset=utf-8" : "application/json",
    "cache-control": "no-cache, private",
    ...headers,
    "content-length": String(Buffer.byteLength(text))
  })
  res.end(text)
}

/** Writes one chunk, waiting for `drain` when the socket's buffer is full (a slow reader). */
const write = (res: http.ServerResponse, data: string): Effect.Effect<void> =>
  Effect.async<void>((resume) => {
    if (res.destroyed) return resume(Effect.void)
    if (res.write(data)) return resume(Effect.void)
    const done = () => {
      res.off("drain", done)
      res.off("close", done)
      resume(Effect.void)
    }
    res.on("drain", done)
    res.on("close", done)
  })

/**
 * Streams a watch as NDJSON. A refusal that arrives before the first frame becomes a plain
 * error response (like the real server's non-2xx); a failure after frames were sent becomes an
 * `ERROR` frame, then the response ends.
 */
const streamWatch = (backend: Backend, request: KubeRequest, res: http.ServerResponse): Effect.Effect<void> =>
  Effect.scoped(
    Effect.gen(function* () {
      const pull = yield* Stream.toPull(backend.watch(request))
      const first = yield* Effect.fork(pull)
      // The in-memory apiserver refuses synchronously; give it a few turns before committing to 200.
      for (let i = 0; i < 8; i++) yield* Effect.yieldNow()
      const early = yield* Fiber.poll(first)
      if (Option.isSome(early) && Exit.isFailure(early.value)) {
        const failed = Cause.failureOption(early.value.cause)
        if (Option.isSome(failed) && Option.isSome(failed.value)) {
          const { code, status } = statusOfError(failed.value.value)
          return sendJson(res, code, {}, isPageNotFound(code, status) ? PageNotFoundText : status)
        }
        if (Option.isNone(failed)) {
          const e = internalError(Cause.pretty(early.value.cause))
          return sendJson(res, e.code, {}, e.status)
        }
      }
      res.writeHead(200, {
        "content-type": "application/json",
        "cache-control": "no-cache, private",
        "transfer-encoding": "chunked"
      })
      res.flushHeaders()
      let next: Effect.Effect<Exit.Exit<Chunk.Chunk<unknown>, Option.Option<KubeError>>> = Fiber.await(first)
      while (true) {
        const exit = yield* next
        if (Exit.isSuccess(exit)) {
          let text = ""
          for (const frame of exit.value) text += `${JSON.stringify(frame)}\n`
          if (text.length > 0) yield* write(res, text)
          next = Effect.exit(pull)
          continue
        }
        const failed = Cause.failureOption(exit.cause)
        if (Option.isSome(failed) && Option.isSome(failed.value)) {
          const { status } = statusOfError(failed.value.value)
          yield* write(res, `${JSON.stringify({ type: "ERROR", object: status })}\n`)
        } else if (Option.isNone(failed) && !Cause.isInterruptedOnly(exit.cause)) {
          yield* Effect.logWarning("watch stream died", Cause.pretty(exit.cause))
        }
        break
      }
      res.end()
    })
  )

const handleRequest = (
  backend: Backend,
  options: ServeOptions,
  req: http.IncomingMessage,
  res: http.ServerResponse
): Effect.Effect<void> =>
  Effect.gen(function* () {
    const url = req.url ?? "/"
    const pathname = url.split("?")[0] ?? "/"
    if (health.has(pathname) && req.method === "GET") {
      res.writeHead(200, { "content-type": "text/plain; charset=utf-8", "content-length": "2" })
      res.end("ok")
      return
    }
    if (!tokenMatches(req.headers.authorization, options.token)) {
      req.resume()
      return sendJson(res, unauthorized.code, {}, unauthorized.status)
    }
    const body = yield* readBody(req, options.maxBodyBytes)
    if (body === "TooLarge") {
      const e = failure(413, "RequestEntityTooLarge", "Request entity too large: limit is 3145728")
      return sendJson(res, e.code, { connection: "close" }, e.status)
    }
    const parsed = parseRequest({
      method: req.method ?? "GET",
      url,
      contentType: req.headers["content-type"],
      accept: req.headers.accept,
      body
    })
    if (parsed._tag === "Early") return sendJson(res, parsed.code, {}, parsed.status)
    if (parsed.watch) return yield* streamWatch(backend, parsed.request, res)
    const response = yield* (openApi(backend.handle, parsed.request) ?? backend.handle(parsed.request)).pipe(
      Effect.catchAll((error) => {
        const { code, status } = statusOfError(error)
        return Effect.succeed<KubeResponse>({ status: code, headers: {}, body: status })
      }),
      Effect.catchAllDefect((defect) => {
        const e = internalError(String(defect))
        return Effect.succeed<KubeResponse>({ status: e.code, headers: {}, body: e.status })
      })
    )
    sendJson(res, response.status, response.headers, response.body)
  }).pipe(
    Effect.onExit(() => {
      const line = `${req.method ?? "?"} ${req.url ?? "/"} ${res.headersSent ? res.statusCode : "-"}`
      return options.logRequests ? Effect.logInfo(line) : Effect.logDebug(line)
    }),
    Effect.withLogSpan("request")
  )

/**
 * Serves `backend` on `options.host:options.port` until the scope closes. The port is bound
 * when the effect completes.
 */
export const serve = (backend: Backend, options: ServeOptions): Effect.Effect<Listening, ListenError, Scope.Scope> =>
  Effect.gen(function* () {
    const run = yield* FiberSet.makeRuntime<never, void, never>()
    const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
      const fiber = run(handleRequest(backend, options, req, res))
      // A client that goes away interrupts its request: the watch's scope closes, nothing leaks.
      res.on("close", () => {
        if (!res.writableFinished) fiber.unsafeInterruptAsFork(fiber.id())
      })
    }
    const server: http.Server = options.tls
      ? https.createServer({ ...options.tls }, listener)
      : http.createServer(listener)
    server.keepAliveTimeout = 60_000
    const port = yield* Effect.acquireRelease(
      Effect.async<number, ListenError>((resume) => {
        const onError = (cause: Error) =>
          resume(
            Effect.fail(
              new ListenError({ message: `cannot listen on ${options.host}:${options.port}: ${cause.message}`, cause })
            )
          )
        server.once("error", onError)
        server.listen(options.port, options.host, () => {
          server.off("error", onError)
          const address = server.address()
          resume(Effect.succeed(typeof address === "object" && address !== null ? address.port : options.port))
        })
      }),
      () =>
        Effect.async<void>((resume) => {
          server.close(() => resume(Effect.void))
          // Keep-alive and streaming (watch) connections would hold close() open forever.
          server.closeAllConnections()
        })
    )
    return { port }
  })
