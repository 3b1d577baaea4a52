import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as fc from "fast-check"
import * as ApiServer from "../src/ApiServer.js"

type Op = { readonly _tag: "create" | "update" | "delete"; readonly n: number }

const op = fc.record({ _tag: fc.constantFrom("create" as const, "update" as const, "delete" as const), n: fc.nat(30) })

const path = "/api/v1/namespaces/default/configmaps"

/** Paging while writers change the collection: the pages always add up to the first page's snapshot. */
const scenario = (initial: number, pageSize: number, opsBetweenPages: ReadonlyArray<ReadonlyArray<Op>>) =>
  Effect.scoped(
    Effect.gen(function* () {
      const server = yield* ApiServer.make({ watchHistory: 10_000 })
      for (let i = 0; i < initial; i++) {
        yield* server.handle({ method: "POST", path, body: { metadata: { name: `cm-${i}` }, data: { v: "0" } } })
      }
      const expected = Array.from({ length: initial }, (_, i) => `cm-${i}`).sort()
      const seen: Array<string> = []
      let token: string | undefined
      let rv: string | undefined
      let page = 0
      do {
        const res = yield* server.handle({ method: "GET", path, query: { limit: String(pageSize), continue: token } })
        const body: unknown = res.body
        if (typeof body !== "object" || body === null || !("items" in body) || !("metadata" in body)) {
          return { ok: false, reason: `bad body ${JSON.stringify(body)}` }
        }
        const meta = body.metadata
        const items = Array.isArray(body.items) ? body.items : []
        for (const item of items) seen.push(String(item?.metadata?.name))
        const listRV =
          typeof meta === "object" && meta !== null && "resourceVersion" in meta ? String(meta.resourceVersion) : ""
        if (rv === undefined) rv = listRV
        else if (rv !== listRV) return { ok: false, reason: `page ${page} at ${listRV}, first at ${rv}` }
        token =
          typeof meta === "object" && meta !== null && "continue" in meta && typeof meta.continue === "string"
            ? meta.continue
            : undefined
        for (const o of opsBetweenPages[page] ?? []) {
          const name = `cm-${o.n}`
          if (o._tag === "create") yield* server.handle({ method: "POST", path, body: { metadata: { name } } })
          if (o._tag === "update") {
            yield* server.handle({
              method: "PUT",
              path: `${path}/${name}`,
              body: { metadata: { name }, data: { v: "1" } }
            })
          }
          if (o._tag === "delete") yield* server.handle({ method: "DELETE", path: `${path}/${name}` })
        }
        page++
      } while (token !== undefined && page < 100)
      return { ok: JSON.stringify(seen) === JSON.stringify(expected), reason: `${seen} vs ${expected}` }
    })
  )

describe("ApiServer pagination (property)", () => {
  it("continue pages form the snapshot of the first page whatever is written in between", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 25 }),
        fc.integer({ min: 1, max: 7 }),
        fc.array(fc.array(op, { maxLength: 6 }), { maxLength: 30 }),
        (initial, pageSize, ops) => {
          const result = Effect.runSync(scenario(initial, pageSize, ops))
          expect(result.reason).toBe(result.ok ? result.reason : "pages equal to the first snapshot")
          return result.ok
        }
      ),
      { numRuns: 60 }
    )
  })
})
