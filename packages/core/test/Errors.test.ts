import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Errors from "../src/Errors.js"

const status = (code: number, reason?: string, extra: Record<string, unknown> = {}) => ({
  kind: "Status",
  apiVersion: "v1",
  status: "Failure",
  message: `m-${reason ?? code}`,
  ...(reason !== undefined ? { reason } : {}),
  code,
  ...extra
})

describe("Errors.fromStatus by reason", () => {
  const table: ReadonlyArray<readonly [string, number, Errors.StatusError["_tag"], boolean]> = [
    ["NotFound", 404, "NotFound", false],
    ["AlreadyExists", 409, "AlreadyExists", false],
    ["Conflict", 409, "Conflict", true],
    ["Gone", 410, "Gone", false],
    ["Expired", 410, "Gone", false],
    ["Invalid", 422, "Invalid", false],
    ["BadRequest", 400, "BadRequest", false],
    ["Unauthorized", 401, "Unauthorized", false],
    ["Forbidden", 403, "Forbidden", false],
    ["MethodNotAllowed", 405, "MethodNotAllowed", false],
    ["UnsupportedMediaType", 415, "UnsupportedMediaType", false],
    ["TooManyRequests", 429, "TooManyRequests", true],
    ["Timeout", 504, "Timeout", true],
    ["ServerTimeout", 500, "ServerTimeout", true],
    ["InternalError", 500, "InternalError", true],
    ["ServiceUnavailable", 503, "ServiceUnavailable", true]
  ]
  for (const [reason, code, tag, retryable] of table) {
    it(`${reason} (${code}) → ${tag}, retryable=${retryable}`, () => {
      const error = Errors.fromStatus(code, status(code, reason))
      expect(error._tag).toBe(tag)
      expect(error.retryable).toBe(retryable)
      expect(Errors.isRetryable(error)).toBe(retryable)
      expect([error.code, error.reason, error.message]).toEqual([code, reason, `m-${reason}`])
      expect(Errors.isStatusError(error)).toBe(true)
    })
  }
})

describe("Errors.fromStatus by code (no reason)", () => {
  const table: ReadonlyArray<readonly [number, Errors.StatusError["_tag"], boolean]> = [
    [400, "BadRequest", false],
    [401, "Unauthorized", false],
    [403, "Forbidden", false],
    [404, "NotFound", false],
    [405, "MethodNotAllowed", false],
    [409, "Conflict", true],
    [410, "Gone", false],
    [415, "UnsupportedMediaType", false],
    [422, "Invalid", false],
    [429, "TooManyRequests", true],
    [500, "InternalError", true],
    [503, "ServiceUnavailable", true],
    [504, "Timeout", true],
    [406, "UnexpectedStatus", false],
    [413, "UnexpectedStatus", false],
    [502, "UnexpectedStatus", true]
  ]
  for (const [code, tag, retryable] of table) {
    it(`${code} → ${tag}, retryable=${retryable}`, () => {
      const error = Errors.fromStatus(code, undefined)
      expect(error._tag).toBe(tag)
      expect(error.retryable).toBe(retryable)
      expect(error.reason).toBe("")
      expect(error.message).toBe(`the server responded with HTTP ${code}`)
    })
  }
})

describe("Errors.fromStatus precedence and details", () => {
  it("the reason wins over the code", () => {
    // a create of an existing object is a 409 whose reason says AlreadyExists, not Conflict
    expect(Errors.fromStatus(409, status(409, "AlreadyExists"))._tag).toBe("AlreadyExists")
    expect(Errors.fromStatus(500, status(500, "ServerTimeout"))._tag).toBe("ServerTimeout")
    expect(Errors.fromStatus(504, status(504, "Timeout"))._tag).toBe("Timeout")
    expect(Errors.fromStatus(410, status(410, "Expired"))._tag).toBe("Gone")
  })

  it("an unknown reason falls back to the code and is kept", () => {
    const error = Errors.fromStatus(404, status(404, "SomethingNew"))
    expect([error._tag, error.reason]).toEqual(["NotFound", "SomethingNew"])
  })

  it("synthesises a message naming the code and reason when the body has none", () => {
    expect(Errors.fromStatus(404, { reason: "NotFound" }).message).toBe("the server responded with HTTP 404 (NotFound)")
  })

  it("Retry-After: a numeric header wins over Status details, else the details", () => {
    const body = status(429, "TooManyRequests", { details: { retryAfterSeconds: 2 } })
    const retryAfter = (e: Errors.StatusError) => ("retryAfterSeconds" in e ? e.retryAfterSeconds : "n/a")
    expect(retryAfter(Errors.fromStatus(429, body, "5"))).toBe(5)
    expect(retryAfter(Errors.fromStatus(429, body))).toBe(2)
    expect(retryAfter(Errors.fromStatus(429, body, null))).toBe(2)
    expect(retryAfter(Errors.fromStatus(429, body, ""))).toBe(2)
    expect(retryAfter(Errors.fromStatus(429, body, "Wed, 21 Oct 2015 07:28:00 GMT"))).toBe(2)
    expect(retryAfter(Errors.fromStatus(429, status(429, "TooManyRequests")))).toBeUndefined()
    expect(retryAfter(Errors.fromStatus(503, undefined, "7"))).toBe(7)
    expect(
      retryAfter(Errors.fromStatus(500, status(500, "ServerTimeout", { details: { retryAfterSeconds: 1 } })))
    ).toBe(1)
  })

  it("Invalid carries the field causes; a 422 without details has none", () => {
    const body = status(422, "Invalid", {
      details: {
        name: "web",
        kind: "ConfigMap",
        causes: [
          { reason: "FieldValueInvalid", message: 'Invalid value: "x": bad', field: "data.x" },
          { reason: "FieldValueRequired", message: "Required value", field: "metadata.name" }
        ]
      }
    })
    const error = Errors.fromStatus(422, body)
    expect(error._tag === "Invalid" && error.causes.map((c) => c.field)).toEqual(["data.x", "metadata.name"])
    const bare = Errors.fromStatus(422, "not json")
    expect(bare._tag === "Invalid" && bare.causes).toEqual([])
  })

  it.effect("errors are values in the error channel, catchable by tag", () =>
    Effect.gen(function* () {
      const result = yield* Effect.fail(Errors.fromStatus(404, status(404, "NotFound"))).pipe(
        Effect.catchTag("NotFound", (e) => Effect.succeed(`caught ${e.code}`))
      )
      expect(result).toBe("caught 404")
    })
  )
})

describe("Errors: transport, decode, predicates", () => {
  it("transport errors are retryable, decode errors are not", () => {
    const transport = new Errors.TransportError({ message: "reset" })
    const decode = new Errors.DecodeError({ message: "bad", kind: "ConfigMap" })
    expect([transport.retryable, decode.retryable]).toEqual([true, false])
    expect([Errors.isStatusError(transport), Errors.isStatusError(decode)]).toEqual([false, false])
  })

  it("isGone only for 410s", () => {
    expect(Errors.isGone(Errors.fromStatus(410, status(410, "Expired")))).toBe(true)
    expect(Errors.isGone(Errors.fromStatus(404, undefined))).toBe(false)
  })

  it("isStatusError rejects look-alikes", () => {
    for (const u of [null, undefined, 1, "NotFound", {}, { _tag: 1 }, { _tag: "Nope" }, { _tag: "TransportError" }]) {
      expect(Errors.isStatusError(u)).toBe(false)
    }
    expect(Errors.isStatusError({ _tag: "NotFound" })).toBe(true)
  })
})

describe("Errors.statusFromUnknown", () => {
  it("never fails on junk and yields {} for non-objects", () => {
    for (const junk of [null, undefined, 42, "Status", [], [1, 2], true]) {
      expect(Errors.statusFromUnknown(junk)).toEqual({})
    }
  })

  it("keeps only well-typed fields", () => {
    const s = Errors.statusFromUnknown({
      kind: "Status",
      code: "404",
      reason: 7,
      message: "m",
      details: { name: 1, retryAfterSeconds: Number.POSITIVE_INFINITY, causes: [null, "x", { field: "a", reason: 3 }] }
    })
    expect(s).toEqual({
      kind: "Status",
      apiVersion: undefined,
      status: undefined,
      message: "m",
      reason: undefined,
      code: undefined,
      details: {
        name: undefined,
        group: undefined,
        kind: undefined,
        uid: undefined,
        causes: [{ reason: undefined, message: undefined, field: "a" }],
        retryAfterSeconds: undefined
      }
    })
  })

  it("drops details that are not an object and causes that are not an array", () => {
    expect(Errors.statusFromUnknown({ details: "x" }).details).toBeUndefined()
    expect(Errors.statusFromUnknown({ details: { causes: {} } }).details?.causes).toBeUndefined()
  })
})
