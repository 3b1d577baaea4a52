import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { createBody, jsonBytes, nameOf, namespaceOf, serverObject } from "../lib/fixtures.js"
import { eventClock } from "../lib/peer.js"
import { firehoseBytes, pagingBackend } from "../lib/servers.js"
import { figure, median } from "../lib/stats.js"

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null

describe("stats", () => {
  it("median of odd and even counts, min and max", () => {
    expect(median([3, 1, 2])).toBe(2)
    expect(median([4, 1, 3, 2])).toBe(2.5)
    expect(Number.isNaN(median([]))).toBe(true)
    const f = figure({ bench: "P1", target: "mock", n: 1, peer: "x", metric: "m", unit: "ms", runs: [5, 1, 9] })
    expect([f.min, f.median, f.max]).toEqual([1, 5, 9])
  })
})

describe("fixtures", () => {
  it("objects are deterministic, ~1–1.5 KiB with managedFields, and stripping shrinks them", () => {
    expect(serverObject(42)).toEqual(serverObject(42))
    const size = Buffer.byteLength(JSON.stringify(serverObject(7)))
    expect(size).toBeGreaterThan(1024)
    expect(size).toBeLessThan(1536)
    expect(serverObject(7).metadata.managedFields.length).toBe(2)
    expect(createBody(3).metadata).toMatchObject({ name: nameOf(3), namespace: namespaceOf(3) })
    const bytes = jsonBytes(100)
    expect(bytes.stripped).toBeLessThan(bytes.full * 0.7)
  })
})

describe("paging backend", () => {
  it.effect("following continue yields every object once, then no token", () =>
    Effect.gen(function* () {
      const n = 1234
      const backend = pagingBackend(() => n)
      const names = new Set<string>()
      let token: string | undefined
      let pages = 0
      do {
        const res = yield* backend.handle({
          method: "GET",
          path: "/api/v1/configmaps",
          query: { limit: "500", continue: token }
        })
        expect(res.status).toBe(200)
        const body = res.body
        if (!isRecord(body) || !Array.isArray(body.items) || !isRecord(body.metadata)) throw new Error("bad list")
        for (const item of body.items) {
          if (isRecord(item) && isRecord(item.metadata)) names.add(String(item.metadata.name))
        }
        token = typeof body.metadata.continue === "string" ? body.metadata.continue : undefined
        pages++
      } while (token !== undefined)
      expect(names.size).toBe(n)
      expect(pages).toBe(3)
      const missing = yield* backend.handle({ method: "GET", path: "/api/v1/secrets" })
      expect(missing.status).toBe(404)
    })
  )
})

describe("firehose", () => {
  it("frames m NDJSON events: the first per key ADDED, then MODIFIED, resourceVersions 2..m+1", () => {
    const m = 250
    const keys = 100
    const lines = firehoseBytes(m, keys).toString("utf8").split("\n")
    expect(lines.pop()).toBe("")
    expect(lines.length).toBe(m)
    lines.forEach((line, e) => {
      const event: unknown = JSON.parse(line)
      if (!isRecord(event) || !isRecord(event.object) || !isRecord(event.object.metadata)) throw new Error("bad frame")
      expect(event.type).toBe(e < keys ? "ADDED" : "MODIFIED")
      expect(event.object.metadata.resourceVersion).toBe(String(e + 2))
      expect(event.object.metadata.name).toBe(nameOf(e % keys))
    })
  })
})

describe("eventClock", () => {
  it("measures only the events after the warm-up fraction and signals the last one", () => {
    const clock = eventClock(100)
    const done: Array<boolean> = []
    for (let i = 0; i < 100; i++) done.push(clock.tick())
    expect(done.indexOf(true)).toBe(99)
    expect(clock.result().count).toBe(90)
    expect(clock.result().ms).toBeGreaterThanOrEqual(0)
  })
})
