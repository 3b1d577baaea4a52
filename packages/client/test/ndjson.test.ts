import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Stream from "effect/Stream"
import * as fc from "effect/FastCheck"
import { splitter } from "../src/internal/ndjson.js"

const encoder = new TextEncoder()

/** Cuts `bytes` at the given offsets (sorted, deduplicated) into chunks. */
const cut = (bytes: Uint8Array, offsets: ReadonlyArray<number>): Array<Uint8Array> => {
  const points = [...new Set(offsets.map((o) => o % (bytes.length + 1)))].sort((a, b) => a - b)
  const chunks: Array<Uint8Array> = []
  let start = 0
  for (const point of points) {
    chunks.push(bytes.subarray(start, point))
    start = point
  }
  chunks.push(bytes.subarray(start))
  return chunks
}

/** Runs the splitter over chunks grouped `perPull` at a time. */
const split = (chunks: ReadonlyArray<Uint8Array>, perPull: number) =>
  Stream.fromIterable(chunks).pipe(
    Stream.rechunk(perPull),
    Stream.pipeThroughChannel(splitter<never>("test")),
    Stream.runCollect,
    Effect.map(Chunk.toArray),
    Effect.either
  )

const frame = fc.record({
  type: fc.constantFrom("ADDED", "MODIFIED", "DELETED", "BOOKMARK"),
  object: fc.record({
    metadata: fc.record({ name: fc.string(), resourceVersion: fc.nat().map(String) }),
    // Multi-byte UTF-8 (and newlines inside strings, which JSON escapes) must survive any cut.
    data: fc.dictionary(fc.string(), fc.string({ unit: "binary" }))
  })
})

describe("NDJSON splitter", () => {
  it.effect.prop(
    "random chunking of a multi-event body yields the same frames",
    [
      fc.array(frame, { maxLength: 20 }),
      fc.array(fc.nat(), { maxLength: 30 }),
      fc.integer({ min: 1, max: 4 }),
      fc.boolean()
    ],
    ([frames, offsets, perPull, trailingNewline]) =>
      Effect.gen(function* () {
        const text = frames.map((f) => JSON.stringify(f)).join("\n") + (trailingNewline ? "\n" : "")
        const result = yield* split(cut(encoder.encode(text), offsets), perPull)
        expect(result).toEqual(Either.right(frames))
      })
  )

  it.effect("blank lines and CRLF are tolerated", () =>
    Effect.gen(function* () {
      const result = yield* split([encoder.encode('{"a":1}\r\n\n  \n{"b":2}\n')], 1)
      expect(result).toEqual(Either.right([{ a: 1 }, { b: 2 }]))
    })
  )

  it.effect("a malformed frame fails with DecodeError after the frames before it, without its content", () =>
    Effect.gen(function* () {
      const seen: Array<unknown> = []
      const body = encoder.encode('{"n":1}\n{"n":2}\n{"password":"hunter2"\n{"n":4}\n')
      const exit = yield* Stream.fromIterable(cut(body, [3, 9, 20])).pipe(
        Stream.pipeThroughChannel(splitter<never>("watch /x")),
        Stream.runForEach((f) => Effect.sync(() => seen.push(f))),
        Effect.flip
      )
      expect(seen).toEqual([{ n: 1 }, { n: 2 }])
      expect(exit._tag).toBe("DecodeError")
      expect(exit.message).toBe("watch /x: frame 3 is not valid JSON (21 bytes)")
      expect(JSON.stringify(exit)).not.toContain("hunter2")
    })
  )

  it.effect("a truncated last line (no newline, not JSON) is a DecodeError", () =>
    Effect.gen(function* () {
      const result = yield* split([encoder.encode('{"n":1}\n{"n":')], 1)
      expect(Either.isLeft(result) && result.left._tag).toBe("DecodeError")
    })
  )

  it.effect("upstream failures pass through", () =>
    Effect.gen(function* () {
      const error = yield* Stream.concat(Stream.make(encoder.encode('{"n":1}\n')), Stream.fail("boom" as const)).pipe(
        Stream.pipeThroughChannel(splitter<"boom">("x")),
        Stream.runDrain,
        Effect.flip
      )
      expect(error).toBe("boom")
    })
  )
})
