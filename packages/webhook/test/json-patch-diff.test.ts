import { describe, expect, it } from "@effect/vitest"
import * as fc from "effect/FastCheck"
import { diff, jsonEqual } from "../src/JsonPatchDiff.js"
import { applyPatch } from "./fixtures.js"

describe("JsonPatchDiff.diff", () => {
  it("is empty for equal values, including keys set to undefined", () => {
    expect(diff({ a: [1, { b: null }] }, { a: [1, { b: null }] })).toEqual([])
    expect(diff({ a: 1 }, { a: 1, b: undefined })).toEqual([])
  })

  it("adds, removes and replaces object members", () => {
    const ops = diff({ spec: { replicas: 1, old: true } }, { spec: { replicas: 3, paused: false } })
    expect(ops).toEqual([
      { op: "remove", path: "/spec/old" },
      { op: "replace", path: "/spec/replicas", value: 3 },
      { op: "add", path: "/spec/paused", value: false }
    ])
  })

  it("escapes ~ and / in pointer segments", () => {
    const ops = diff({ metadata: { annotations: {} } }, { metadata: { annotations: { "example.com/a~b": "x" } } })
    expect(ops).toEqual([{ op: "add", path: "/metadata/annotations/example.com~1a~0b", value: "x" }])
  })

  it("appends and truncates arrays element by element", () => {
    expect(diff({ l: [1, 2] }, { l: [1, 2, 3, 4] })).toEqual([
      { op: "add", path: "/l/2", value: 3 },
      { op: "add", path: "/l/3", value: 4 }
    ])
    // Removals run from the highest index down so each index is valid when it applies.
    expect(diff({ l: [1, 2, 3, 4, 5, 6] }, { l: [1, 2, 3, 4] })).toEqual([
      { op: "remove", path: "/l/5" },
      { op: "remove", path: "/l/4" }
    ])
  })

  it("replaces an array changed in most places whole", () => {
    expect(diff({ l: [1, 2, 3] }, { l: [0, 1, 2, 3] })).toEqual([{ op: "replace", path: "/l", value: [0, 1, 2, 3] }])
  })

  it("replaces a value whose type changed, and the root when it is not a container", () => {
    expect(diff({ a: [1] }, { a: { 0: 1 } })).toEqual([{ op: "replace", path: "/a", value: { 0: 1 } }])
    expect(diff(1, "1")).toEqual([{ op: "replace", path: "", value: "1" }])
  })

  it("treats __proto__ and inherited names as ordinary keys", () => {
    const from = JSON.parse('{"toString": 1}')
    const to = JSON.parse('{"__proto__": {"x": 1}, "constructor": 2}')
    const ops = diff(from, to)
    expect(ops).toEqual([
      { op: "remove", path: "/toString" },
      { op: "add", path: "/__proto__", value: JSON.parse('{"x": 1}') },
      { op: "add", path: "/constructor", value: 2 }
    ])
    expect(jsonEqual(applyPatch(from, ops), to)).toBe(true)
  })

  it.prop(
    "applying diff(a, b) to a gives b",
    [fc.jsonValue({ maxDepth: 4 }), fc.jsonValue({ maxDepth: 4 })],
    ([a, b]) => {
      const ops = diff(a, b)
      expect(jsonEqual(applyPatch(a, ops), b)).toBe(true)
    },
    { fastCheck: { numRuns: 500 } }
  )

  it.prop(
    "small edits of an object give small patches that apply",
    [
      fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 6 }),
      fc.string({ maxLength: 4 }),
      fc.jsonValue({ maxDepth: 2 })
    ],
    ([base, key, value]) => {
      const edited = { ...base, [key]: value }
      Object.defineProperty(edited, key, { value, enumerable: true, writable: true, configurable: true })
      const ops = diff(base, edited)
      expect(jsonEqual(applyPatch(base, ops), edited)).toBe(true)
      expect(ops.every((op) => op.path.startsWith(`/${key.replaceAll("~", "~0").replaceAll("/", "~1")}`))).toBe(true)
    },
    { fastCheck: { numRuns: 300 } }
  )

  it.prop(
    "diff of a value with itself is empty",
    [fc.jsonValue({ maxDepth: 5 })],
    ([a]) => {
      expect(diff(a, JSON.parse(JSON.stringify(a)))).toEqual([])
    },
    { fastCheck: { numRuns: 200 } }
  )
})
