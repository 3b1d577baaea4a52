import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as fc from "effect/FastCheck"
import { applyJsonPatch, jsonPatchErrorStatus } from "../src/internal/patch/JsonPatch.js"
import { applyMergePatch, createMergePatch } from "../src/internal/patch/MergePatch.js"

const deepFreeze = <A>(u: A): A => {
  if (typeof u === "object" && u !== null) {
    for (const v of Object.values(u)) deepFreeze(v)
    Object.freeze(u)
  }
  return u
}

describe("applyMergePatch (RFC 7386 appendix A)", () => {
  const table: ReadonlyArray<readonly [unknown, unknown, unknown]> = [
    [{ a: "b" }, { a: "c" }, { a: "c" }],
    [{ a: "b" }, { b: "c" }, { a: "b", b: "c" }],
    [{ a: "b" }, { a: null }, {}],
    [{ a: "b", b: "c" }, { a: null }, { b: "c" }],
    [{ a: ["b"] }, { a: "c" }, { a: "c" }],
    [{ a: "c" }, { a: ["b"] }, { a: ["b"] }],
    [{ a: { b: "c" } }, { a: { b: "d", c: null } }, { a: { b: "d" } }],
    [{ a: [{ b: "c" }] }, { a: [1] }, { a: [1] }],
    [
      ["a", "b"],
      ["c", "d"],
      ["c", "d"]
    ],
    [{ a: "b" }, ["c"], ["c"]],
    [{ a: "foo" }, null, null],
    [{ a: "foo" }, "bar", "bar"],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: "b", c: null }, { a: "b" }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }]
  ]
  table.forEach(([target, patch, expected], i) => {
    it(`case ${i + 1}`, () => {
      expect(applyMergePatch(deepFreeze(structuredClone(target)), deepFreeze(structuredClone(patch)))).toEqual(expected)
    })
  })

  it("never aliases the patch in the result", () => {
    const patch = { a: { b: [1, 2] } }
    const out = applyMergePatch({}, patch)
    expect(out).toEqual(patch)
    patch.a.b.push(3)
    expect(out).toEqual({ a: { b: [1, 2] } })
  })

  const json = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      fc.string(),
      fc.integer(),
      fc.boolean(),
      fc.array(tie("value"), { maxLength: 3 }),
      tie("object")
    ),
    object: fc.dictionary(fc.string({ maxLength: 4 }), tie("value"), { maxKeys: 4 })
  })).object

  it.prop("createMergePatch(a, b) applied to a gives b (documents without nulls)", [json, json], ([a, b]) => {
    expect(applyMergePatch(deepFreeze(a), createMergePatch(a, b))).toEqual(b)
  })

  it.prop("merging a document into itself is the identity", [json], ([a]) => {
    expect(applyMergePatch(deepFreeze(a), a)).toEqual(a)
  })
})

const ok = (target: unknown, ops: unknown): unknown => {
  const r = applyJsonPatch(deepFreeze(structuredClone(target)), deepFreeze(structuredClone(ops)))
  if (Either.isLeft(r)) throw new Error(`unexpected failure: ${r.left.message}`)
  return r.right
}
const err = (target: unknown, ops: unknown) => {
  const r = applyJsonPatch(target, ops)
  if (Either.isRight(r)) throw new Error("expected a failure")
  return r.left
}

describe("applyJsonPatch (RFC 6902 appendix A)", () => {
  it("A.1 adds an object member", () => {
    expect(ok({ foo: "bar" }, [{ op: "add", path: "/baz", value: "qux" }])).toEqual({ baz: "qux", foo: "bar" })
  })
  it("A.2 adds an array element", () => {
    expect(ok({ foo: ["bar", "baz"] }, [{ op: "add", path: "/foo/1", value: "qux" }])).toEqual({
      foo: ["bar", "qux", "baz"]
    })
  })
  it("A.3 removes an object member", () => {
    expect(ok({ baz: "qux", foo: "bar" }, [{ op: "remove", path: "/baz" }])).toEqual({ foo: "bar" })
  })
  it("A.4 removes an array element", () => {
    expect(ok({ foo: ["bar", "qux", "baz"] }, [{ op: "remove", path: "/foo/1" }])).toEqual({ foo: ["bar", "baz"] })
  })
  it("A.5 replaces a value", () => {
    expect(ok({ baz: "qux", foo: "bar" }, [{ op: "replace", path: "/baz", value: "boo" }])).toEqual({
      baz: "boo",
      foo: "bar"
    })
  })
  it("A.6 moves a value", () => {
    expect(
      ok({ foo: { bar: "baz", waldo: "fred" }, qux: { corge: "grault" } }, [
        { op: "move", from: "/foo/waldo", path: "/qux/thud" }
      ])
    ).toEqual({ foo: { bar: "baz" }, qux: { corge: "grault", thud: "fred" } })
  })
  it("A.7 moves an array element", () => {
    expect(ok({ foo: ["all", "grass", "cows", "eat"] }, [{ op: "move", from: "/foo/1", path: "/foo/3" }])).toEqual({
      foo: ["all", "cows", "eat", "grass"]
    })
  })
  it("A.8 test succeeds", () => {
    const doc = { baz: "qux", foo: ["a", 2, "c"] }
    expect(
      ok(doc, [
        { op: "test", path: "/baz", value: "qux" },
        { op: "test", path: "/foo/1", value: 2 }
      ])
    ).toEqual(doc)
  })
  it("A.9 test fails with the evanphx message and the failing index", () => {
    const e = err({ baz: "qux" }, [
      { op: "test", path: "/baz", value: "qux" },
      { op: "test", path: "/baz", value: "bar" }
    ])
    expect(e.index).toBe(1)
    expect(e.reason).toBe("Failed")
    expect(e.message).toBe("testing value /baz failed: test failed")
  })
  it("A.10 adds a nested member object", () => {
    expect(ok({ foo: "bar" }, [{ op: "add", path: "/child", value: { grandchild: {} } }])).toEqual({
      foo: "bar",
      child: { grandchild: {} }
    })
  })
  it("A.11 ignores unrecognized members of an operation", () => {
    expect(ok({ foo: "bar" }, [{ op: "add", path: "/baz", value: "qux", xyz: 123 }])).toEqual({
      foo: "bar",
      baz: "qux"
    })
  })
  it("A.12 adding to a nonexistent target fails", () => {
    const e = err({ foo: "bar" }, [{ op: "add", path: "/baz/bat", value: "qux" }])
    expect(e.message).toBe('add operation does not apply: doc is missing path: "/baz/bat": missing value')
  })
  it("A.14 unescapes ~01 as ~1", () => {
    expect(ok({ "/": 9, "~1": 10 }, [{ op: "test", path: "/~01", value: 10 }])).toEqual({ "/": 9, "~1": 10 })
  })
  it("A.15 compares strings and numbers strictly", () => {
    expect(err({ "/": 9, "~1": 10 }, [{ op: "test", path: "/~01", value: "10" }]).message).toBe(
      "testing value /~01 failed: test failed"
    )
  })
  it("A.16 appends an array value with -", () => {
    expect(ok({ foo: ["bar"] }, [{ op: "add", path: "/foo/-", value: ["abc", "def"] }])).toEqual({
      foo: ["bar", ["abc", "def"]]
    })
  })
})

describe("applyJsonPatch (kube-apiserver behaviour)", () => {
  const cm = { metadata: { name: "a", resourceVersion: "5", finalizers: ["x/y"] }, data: { k: "v" } }

  it("copy, escaped pointers and a test on deep values", () => {
    expect(
      ok(cm, [
        { op: "test", path: "/metadata/finalizers", value: ["x/y"] },
        { op: "add", path: "/metadata/annotations", value: {} },
        { op: "add", path: "/metadata/annotations/example.com~1a", value: "1" },
        { op: "copy", from: "/data/k", path: "/data/k2" }
      ])
    ).toEqual({
      metadata: { name: "a", resourceVersion: "5", finalizers: ["x/y"], annotations: { "example.com/a": "1" } },
      data: { k: "v", k2: "v" }
    })
  })

  it("a resourceVersion precondition that fails maps to 422 Invalid like the real server", () => {
    const e = err(cm, [
      { op: "test", path: "/metadata/resourceVersion", value: "4" },
      { op: "replace", path: "/data/k", value: "w" }
    ])
    expect(e.message).toBe("testing value /metadata/resourceVersion failed: test failed")
    const { code, status } = jsonPatchErrorStatus(e)
    expect(code).toBe(422)
    expect(status.reason).toBe("Invalid")
    expect(status.message).toBe("the server rejected our request due to an error in our request")
  })

  it("testing a missing member fails (unless testing for null)", () => {
    expect(err(cm, [{ op: "test", path: "/data/missing", value: "x" }]).message).toBe(
      "testing value /data/missing failed: test failed"
    )
    expect(ok(cm, [{ op: "test", path: "/data/missing", value: null }])).toEqual(cm)
  })

  it("remove and replace of missing members fail with evanphx texts", () => {
    expect(err(cm, [{ op: "remove", path: "/data/nope" }]).message).toBe(
      "error in remove for path: '/data/nope': Unable to remove nonexistent key: nope: missing value"
    )
    expect(err(cm, [{ op: "replace", path: "/data/nope", value: 1 }]).message).toBe(
      "replace operation does not apply: doc is missing key: /data/nope: missing value"
    )
    expect(err(cm, [{ op: "remove", path: "/metadata/finalizers/3" }]).message).toBe(
      "Unable to access invalid index: 3: invalid index referenced"
    )
  })

  it("is atomic and never mutates the target", () => {
    const target = deepFreeze(structuredClone(cm))
    const e = err(target, [
      { op: "replace", path: "/data/k", value: "changed" },
      { op: "remove", path: "/nope" }
    ])
    expect(e.index).toBe(1)
    expect(target.data.k).toBe("v")
  })

  it("shape errors: a non-array body or non-object op is Malformed (400), an unknown op Failed (422)", () => {
    const notArray = err(cm, { op: "add" })
    expect(notArray.reason).toBe("Malformed")
    expect(jsonPatchErrorStatus(notArray).code).toBe(400)
    const badOp = err(cm, [{ op: "add", path: "/a", value: 1 }, 5])
    expect(badOp).toMatchObject({ reason: "Malformed", index: 1 })
    const unknown = err(cm, [{ op: "frobnicate", path: "/a" }])
    expect(unknown).toMatchObject({ reason: "Failed", index: 0, message: "Unexpected kind: frobnicate" })
    expect(err(cm, [{ op: "add", path: "/a" }]).message).toBe("add operation failed to decode value: missing value")
    expect(err(cm, [{ op: "add", path: "a", value: 1 }]).message).toContain("invalid JSON pointer")
  })

  it("moving a value into its own child fails", () => {
    expect(err({ a: { b: 1 } }, [{ op: "move", from: "/a", path: "/a/b/c" }]).reason).toBe("Failed")
  })

  it("replacing the root replaces the document", () => {
    expect(ok({ a: 1 }, [{ op: "replace", path: "", value: { b: 2 } }])).toEqual({ b: 2 })
  })

  it.prop(
    "add then remove of a fresh member restores the document",
    [
      fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 5 }),
      fc.string({ maxLength: 4 }),
      fc.integer()
    ],
    ([doc, key, value]) => {
      fc.pre(!Object.hasOwn(doc, key))
      const path = `/${key.replaceAll("~", "~0").replaceAll("/", "~1")}`
      const added = ok(doc, [{ op: "add", path, value }])
      expect(added).toEqual({ ...doc, [key]: value })
      expect(ok(added, [{ op: "remove", path }])).toEqual(doc)
    }
  )
})
