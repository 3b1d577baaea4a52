import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as FC from "effect/FastCheck"
import * as FieldSelector from "../src/FieldSelector.js"
import type { KubeObject } from "../src/Meta.js"

// Recorded from k8s.io/apimachinery v0.37.2 fields.ParseSelector: `canonical` is String(),
// `error` is err.Error().
const oracle: ReadonlyArray<readonly [string, { readonly canonical: string } | { readonly error: string }]> = [
  ["", { canonical: "" }],
  ["a=b", { canonical: "a=b" }],
  ["a==b", { canonical: "a=b" }],
  ["a!=b", { canonical: "a!=b" }],
  ["metadata.name=x,metadata.namespace=y", { canonical: "metadata.name=x,metadata.namespace=y" }],
  ["b=1,a=2", { canonical: "a=2,b=1" }],
  ["a=b\\,c", { canonical: "a=b\\,c" }],
  ["a=b\\=c", { canonical: "a=b\\=c" }],
  ["a=\\\\", { canonical: "a=\\\\" }],
  ["a=", { canonical: "a=" }],
  ["=", { canonical: "" }],
  ["a=b,,c=d", { canonical: "a=b,c=d" }],
  ["a", { error: "invalid selector: 'a'; can't understand 'a'" }],
  ["a=b,c", { error: "invalid selector: 'a=b,c'; can't understand 'c'" }],
  ["a=b=c", { error: "invalid field selector: unescaped character in value: 61" }],
  ["a=b\\x", { error: "invalid field selector: invalid escape sequence: \\x" }],
  ["a=b\\", { error: "invalid field selector: invalid escape sequence: \\" }],
  [" a = b", { canonical: " a = b" }]
]

const parseOk = (s: string): FieldSelector.Selector => {
  const r = FieldSelector.parse(s)
  if (Either.isLeft(r)) throw new Error(`expected ${JSON.stringify(s)} to parse: ${r.left.message}`)
  return r.right
}

const pod: KubeObject = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "web-0", namespace: "default" },
  spec: { nodeName: "node-1", hostNetwork: false, priority: 5 },
  status: { phase: "Running" }
}

describe("FieldSelector.parse", () => {
  it("agrees with apimachinery on canonical form and error text", () => {
    for (const [input, expected] of oracle) {
      const result = FieldSelector.parse(input)
      if ("canonical" in expected) {
        expect(Either.isRight(result) && FieldSelector.format(result.right), input).toBe(expected.canonical)
      } else {
        expect(Either.isLeft(result) && result.left._tag, input).toBe("FieldSelectorParseError")
        expect(Either.isLeft(result) && result.left.reason, input).toBe(expected.error)
      }
    }
  })

  it("unescapes values and keeps the operator", () => {
    expect(parseOk("metadata.name=a\\,b\\=c\\\\d,status.phase!=Running").requirements).toEqual([
      { field: "metadata.name", operator: "Equals", value: "a,b=c\\d" },
      { field: "status.phase", operator: "NotEquals", value: "Running" }
    ])
  })

  it("names the offending term and its position", () => {
    const r = FieldSelector.parse("metadata.name=x,bogus")
    expect(Either.isLeft(r) && [r.left.term, r.left.position]).toEqual(["bogus", 16])
    expect(Either.isLeft(r) && r.left.message).toContain("position 16")
  })
})

describe("FieldSelector.matches", () => {
  const table: ReadonlyArray<readonly [string, boolean]> = [
    ["", true],
    ["metadata.name=web-0", true],
    ["metadata.name==web-0", true],
    ["metadata.name=web-1", false],
    ["metadata.namespace=default,metadata.name=web-0", true],
    ["metadata.namespace!=default", false],
    ["status.phase=Running", true],
    ["status.phase!=Pending", true],
    ["spec.nodeName=node-1", true],
    ["spec.hostNetwork=false", true],
    ["spec.priority=5", true],
    // an absent field reads as "": `!=` matches it, `=` only matches the empty value
    ["spec.schedulerName!=default", true],
    ["spec.schedulerName=", true],
    ["spec.schedulerName=x", false],
    ["spec=x", false],
    ["metadata.labels.app=x", false]
  ]
  for (const [selector, expected] of table) {
    it(`${JSON.stringify(selector)} → ${expected}`, () => {
      expect(FieldSelector.matchesObject(parseOk(selector), pod)).toBe(expected)
    })
  }

  it("takes any field lookup, data-first or data-last", () => {
    const fields = (path: string) => (path === "type" ? "kubernetes.io/tls" : undefined)
    expect(FieldSelector.matches(parseOk("type=kubernetes.io/tls"), fields)).toBe(true)
    expect(FieldSelector.matches(fields)(parseOk("type!=kubernetes.io/tls"))).toBe(false)
  })

  it("objectFields reads names directly and walks other paths", () => {
    const read = FieldSelector.objectFields(pod)
    expect([read("metadata.name"), read("metadata.namespace"), read("status.phase"), read("spec")]).toEqual([
      "web-0",
      "default",
      "Running",
      undefined
    ])
  })
})

describe("FieldSelector helpers", () => {
  it("fromSet and requiresExactMatch", () => {
    const sel = FieldSelector.fromSet({ "metadata.namespace": "ns", "metadata.name": "a" })
    expect(FieldSelector.format(sel)).toBe("metadata.name=a,metadata.namespace=ns")
    expect(FieldSelector.requiresExactMatch(sel, "metadata.name")).toBe("a")
    expect(FieldSelector.requiresExactMatch(parseOk("metadata.name!=a"), "metadata.name")).toBeUndefined()
    expect(FieldSelector.isEverything(parseOk(""))).toBe(true)
    expect(FieldSelector.isEverything(sel)).toBe(false)
  })

  it.prop("escapeValue and unescapeValue are inverses", [FC.string()], ([value]) => {
    expect(FieldSelector.unescapeValue(FieldSelector.escapeValue(value))).toEqual(Either.right(value))
  })

  it.prop(
    "parse(format(s)) selects the same fields",
    [
      FC.array(
        FC.record({
          field: FC.constantFrom("metadata.name", "metadata.namespace", "status.phase"),
          operator: FC.constantFrom("Equals" as const, "NotEquals" as const),
          value: FC.string({ maxLength: 6 })
        }),
        { maxLength: 4 }
      ),
      FC.dictionary(FC.constantFrom("metadata.name", "metadata.namespace", "status.phase"), FC.string({ maxLength: 6 }))
    ],
    ([requirements, fields]) => {
      const selector = FieldSelector.make(requirements)
      const reparsed = FieldSelector.parse(FieldSelector.format(selector))
      expect(Either.isRight(reparsed)).toBe(true)
      if (Either.isLeft(reparsed)) return
      // "=" with an empty field and value would be dropped; fields here are never empty
      expect(reparsed.right).toEqual(selector)
      const lookup = (path: string) => fields[path]
      expect(FieldSelector.matches(reparsed.right, lookup)).toBe(FieldSelector.matches(selector, lookup))
    }
  )
})
