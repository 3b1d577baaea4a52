/**
 * A raw HTTP(S) client for the server tests: one request, the whole response as text, or a
 * streaming response read line by line.
 */
import * as Effect from "effect/Effect"
import * as http from "node:http"
import * as https from "node:https"

export interface RawResponse {
  readonly status: number
  readonly headers: http.IncomingHttpHeaders
  readonly text: string
}

export interface RawRequest {
  readonly method?: string
  readonly path: string
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: string
  /** CA to trust; `undefined` trusts only the system roots. */
  readonly ca?: string | undefined
}

const start = (
  url: string,
  req: RawRequest,
  onResponse: (res: http.IncomingMessage) => void,
  onError: (e: Error) => void
) => {
  const target = new URL(req.path, url)
  const options: https.RequestOptions = {
    method: req.method ?? "GET",
    headers: req.headers,
    ...(req.ca !== undefined ? { ca: req.ca } : {}),
    agent: false
  }
  const r =
    target.protocol === "https:"
      ? https.request(target, options, onResponse)
      : http.request(target, options, onResponse)
  r.on("error", onError)
  r.end(req.body)
  return r
}

export const send = (url: string, req: RawRequest): Effect.Effect<RawResponse, Error> =>
  Effect.async<RawResponse, Error>((resume) => {
    const r = start(
      url,
      req,
      (res) => {
        const chunks: Array<Buffer> = []
        res.on("data", (c: Buffer) => chunks.push(c))
        res.on("end", () =>
          resume(
            Effect.succeed({
              status: res.statusCode ?? 0,
              headers: res.headers,
              text: Buffer.concat(chunks).toString()
            })
          )
        )
      },
      (e) => resume(Effect.fail(e))
    )
    return Effect.sync(() => r.destroy())
  })

export interface Streaming {
  readonly status: number
  readonly headers: http.IncomingHttpHeaders
  /** The next complete line; fails when the response ended first. */
  readonly nextLine: Effect.Effect<string, Error>
  /** Resolves when the response ended (the server closed it). */
  readonly ended: Effect.Effect<void>
  /** Drops the connection, like a client that goes away. */
  readonly destroy: Effect.Effect<void>
}

export const open = (url: string, req: RawRequest): Effect.Effect<Streaming, Error> =>
  Effect.async<Streaming, Error>((resume) => {
    const r = start(
      url,
      req,
      (res) => {
        let buffer = ""
        let done = false
        const waiters: Array<() => void> = []
        const wake = () => {
          for (const w of waiters.splice(0)) w()
        }
        res.setEncoding("utf8")
        res.on("data", (c: string) => {
          buffer += c
          wake()
        })
        res.on("end", () => {
          done = true
          wake()
        })
        res.on("close", () => {
          done = true
          wake()
        })
        const nextLine: Effect.Effect<string, Error> = Effect.suspend(() => {
          const i = buffer.indexOf("\n")
          if (i >= 0) {
            const line = buffer.slice(0, i)
            buffer = buffer.slice(i + 1)
            return Effect.succeed(line)
          }
          if (done) return Effect.fail(new Error(`response ended; unterminated rest: ${JSON.stringify(buffer)}`))
          return Effect.async<void>((wakeUp) => {
            waiters.push(() => wakeUp(Effect.void))
          }).pipe(Effect.zipRight(nextLine))
        })
        const ended: Effect.Effect<void> = Effect.suspend(() =>
          done
            ? Effect.void
            : Effect.async<void>((wakeUp) => void waiters.push(() => wakeUp(Effect.void))).pipe(Effect.zipRight(ended))
        )
        resume(
          Effect.succeed({
            status: res.statusCode ?? 0,
            headers: res.headers,
            nextLine,
            ended,
            destroy: Effect.sync(() => r.destroy())
          })
        )
      },
      (e) => resume(Effect.fail(e))
    )
  })
