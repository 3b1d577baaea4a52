/**
 * Label selectors: the string form (`app=web,tier in (fe,be),!legacy`) and the structured
 * `metav1.LabelSelector` (`matchLabels` + `matchExpressions`), both turned into one AST of
 * requirements (ANDed) that {@link matches} label sets.
 *
 * Parsing follows `k8s.io/apimachinery/pkg/labels.Parse` (1.37): same grammar, same key/value
 * validation, same error texts (in {@link SelectorParseError.reason}); `>`/`<` (`gt`/`lt`) are
 * accepted as the apiserver does. {@link format} is canonical (requirements sorted by key,
 * values sorted and de-duplicated), so equal selectors print equal — usable as a cache key.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Either from "effect/Either"
import { dual } from "effect/Function"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as Names from "./Names.js"

// ---------------------------------------------------------------------------------------------
// Structured form

/**
 * One `matchExpressions[]` entry of a structured label selector.
 *
 * @example
 * const req: StructuredRequirement = { key: "tier", operator: "In", values: ["fe", "be"] }
 * @since 0.1.0
 */
export const StructuredRequirement = Schema.Struct({
  key: Schema.String,
  operator: Schema.Literal("In", "NotIn", "Exists", "DoesNotExist"),
  values: Schema.optional(Schema.Array(Schema.String))
})
/** @since 0.1.0 */
export type StructuredRequirement = typeof StructuredRequirement.Type

/**
 * The structured `metav1.LabelSelector` used in specs (`Deployment.spec.selector`, …). Both
 * parts are ANDed; an empty selector matches everything.
 *
 * @example
 * const sel: Structured = { matchLabels: { app: "web" } }
 * @since 0.1.0
 */
export const Structured = Schema.Struct({
  matchLabels: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String })),
  matchExpressions: Schema.optional(Schema.Array(StructuredRequirement))
})
/** @since 0.1.0 */
export type Structured = typeof Structured.Type

// ---------------------------------------------------------------------------------------------
// AST

/**
 * A requirement operator. `Equals`/`DoubleEquals` (`=`/`==`) match alike and are kept apart
 * only so that printing gives back what was written.
 *
 * @since 0.1.0
 */
export type Operator =
  | "In"
  | "NotIn"
  | "Equals"
  | "DoubleEquals"
  | "NotEquals"
  | "Exists"
  | "DoesNotExist"
  | "GreaterThan"
  | "LessThan"

/**
 * One requirement: `key <operator> values`. Values are sorted and unique.
 *
 * @since 0.1.0
 */
export interface Requirement {
  readonly key: string
  readonly operator: Operator
  readonly values: ReadonlyArray<string>
}

/**
 * A parsed selector: requirements that must all hold (none = everything), or `Nothing`, the
 * selector of an absent structured selector (matches no object).
 *
 * @since 0.1.0
 */
export type Selector =
  | { readonly _tag: "Requirements"; readonly requirements: ReadonlyArray<Requirement> }
  | { readonly _tag: "Nothing" }

/**
 * Labels as stored on objects (`metadata.labels`); absent = no labels.
 *
 * @since 0.1.0
 */
export type Labels = { readonly [key: string]: string } | undefined

/**
 * A requirement that breaks the rules of `NewRequirement` (bad key or value, wrong number of
 * values for its operator). `message` is apimachinery's text.
 *
 * @since 0.1.0
 */
export class InvalidRequirement extends Data.TaggedError("InvalidRequirement")<{
  readonly key: string
  readonly operator: string
  readonly message: string
  readonly errors: ReadonlyArray<Names.FieldError>
}> {}

/**
 * A label selector string that does not parse. `reason` is apimachinery's text (what the
 * apiserver answers), `position` the offset of the offending token in `selector`, `token` its
 * text (`""` at the end of input).
 *
 * @since 0.1.0
 */
export class SelectorParseError extends Data.TaggedError("SelectorParseError")<{
  readonly selector: string
  readonly position: number
  readonly token: string
  readonly reason: string
  readonly message: string
}> {}

/**
 * The selector that matches every label set (the empty string).
 *
 * @since 0.1.0
 */
export const everything: Selector = { _tag: "Requirements", requirements: [] }

/**
 * The selector that matches nothing (what an absent structured selector means).
 *
 * @since 0.1.0
 */
export const nothing: Selector = { _tag: "Nothing" }

const sortedUnique = (values: ReadonlyArray<string>): ReadonlyArray<string> => {
  if (values.length < 2) return values
  return [...new Set(values)].sort()
}

const int64 = /^[+-]?[0-9]+$/
const MaxInt64 = 9223372036854775807n
const MinInt64 = -9223372036854775808n
const parseInt64 = (s: string): bigint | undefined => {
  if (!int64.test(s)) return undefined
  const n = BigInt(s)
  return n > MaxInt64 || n < MinInt64 ? undefined : n
}

const validateRequirement = (
  key: string,
  operator: Operator,
  values: ReadonlyArray<string>
): ReadonlyArray<Names.FieldError> => {
  const errors: Array<Names.FieldError> = []
  const keyErrors = Names.isLabelKey(key)
  if (keyErrors.length > 0) errors.push(Names.invalid("key", key, keyErrors.join("; ")))
  // Go renders an empty values slice as null (it is nil there)
  const shownValues = values.length === 0 ? null : values
  switch (operator) {
    case "In":
    case "NotIn":
      if (values.length === 0) {
        errors.push(Names.invalid("values", shownValues, "for 'in', 'notin' operators, values set can't be empty"))
      }
      break
    case "Equals":
    case "DoubleEquals":
    case "NotEquals":
      if (values.length !== 1) {
        errors.push(Names.invalid("values", shownValues, "exact-match compatibility requires one single value"))
      }
      break
    case "Exists":
    case "DoesNotExist":
      if (values.length !== 0) {
        errors.push(Names.invalid("values", shownValues, "values set must be empty for exists and does not exist"))
      }
      break
    case "GreaterThan":
    case "LessThan":
      if (values.length !== 1) {
        errors.push(Names.invalid("values", shownValues, "for 'Gt', 'Lt' operators, exactly one value is required"))
      }
      values.forEach((v, i) => {
        if (parseInt64(v) === undefined) {
          errors.push(Names.invalid(`values[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"))
        }
      })
      break
    default:
      errors.push({
        type: "FieldValueNotSupported",
        field: "operator",
        badValue: operator,
        detail: 'supported values: "in", "notin", "=", "==", "!=", "gt", "lt", "exists", "!"'
      })
  }
  values.forEach((v, i) => {
    const valueErrors = Names.isLabelValue(v)
    if (valueErrors.length > 0) errors.push(Names.invalid(`values[${i}][${key}]`, v, valueErrors.join("; ")))
  })
  return errors
}

/**
 * Builds a validated requirement (apimachinery's `NewRequirement`): `In`/`NotIn` need values,
 * `=`/`==`/`!=`/`gt`/`lt` exactly one (`gt`/`lt` an integer), `Exists`/`DoesNotExist` none;
 * the key must be a qualified name and values valid label values. The empty string is a valid
 * value.
 *
 * @example
 * LabelSelector.requirement("tier", "In", ["fe", "be"]) // Right({ key: "tier", operator: "In", values: ["be", "fe"] })
 * @since 0.1.0
 */
export const requirement = (
  key: string,
  operator: Operator,
  values: ReadonlyArray<string> = []
): Either.Either<Requirement, InvalidRequirement> => {
  const sorted = sortedUnique(values)
  const errors = validateRequirement(key, operator, sorted)
  if (errors.length > 0) {
    return Either.left(
      new InvalidRequirement({
        key,
        operator,
        message: Names.aggregate(errors.map(Names.fieldErrorString)),
        errors
      })
    )
  }
  return Either.right({ key, operator, values: sorted })
}

const compareRequirements = (a: Requirement, b: Requirement): number => {
  if (a.key !== b.key) return a.key < b.key ? -1 : 1
  const sa = requirementToString(a)
  const sb = requirementToString(b)
  return sa === sb ? 0 : sa < sb ? -1 : 1
}

/**
 * A selector from requirements (ANDed), in canonical order. Requirements are taken as given —
 * build them with {@link requirement} to validate.
 *
 * @example
 * LabelSelector.make([{ key: "app", operator: "Equals", values: ["web"] }])
 * @since 0.1.0
 */
export const make = (requirements: ReadonlyArray<Requirement>): Selector => ({
  _tag: "Requirements",
  requirements: [...requirements].sort(compareRequirements)
})

/**
 * The selector that requires every given label to have the given value (apimachinery's
 * `SelectorFromSet`, without validation: the apiserver rejects bad keys).
 *
 * @example
 * LabelSelector.format(LabelSelector.fromSet({ app: "web", tier: "fe" })) // "app=web,tier=fe"
 * @since 0.1.0
 */
export const fromSet = (labels: { readonly [key: string]: string }): Selector =>
  make(Object.entries(labels).map(([key, value]) => ({ key, operator: "Equals", values: [value] })))

/**
 * Converts a structured `metav1.LabelSelector` (`LabelSelectorAsSelector`): `undefined` →
 * {@link nothing}; no labels and no expressions → {@link everything}; otherwise the validated
 * requirements.
 *
 * @example
 * LabelSelector.fromStructured({ matchLabels: { app: "web" }, matchExpressions: [{ key: "tier", operator: "Exists" }] })
 * @since 0.1.0
 */
export const fromStructured = (structured: Structured | undefined): Either.Either<Selector, InvalidRequirement> => {
  if (structured === undefined) return Either.right(nothing)
  const out: Array<Requirement> = []
  for (const [key, value] of Object.entries(structured.matchLabels ?? {})) {
    const r = requirement(key, "Equals", [value])
    if (Either.isLeft(r)) return Either.left(r.left)
    out.push(r.right)
  }
  for (const expr of structured.matchExpressions ?? []) {
    const r = requirement(expr.key, expr.operator, expr.values ?? [])
    if (Either.isLeft(r)) return Either.left(r.left)
    out.push(r.right)
  }
  return Either.right(make(out))
}

/**
 * Whether the selector places no restriction (matches every label set). `nothing` is not empty.
 *
 * @since 0.1.0
 */
export const isEverything = (selector: Selector): boolean =>
  selector._tag === "Requirements" && selector.requirements.length === 0

/**
 * Both selectors at once.
 *
 * @example
 * LabelSelector.and(a, b)
 * @since 0.1.0
 */
export const and = (a: Selector, b: Selector): Selector =>
  a._tag === "Nothing" || b._tag === "Nothing" ? nothing : make([...a.requirements, ...b.requirements])

/**
 * The value the selector requires `key` to have, if its requirement on `key` pins one (`=`,
 * `==`, or `in` with one value): lets a cache answer from an index instead of a scan.
 *
 * @example
 * LabelSelector.requiresExactMatch(sel, "app") // "web" | undefined
 * @since 0.1.0
 */
export const requiresExactMatch = (selector: Selector, key: string): string | undefined => {
  if (selector._tag === "Nothing") return undefined
  for (const r of selector.requirements) {
    if (r.key !== key) continue
    if ((r.operator === "Equals" || r.operator === "DoubleEquals" || r.operator === "In") && r.values.length === 1) {
      return r.values[0]
    }
    return undefined
  }
  return undefined
}

// ---------------------------------------------------------------------------------------------
// Matching

const has = (labels: Labels, key: string): labels is { readonly [key: string]: string } =>
  labels !== undefined && Object.hasOwn(labels, key)

/**
 * Whether one requirement holds for a label set. `NotIn`/`!=` hold when the label is absent;
 * `gt`/`lt` need an integer label value.
 *
 * @since 0.1.0
 */
export const requirementMatches = (r: Requirement, labels: Labels): boolean => {
  switch (r.operator) {
    case "In":
    case "Equals":
    case "DoubleEquals":
      return has(labels, r.key) && r.values.includes(labels[r.key] ?? "")
    case "NotIn":
    case "NotEquals":
      return !has(labels, r.key) || !r.values.includes(labels[r.key] ?? "")
    case "Exists":
      return has(labels, r.key)
    case "DoesNotExist":
      return !has(labels, r.key)
    case "GreaterThan":
    case "LessThan": {
      if (!has(labels, r.key) || r.values.length !== 1) return false
      const actual = parseInt64(labels[r.key] ?? "")
      const bound = parseInt64(r.values[0] ?? "")
      if (actual === undefined || bound === undefined) return false
      return r.operator === "GreaterThan" ? actual > bound : actual < bound
    }
  }
}

/**
 * Whether a label set satisfies the selector. The empty selector matches everything (including
 * absent labels); {@link nothing} matches nothing. No allocation: safe for hot paths.
 *
 * @example
 * LabelSelector.matches(sel, { app: "web" })
 * pipe(sel, LabelSelector.matches(obj.metadata.labels))
 * @since 0.1.0
 */
export const matches: {
  (labels: Labels): (selector: Selector) => boolean
  (selector: Selector, labels: Labels): boolean
} = dual(2, (selector: Selector, labels: Labels): boolean => {
  if (selector._tag === "Nothing") return false
  for (const r of selector.requirements) {
    if (!requirementMatches(r, labels)) return false
  }
  return true
})

// ---------------------------------------------------------------------------------------------
// Printing

/**
 * One requirement in the string syntax.
 *
 * @example
 * LabelSelector.requirementToString({ key: "tier", operator: "NotIn", values: ["a", "b"] }) // "tier notin (a,b)"
 * @since 0.1.0
 */
export const requirementToString = (r: Requirement): string => {
  const values = r.values.join(",")
  switch (r.operator) {
    case "Exists":
      return r.key
    case "DoesNotExist":
      return `!${r.key}`
    case "Equals":
      return `${r.key}=${values}`
    case "DoubleEquals":
      return `${r.key}==${values}`
    case "NotEquals":
      return `${r.key}!=${values}`
    case "In":
      return `${r.key} in (${values})`
    case "NotIn":
      return `${r.key} notin (${values})`
    case "GreaterThan":
      return `${r.key}>${values}`
    case "LessThan":
      return `${r.key}<${values}`
  }
}

/**
 * The canonical string form (`labelSelector=` query parameter). {@link everything} and
 * {@link nothing} both print as `""` — never send `nothing` to the server, it would select all.
 *
 * @example
 * LabelSelector.format(sel) // "app=web,tier in (be,fe)"
 * @since 0.1.0
 */
export const format = (selector: Selector): string =>
  selector._tag === "Nothing" ? "" : selector.requirements.map(requirementToString).join(",")

// ---------------------------------------------------------------------------------------------
// Parsing

type TokenKind = "Ident" | "EOS" | "(" | ")" | "," | "!" | "=" | "==" | "!=" | ">" | "<"

interface Token {
  readonly kind: TokenKind
  readonly text: string
  readonly pos: number
}

const singleKinds: { readonly [c: string]: TokenKind } = {
  "=": "=",
  "!": "!",
  "(": "(",
  ")": ")",
  ",": ",",
  ">": ">",
  "<": "<"
}

const isWhitespace = (c: string): boolean => c === " " || c === "\t" || c === "\r" || c === "\n"
const isSpecial = (c: string): boolean => Object.hasOwn(singleKinds, c)

const lex = (s: string): ReadonlyArray<Token> => {
  const tokens: Array<Token> = []
  let i = 0
  for (;;) {
    while (i < s.length && isWhitespace(s.charAt(i))) i++
    if (i >= s.length) {
      tokens.push({ kind: "EOS", text: "", pos: s.length })
      return tokens
    }
    const start = i
    const c = s.charAt(i)
    if (isSpecial(c)) {
      // longest match: the only two-character operators are "!=" and "=="
      const two = s.slice(i, i + 2)
      if (two === "!=" || two === "==") {
        tokens.push({ kind: two, text: two, pos: start })
        i += 2
      } else {
        tokens.push({ kind: singleKinds[c] ?? "Ident", text: c, pos: start })
        i += 1
      }
      continue
    }
    while (i < s.length && !isSpecial(s.charAt(i)) && !isWhitespace(s.charAt(i))) i++
    // "in"/"notin" stay identifiers: they are operators only where an operator is expected
    tokens.push({ kind: "Ident", text: s.slice(start, i), pos: start })
  }
}

class Failure {
  constructor(
    readonly reason: string,
    readonly token: Token
  ) {}
}

const binaryOperators = "in, notin, =, ==, !=, gt, lt"

class Parser {
  private i = 0
  constructor(private readonly tokens: ReadonlyArray<Token>) {}

  private peek(): Token {
    return this.tokens[Math.min(this.i, this.tokens.length - 1)] ?? { kind: "EOS", text: "", pos: 0 }
  }
  private next(): Token {
    const t = this.peek()
    this.i++
    return t
  }

  parse(): Array<Requirement> | Failure {
    const requirements: Array<Requirement> = []
    for (;;) {
      const t = this.peek()
      if (t.kind === "Ident" || t.kind === "!") {
        const r = this.parseRequirement()
        if (r instanceof Failure) return new Failure(`unable to parse requirement: ${r.reason}`, r.token)
        requirements.push(r)
        const after = this.next()
        if (after.kind === "EOS") return requirements
        if (after.kind === ",") {
          const t2 = this.peek()
          if (t2.kind !== "Ident" && t2.kind !== "!") {
            return new Failure(`found '${t2.text}', expected: identifier after ','`, t2)
          }
          continue
        }
        return new Failure(`found '${after.text}', expected: ',' or 'end of string'`, after)
      }
      if (t.kind === "EOS") return requirements
      return new Failure(`found '${t.text}', expected: !, identifier, or 'end of string'`, t)
    }
  }

  private parseRequirement(): Requirement | Failure {
    let negated = false
    let keyToken = this.next()
    if (keyToken.kind === "!") {
      negated = true
      keyToken = this.next()
    }
    if (keyToken.kind !== "Ident") return new Failure(`found '${keyToken.text}', expected: identifier`, keyToken)
    const key = keyToken.text
    const keyErrors = Names.isLabelKey(key)
    if (keyErrors.length > 0) {
      // apimachinery validates the key against a nil field path, hence the literal "<nil>"
      return new Failure(`<nil>: ${Names.fieldErrorBody(Names.invalid("", key, keyErrors.join("; ")))}`, keyToken)
    }
    const look = this.peek().kind
    let operator: Operator
    let values: ReadonlyArray<string>
    if (negated) {
      operator = "DoesNotExist"
      values = []
    } else if (look === "EOS" || look === ",") {
      operator = "Exists"
      values = []
    } else {
      const op = this.parseOperator()
      if (op instanceof Failure) return op
      operator = op
      const vs = op === "In" || op === "NotIn" ? this.parseValues() : this.parseExactValue()
      if (vs instanceof Failure) return vs
      values = vs
    }
    const sorted = sortedUnique(values)
    const errors = validateRequirement(key, operator, sorted)
    if (errors.length > 0) return new Failure(Names.aggregate(errors.map(Names.fieldErrorString)), keyToken)
    return { key, operator, values: sorted }
  }

  private parseOperator(): Operator | Failure {
    const t = this.next()
    switch (t.kind) {
      case "Ident":
        if (t.text === "in") return "In"
        if (t.text === "notin") return "NotIn"
        break
      case "=":
        return "Equals"
      case "==":
        return "DoubleEquals"
      case "!=":
        return "NotEquals"
      case ">":
        return "GreaterThan"
      case "<":
        return "LessThan"
    }
    return new Failure(`found '${t.text}', expected: ${binaryOperators}`, t)
  }

  private parseValues(): Array<string> | Failure {
    const open = this.next()
    if (open.kind !== "(") return new Failure(`found '${open.text}' expected: '('`, open)
    const t = this.peek()
    if (t.kind === "Ident" || t.kind === ",") {
      const list = this.parseIdentifiersList()
      if (list instanceof Failure) return list
      this.next() // the ")" the list stopped at
      return list
    }
    if (t.kind === ")") {
      this.next()
      // "()" is the set holding the empty string, as in apimachinery
      return [""]
    }
    return new Failure(`found '${t.text}', expected: ',', ')' or identifier`, t)
  }

  // A comma-separated list where empty items are the empty string: "(a,,b)", "(,a)", "(a,)".
  private parseIdentifiersList(): Array<string> | Failure {
    const values: Array<string> = []
    for (;;) {
      const t = this.next()
      if (t.kind === "Ident") {
        values.push(t.text)
        const t2 = this.peek()
        if (t2.kind === ",") continue
        if (t2.kind === ")") return values
        return new Failure(`found '${t2.text}', expected: ',' or ')'`, t2)
      }
      if (t.kind === ",") {
        if (values.length === 0) values.push("")
        const t2 = this.peek()
        if (t2.kind === ")") {
          values.push("")
          return values
        }
        if (t2.kind === ",") {
          this.next()
          values.push("")
        }
        continue
      }
      return new Failure(`found '${t.text}', expected: ',', or identifier`, t)
    }
  }

  private parseExactValue(): Array<string> | Failure {
    const look = this.peek()
    if (look.kind === "EOS" || look.kind === ",") return [""]
    const t = this.next()
    if (t.kind === "Ident") return [t.text]
    return new Failure(`found '${t.text}', expected: identifier`, t)
  }
}

/**
 * Parses the string syntax:
 * `key`, `!key`, `key=v`, `key==v`, `key!=v`, `key in (a,b)`, `key notin (a)`, `key>1`, `key<1`,
 * comma-separated (AND), whitespace-tolerant. `""` parses to {@link everything}.
 *
 * @example
 * LabelSelector.parse("app=web, tier in (fe,be), !legacy") // Right(selector)
 * LabelSelector.parse("app in fe")                          // Left(SelectorParseError)
 * @since 0.1.0
 */
export const parse = (selector: string): Either.Either<Selector, SelectorParseError> => {
  const result = new Parser(lex(selector)).parse()
  if (result instanceof Failure) {
    const { pos, text } = result.token
    return Either.left(
      new SelectorParseError({
        selector,
        position: pos,
        token: text,
        reason: result.reason,
        message: `invalid label selector ${JSON.stringify(selector)} at position ${pos}${text === "" ? " (end of input)" : ` ('${text}')`}: ${result.reason}`
      })
    )
  }
  return Either.right(make(result))
}

const isSelector = (u: unknown): u is Selector =>
  typeof u === "object" &&
  u !== null &&
  "_tag" in u &&
  ((u._tag === "Requirements" && "requirements" in u && Array.isArray(u.requirements)) || u._tag === "Nothing")

/**
 * A Schema for a parsed {@link Selector} value.
 *
 * @since 0.1.0
 */
export const SelectorSchema: Schema.Schema<Selector> = Schema.declare(isSelector, { identifier: "LabelSelector" })

/**
 * A Schema from the string syntax to a {@link Selector} (e.g. for `Config` or CLI flags).
 * Encoding prints the canonical form.
 *
 * @example
 * Schema.decodeUnknownSync(LabelSelector.FromString)("app=web")
 * @since 0.1.0
 */
export const FromString: Schema.Schema<Selector, string> = Schema.transformOrFail(Schema.String, SelectorSchema, {
  strict: true,
  decode: (s, _, ast) =>
    Either.match(parse(s), {
      onLeft: (e) => ParseResult.fail(new ParseResult.Type(ast, s, e.message)),
      onRight: (sel) => ParseResult.succeed(sel)
    }),
  encode: (sel) => ParseResult.succeed(format(sel))
})

export {
  /** Alias of {@link format}. @since 0.1.0 */
  format as toString
}
