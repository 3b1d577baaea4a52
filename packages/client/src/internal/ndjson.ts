import * as Channel from "effect/Channel"
import * as Chunk from "effect/Chunk"
import { DecodeError } from "@effect-kube/core/Errors"

const NEWLINE = 10

type Splitter<E> = Channel.Channel<Chunk.Chunk<unknown>, Chunk.Chunk<Uint8Array>, E | DecodeError, E, unknown, unknown>

const concat = (parts: ReadonlyArray<Uint8Array>, length: number): Uint8Array => {
  const out = new Uint8Array(length)
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

/**
 * Splits newline-delimited JSON on bytes: `indexOf(\n)` over each chunk, lines decoded with one
 * TextDecoder and parsed with one `JSON.parse` each. A line that spans chunks is kept as a list
 * of views and copied once, when its newline arrives. A `\n` byte never occurs inside a UTF-8
 * multi-byte sequence, so decoding per line is exact. Blank lines are skipped; a final line
 * without a newline is parsed at the end. A line that is not JSON emits the frames before it,
 * then fails with a `DecodeError` that names the size, never the content (it may hold secrets).
 */
export const splitter = <E>(describe: string): Splitter<E> =>
  Channel.suspend(() => {
    const decoder = new TextDecoder()
    let pending: Array<Uint8Array> = []
    let pendingLength = 0
    let frames = 0

    const parseLine = (bytes: Uint8Array, out: Array<unknown>): DecodeError | undefined => {
      const text = decoder.decode(bytes)
      try {
        out.push(JSON.parse(text))
        frames++
        return undefined
      } catch (cause) {
        if (text.trim() === "") return undefined
        return new DecodeError({
          message: `${describe}: frame ${frames + 1} is not valid JSON (${bytes.length} bytes)`,
          cause: cause instanceof Error ? cause.name : undefined
        })
      }
    }

    const feed = (chunk: Chunk.Chunk<Uint8Array>, out: Array<unknown>): DecodeError | undefined => {
      for (const buf of chunk) {
        let start = 0
        let newline = buf.indexOf(NEWLINE, start)
        while (newline !== -1) {
          let line: Uint8Array
          if (pendingLength > 0) {
            pending.push(buf.subarray(start, newline))
            line = concat(pending, pendingLength + newline - start)
            pending = []
            pendingLength = 0
          } else {
            line = buf.subarray(start, newline)
          }
          if (line.length > 0) {
            const error = parseLine(line, out)
            if (error !== undefined) return error
          }
          start = newline + 1
          newline = buf.indexOf(NEWLINE, start)
        }
        if (start < buf.length) {
          pending.push(start === 0 ? buf : buf.subarray(start))
          pendingLength += buf.length - start
        }
      }
      return undefined
    }

    const emitThen = (out: Array<unknown>, next: Splitter<E>): Splitter<E> =>
      out.length === 0 ? next : Channel.zipRight(Channel.write(Chunk.unsafeFromArray(out)), next)

    const loop: Splitter<E> = Channel.readWithCause({
      onInput: (chunk: Chunk.Chunk<Uint8Array>) => {
        const out: Array<unknown> = []
        const error = feed(chunk, out)
        return emitThen(out, error === undefined ? loop : Channel.fail(error))
      },
      onFailure: (cause) => Channel.failCause(cause),
      onDone: () => {
        if (pendingLength === 0) return Channel.void
        const out: Array<unknown> = []
        const error = parseLine(concat(pending, pendingLength), out)
        pending = []
        pendingLength = 0
        return emitThen(out, error === undefined ? Channel.void : Channel.fail(error))
      }
    })
    return loop
  })
