/**
 * Reading a request body with a size cap, without letting an oversized or aborted upload crash
 * or stall the server.
 */
import * as Effect from "effect/Effect"
import type { IncomingMessage } from "node:http"

export type BodyError =
  | { readonly _tag: "TooLarge"; readonly limit: number }
  | { readonly _tag: "Aborted"; readonly message: string }

export const read = (request: IncomingMessage, limit: number): Effect.Effect<Buffer, BodyError> =>
  Effect.async((resume) => {
    const declared = Number(request.headers["content-length"])
    if (Number.isFinite(declared) && declared > limit) {
      // Discard whatever the client still sends; the answer does not depend on it.
      request.resume()
      resume(Effect.fail({ _tag: "TooLarge", limit }))
      return
    }
    const chunks: Array<Buffer> = []
    let size = 0
    let done = false
    const cleanup = () => {
      request.off("data", onData)
      request.off("end", onEnd)
      request.off("error", onError)
      request.off("aborted", onAborted)
    }
    const finish = (effect: Effect.Effect<Buffer, BodyError>) => {
      if (done) return
      done = true
      cleanup()
      resume(effect)
    }
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        chunks.length = 0
        finish(Effect.fail({ _tag: "TooLarge", limit }))
        request.resume()
        return
      }
      chunks.push(chunk)
    }
    const onEnd = () => finish(Effect.succeed(Buffer.concat(chunks, size)))
    const onError = (error: Error) => finish(Effect.fail({ _tag: "Aborted", message: error.message }))
    const onAborted = () => finish(Effect.fail({ _tag: "Aborted", message: "the client aborted the request" }))
    request.on("data", onData)
    request.on("end", onEnd)
    request.on("error", onError)
    request.on("aborted", onAborted)
    return Effect.sync(cleanup)
  })
