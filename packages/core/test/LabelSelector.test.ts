import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as FC from "effect/FastCheck"
import * as Schema from "effect/Schema"
import * as LabelSelector from "../src/LabelSelector.js"

// Recorded from k8s.io/apimachinery v0.37.2 labels.Parse (the apiserver's parser): `canonical`
// is Selector.String(), `error` is err.Error() — what the apiserver answers.
const oracle: ReadonlyArray<readonly [string, { readonly canonical: string } | { readonly error: string }]> = [
  ["", { canonical: "" }],
  ["  ", { canonical: "" }],
  ["a", { canonical: "a" }],
  ["!a", { canonical: "!a" }],
  ["a=b", { canonical: "a=b" }],
  ["a==b", { canonical: "a==b" }],
  ["a!=b", { canonical: "a!=b" }],
  ["a in (x,y)", { canonical: "a in (x,y)" }],
  ["a notin (x)", { canonical: "a notin (x)" }],
  ["a in ()", { canonical: "a in ()" }],
  ["a in (,)", { canonical: "a in ()" }],
  ["a in (y,,x)", { canonical: "a in (,x,y)" }],
  ["a=", { canonical: "a=" }],
  ["a==", { canonical: "a==" }],
  ["a!=", { canonical: "a!=" }],
  [" a = b , c in ( d , e ) ", { canonical: "a=b,c in (d,e)" }],
  ["a\tin\t(x)", { canonical: "a in (x)" }],
  ["in in (in)", { canonical: "in in (in)" }],
  ["notin notin (notin)", { canonical: "notin notin (notin)" }],
  ["a>1", { canonical: "a>1" }],
  ["a<10", { canonical: "a<10" }],
  ["x.io/a=b", { canonical: "x.io/a=b" }],
  ["b=1,a=2", { canonical: "a=2,b=1" }],
  ["a=b,a=c", { canonical: "a=b,a=c" }],
  ["a=b-c_d.e", { canonical: "a=b-c_d.e" }],
  ["a,", { error: "found '', expected: identifier after ','" }],
  [",a", { error: "found ',', expected: !, identifier, or 'end of string'" }],
  ["a,,b", { error: "found ',', expected: identifier after ','" }],
  ["a b", { error: "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt" }],
  ["!a=b", { error: "found '=', expected: ',' or 'end of string'" }],
  ["a in x", { error: "unable to parse requirement: found 'x' expected: '('" }],
  ["a in (x", { error: "unable to parse requirement: found '', expected: ',' or ')'" }],
  ["a in (x y)", { error: "unable to parse requirement: found 'y', expected: ',' or ')'" }],
  ["a in (b,=)", { error: "unable to parse requirement: found '=', expected: ',', or identifier" }],
  ["a=(b)", { error: "unable to parse requirement: found '(', expected: identifier" }],
  ["a=b=c", { error: "found '=', expected: ',' or 'end of string'" }],
  ["a=!", { error: "unable to parse requirement: found '!', expected: identifier" }],
  [
    "a>x",
    {
      error:
        "unable to parse requirement: values[0]: Invalid value: \"x\": for 'Gt', 'Lt' operators, the value must be an integer"
    }
  ],
  [
    "a>-1",
    {
      error:
        "unable to parse requirement: values[0][a]: Invalid value: \"-1\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
    }
  ],
  [
    "-a",
    {
      error:
        "unable to parse requirement: <nil>: Invalid value: \"-a\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
    }
  ],
  [
    "a=-b",
    {
      error:
        "unable to parse requirement: values[0][a]: Invalid value: \"-b\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
    }
  ],
  [
    "a/b/c=d",
    {
      error:
        "unable to parse requirement: <nil>: Invalid value: \"a/b/c\": a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
    }
  ],
  ["/a", { error: 'unable to parse requirement: <nil>: Invalid value: "/a": prefix part must be non-empty' }],
  [
    "A.io/a=b",
    {
      error:
        "unable to parse requirement: <nil>: Invalid value: \"A.io/a\": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
    }
  ],
  ["a===b", { error: "unable to parse requirement: found '=', expected: identifier" }],
  ["!", { error: "unable to parse requirement: found '', expected: identifier" }],
  [
    "é=a",
    {
      error:
        "unable to parse requirement: <nil>: Invalid value: \"é\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
    }
  ],
  [
    "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk",
    {
      error:
        'unable to parse requirement: <nil>: Invalid value: "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk": name part must be no more than 63 bytes'
    }
  ]
]

const parseOk = (s: string): LabelSelector.Selector => {
  const r = LabelSelector.parse(s)
  if (Either.isLeft(r)) throw new Error(`expected ${JSON.stringify(s)} to parse: ${r.left.message}`)
  return r.right
}

const parseErr = (s: string): LabelSelector.SelectorParseError => {
  const r = LabelSelector.parse(s)
  if (Either.isRight(r)) throw new Error(`expected ${JSON.stringify(s)} to fail, got ${LabelSelector.format(r.right)}`)
  return r.left
}

describe("LabelSelector.parse", () => {
  it("agrees with apimachinery on canonical form and error text", () => {
    for (const [input, expected] of oracle) {
      const result = LabelSelector.parse(input)
      if ("canonical" in expected) {
        expect(Either.isRight(result) && LabelSelector.format(result.right), input).toBe(expected.canonical)
      } else {
        expect(Either.isLeft(result) && result.left._tag, input).toBe("SelectorParseError")
        expect(Either.isLeft(result) && result.left.reason, input).toBe(expected.error)
      }
    }
  })

  it("builds the requirement AST, values sorted and unique, requirements sorted by key", () => {
    const sel = parseOk("tier notin (b,a,b), app=web, !legacy, env, n>3")
    expect(sel).toEqual({
      _tag: "Requirements",
      requirements: [
        { key: "app", operator: "Equals", values: ["web"] },
        { key: "env", operator: "Exists", values: [] },
        { key: "legacy", operator: "DoesNotExist", values: [] },
        { key: "n", operator: "GreaterThan", values: ["3"] },
        { key: "tier", operator: "NotIn", values: ["a", "b"] }
      ]
    })
  })

  it("parses the empty string (and blanks) to the selector that matches everything", () => {
    expect(LabelSelector.isEverything(parseOk(""))).toBe(true)
    expect(LabelSelector.isEverything(parseOk(" \t\n"))).toBe(true)
    expect(LabelSelector.matches(parseOk(""), undefined)).toBe(true)
  })

  it("names the offending token and its position", () => {
    const cases: ReadonlyArray<readonly [string, number, string]> = [
      ["a in (x y)", 8, "y"],
      ["app=web,", 8, ""],
      ["app=web tier", 8, "tier"],
      ["-a=b", 0, "-a"],
      ["a=b,x=-y", 4, "x"],
      ["a in x", 5, "x"],
      [",a", 0, ","]
    ]
    for (const [input, position, token] of cases) {
      const e = parseErr(input)
      expect([e.position, e.token], input).toEqual([position, token])
      expect(e.message).toContain(`position ${position}`)
      expect(e.message).toContain(e.reason)
    }
  })
})

describe("LabelSelector.matches", () => {
  const labels = { app: "web", tier: "fe", n: "10", empty: "" }
  const table: ReadonlyArray<readonly [string, LabelSelector.Labels, boolean]> = [
    ["app=web", labels, true],
    ["app==web", labels, true],
    ["app=db", labels, false],
    ["app!=db", labels, true],
    ["missing!=x", labels, true],
    ["missing=x", labels, false],
    ["app in (db,web)", labels, true],
    ["app in (db)", labels, false],
    ["missing in (x)", labels, false],
    ["app notin (web)", labels, false],
    ["missing notin (x)", labels, true],
    ["app", labels, true],
    ["missing", labels, false],
    ["!app", labels, false],
    ["!missing", labels, true],
    ["empty=", labels, true],
    ["empty", labels, true],
    ["missing=", labels, false],
    ["empty in ()", labels, true],
    ["n>9", labels, true],
    ["n>10", labels, false],
    ["n<11", labels, true],
    ["app>1", labels, false],
    ["missing<1", labels, false],
    ["app=web,tier=fe", labels, true],
    ["app=web,tier=be", labels, false],
    ["!app", undefined, true],
    ["app", undefined, false],
    ["app!=web", undefined, true],
    // a label key named like an Object.prototype member is not "present" unless set
    ["constructor", {}, false],
    ["!constructor", {}, true],
    ["constructor=x", { constructor: "x" }, true]
  ]
  for (const [selector, input, expected] of table) {
    it(`${JSON.stringify(selector)} on ${JSON.stringify(input)} → ${expected}`, () => {
      expect(LabelSelector.matches(parseOk(selector), input)).toBe(expected)
    })
  }

  it("is dual: data-last form for pipes", () => {
    const isWeb = LabelSelector.matches({ app: "web" })
    expect(isWeb(parseOk("app=web"))).toBe(true)
    expect(isWeb(parseOk("app=db"))).toBe(false)
  })

  it("nothing matches nothing, and prints like everything", () => {
    expect(LabelSelector.matches(LabelSelector.nothing, {})).toBe(false)
    expect(LabelSelector.matches(LabelSelector.nothing, undefined)).toBe(false)
    expect(LabelSelector.format(LabelSelector.nothing)).toBe("")
    expect(LabelSelector.isEverything(LabelSelector.nothing)).toBe(false)
  })
})

describe("LabelSelector structured form", () => {
  it("converts matchLabels and matchExpressions (LabelSelectorAsSelector)", () => {
    const r = LabelSelector.fromStructured({
      matchLabels: { app: "web" },
      matchExpressions: [
        { key: "tier", operator: "In", values: ["fe", "be"] },
        { key: "legacy", operator: "DoesNotExist" }
      ]
    })
    expect(Either.isRight(r) && LabelSelector.format(r.right)).toBe("app=web,!legacy,tier in (be,fe)")
  })

  it("absent → nothing, empty → everything", () => {
    expect(LabelSelector.fromStructured(undefined)).toEqual(Either.right(LabelSelector.nothing))
    const empty = LabelSelector.fromStructured({})
    expect(Either.isRight(empty) && LabelSelector.isEverything(empty.right)).toBe(true)
  })

  it("rejects what NewRequirement rejects, with apimachinery's message", () => {
    const cases: ReadonlyArray<readonly [LabelSelector.Structured, string]> = [
      [
        { matchExpressions: [{ key: "a", operator: "In", values: [] }] },
        "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty"
      ],
      [
        { matchExpressions: [{ key: "a", operator: "Exists", values: ["x"] }] },
        'values: Invalid value: ["x"]: values set must be empty for exists and does not exist'
      ],
      [
        { matchLabels: { a: "-b" } },
        "values[0][a]: Invalid value: \"-b\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
      ]
    ]
    for (const [structured, message] of cases) {
      const r = LabelSelector.fromStructured(structured)
      expect(Either.isLeft(r) && r.left._tag).toBe("InvalidRequirement")
      expect(Either.isLeft(r) && r.left.message).toBe(message)
    }
  })

  it("decodes the structured Schema and rejects unknown operators", () => {
    const decode = Schema.decodeUnknownEither(LabelSelector.Structured)
    expect(Either.isRight(decode({ matchExpressions: [{ key: "a", operator: "Exists" }] }))).toBe(true)
    expect(Either.isLeft(decode({ matchExpressions: [{ key: "a", operator: "Gt", values: ["1"] }] }))).toBe(true)
  })
})

describe("LabelSelector helpers", () => {
  it("requirement validates like NewRequirement", () => {
    expect(LabelSelector.requirement("a", "Equals", ["x", "y"])).toMatchObject(
      Either.left({
        _tag: "InvalidRequirement",
        message: 'values: Invalid value: ["x","y"]: exact-match compatibility requires one single value'
      })
    )
    expect(LabelSelector.requirement("a", "GreaterThan", ["12"])).toEqual(
      Either.right({ key: "a", operator: "GreaterThan", values: ["12"] })
    )
  })

  it("fromSet, and, requiresExactMatch", () => {
    const a = LabelSelector.fromSet({ tier: "fe", app: "web" })
    expect(LabelSelector.format(a)).toBe("app=web,tier=fe")
    const both = LabelSelector.and(a, parseOk("!legacy"))
    expect(LabelSelector.format(both)).toBe("app=web,!legacy,tier=fe")
    expect(LabelSelector.and(a, LabelSelector.nothing)).toEqual(LabelSelector.nothing)
    expect(LabelSelector.requiresExactMatch(parseOk("app in (web)"), "app")).toBe("web")
    expect(LabelSelector.requiresExactMatch(parseOk("app in (web,db)"), "app")).toBeUndefined()
    expect(LabelSelector.requiresExactMatch(parseOk("app!=web"), "app")).toBeUndefined()
    expect(LabelSelector.requiresExactMatch(parseOk("app=web"), "tier")).toBeUndefined()
  })

  it("the FromString Schema decodes, fails with the parse message, and encodes canonically", () => {
    const decoded = Schema.decodeUnknownEither(LabelSelector.FromString)("tier in (b,a),app=web")
    expect(Either.isRight(decoded) && Schema.encodeSync(LabelSelector.FromString)(decoded.right)).toBe(
      "app=web,tier in (a,b)"
    )
    const failed = Schema.decodeUnknownEither(LabelSelector.FromString)("a in x")
    expect(Either.isLeft(failed) && failed.left.message).toContain("found 'x' expected: '('")
  })
})

// ---------------------------------------------------------------------------------------------
// Property: printing then parsing gives back the same selector, which selects the same labels.

const keys = ["app", "tier", "example.com/role", "a.b_c-d", "in", "x"] as const
const values = ["", "web", "fe", "be", "1", "42", "a.b"] as const
const arbKey = FC.constantFrom(...keys)
const arbValue = FC.constantFrom(...values)
const arbRequirement: FC.Arbitrary<LabelSelector.Requirement> = FC.oneof(
  FC.record({
    key: arbKey,
    operator: FC.constantFrom("Equals" as const, "DoubleEquals" as const, "NotEquals" as const),
    values: FC.tuple(arbValue)
  }),
  FC.record({
    key: arbKey,
    operator: FC.constantFrom("In" as const, "NotIn" as const),
    values: FC.uniqueArray(arbValue, { minLength: 1, maxLength: 4 }).map((vs) => [...vs].sort())
  }),
  FC.record({
    key: arbKey,
    operator: FC.constantFrom("Exists" as const, "DoesNotExist" as const),
    values: FC.constant([])
  }),
  FC.record({
    key: arbKey,
    operator: FC.constantFrom("GreaterThan" as const, "LessThan" as const),
    values: FC.tuple(FC.integer({ min: 0, max: 99 }).map(String))
  })
)
const arbSelector = FC.array(arbRequirement, { maxLength: 5 }).map(LabelSelector.make)
const arbLabels = FC.dictionary(arbKey, FC.constantFrom(...values, "7", "100"), { maxKeys: 6 })

describe("LabelSelector properties", () => {
  it.prop(
    "parse(format(s)) is s and selects the same label sets",
    [arbSelector, FC.array(arbLabels, { minLength: 1, maxLength: 20 })],
    ([selector, labelSets]) => {
      const printed = LabelSelector.format(selector)
      const reparsed = LabelSelector.parse(printed)
      expect(Either.isRight(reparsed)).toBe(true)
      if (Either.isLeft(reparsed)) return
      expect(reparsed.right).toEqual(selector)
      for (const labels of labelSets) {
        expect(LabelSelector.matches(reparsed.right, labels)).toBe(LabelSelector.matches(selector, labels))
      }
    },
    { fastCheck: { numRuns: 300 } }
  )

  it.prop(
    "format is canonical: requirement order does not change the printed form",
    [FC.array(arbRequirement, { maxLength: 5 })],
    ([requirements]) => {
      const forward = LabelSelector.format(LabelSelector.make(requirements))
      const backward = LabelSelector.format(LabelSelector.make([...requirements].reverse()))
      expect(backward).toBe(forward)
    }
  )
})
