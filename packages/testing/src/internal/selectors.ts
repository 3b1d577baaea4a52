/**
 * Label and field selectors as the apiserver parses them (k8s.io/apimachinery `labels.Parse`,
 * `fields.ParseSelector`), with its error texts, plus matching against stored objects.
 *
 * @internal
 */
import { isQualifiedName, isValidLabelValue } from "./validation.js"

// ---------------------------------------------------------------------------------------------
// label selectors

type Op = "in" | "notin" | "=" | "==" | "!=" | "gt" | "lt" | "exists" | "!"

/** One parsed requirement. */
export interface Requirement {
  readonly key: string
  readonly op: Op
  readonly values: ReadonlyArray<string>
}

/** A parsed label selector: every requirement must match. Empty matches everything. */
export type LabelSelector = ReadonlyArray<Requirement>

type Token =
  | "Error"
  | "EndOfString"
  | "ClosedPar"
  | "Comma"
  | "DoesNotExist"
  | "DoubleEquals"
  | "Equals"
  | "GreaterThan"
  | "Identifier"
  | "In"
  | "LessThan"
  | "NotEquals"
  | "NotIn"
  | "OpenPar"

const string2token: Readonly<Record<string, Token>> = {
  ")": "ClosedPar",
  ",": "Comma",
  "!": "DoesNotExist",
  "==": "DoubleEquals",
  "=": "Equals",
  ">": "GreaterThan",
  in: "In",
  "<": "LessThan",
  "!=": "NotEquals",
  notin: "NotIn",
  "(": "OpenPar"
}
const tokenOf = (s: string): Token | undefined => (Object.hasOwn(string2token, s) ? string2token[s] : undefined)

const isWhitespace = (ch: string): boolean => ch === " " || ch === "\t" || ch === "\r" || ch === "\n"
const isSpecial = (ch: string): boolean =>
  ch === "=" || ch === "!" || ch === "(" || ch === ")" || ch === "," || ch === ">" || ch === "<"

type Item = readonly [Token, string]

const lexAll = (input: string): Array<Item> => {
  let pos = 0
  const read = (): string => (pos < input.length ? input[pos++] : "")
  const unread = () => {
    pos--
  }
  const items: Array<Item> = []
  for (;;) {
    let ch = read()
    while (ch !== "" && isWhitespace(ch)) ch = read()
    let item: Item
    if (ch === "") {
      item = ["EndOfString", ""]
    } else if (isSpecial(ch)) {
      unread()
      let last: Item | undefined
      let buffer = ""
      for (;;) {
        const c = read()
        if (c === "") break
        if (isSpecial(c)) {
          buffer += c
          const t = tokenOf(buffer)
          if (t !== undefined) last = [t, buffer]
          else if (last !== undefined) {
            unread()
            break
          }
        } else {
          unread()
          break
        }
      }
      item = last ?? ["Error", `error expected: keyword found '${buffer}'`]
    } else {
      unread()
      let buffer = ""
      for (;;) {
        const c = read()
        if (c === "") break
        if (isSpecial(c) || isWhitespace(c)) {
          unread()
          break
        }
        buffer += c
      }
      item = [tokenOf(buffer) ?? "Identifier", buffer]
    }
    items.push(item)
    if (item[0] === "EndOfString") return items
  }
}

const binaryOperators = ["in", "notin", "=", "==", "!=", "gt", "lt"]

class ParseFailure {
  constructor(readonly message: string) {}
}

/** The parse error of a requirement built from invalid parts (`NewRequirement`). */
const requirementErrors = (key: string, op: Op, values: ReadonlyArray<string>): Array<string> => {
  const errs: Array<string> = []
  const keyErrs = isQualifiedName(key, "a valid label key")
  if (keyErrs.length > 0) errs.push(`key: Invalid value: ${JSON.stringify(key)}: ${keyErrs.join("; ")}`)
  const printed = `[]string{${values.map((v) => JSON.stringify(v)).join(", ")}}`
  switch (op) {
    case "in":
    case "notin":
      if (values.length === 0) {
        errs.push(`values: Invalid value: ${printed}: for 'in', 'notin' operators, values set can't be empty`)
      }
      break
    case "=":
    case "==":
    case "!=":
      if (values.length !== 1) {
        errs.push(`values: Invalid value: ${printed}: exact-match compatibility requires one single value`)
      }
      break
    case "exists":
    case "!":
      if (values.length !== 0) {
        errs.push(`values: Invalid value: ${printed}: values set must be empty for exists and does not exist`)
      }
      break
    case "gt":
    case "lt":
      if (values.length !== 1) {
        errs.push(`values: Invalid value: ${printed}: for 'Gt', 'Lt' operators, exactly one value is required`)
      }
      values.forEach((v, i) => {
        if (!/^[+-]?\d+$/.test(v)) {
          errs.push(
            `values[${i}]: Invalid value: ${JSON.stringify(v)}: for 'Gt', 'Lt' operators, the value must be an integer`
          )
        }
      })
      break
  }
  values.forEach((v, i) => {
    const msgs = isValidLabelValue(v)
    if (msgs.length > 0) errs.push(`values[${i}]: Invalid value: ${JSON.stringify(v)}: ${msgs.join("; ")}`)
  })
  return [...new Set(errs)]
}

/**
 * Parses a label selector (`app=web,tier in (a,b),!legacy`). Fails with the apiserver's message
 * (`unable to parse requirement: found ')', expected: in, notin, =, ==, !=, gt, lt`).
 */
export const parseLabelSelector = (input: string): { readonly ok: LabelSelector } | { readonly error: string } => {
  const items = lexAll(input)
  let position = 0
  const adjust = (item: Item, values: boolean): Item =>
    values && (item[0] === "In" || item[0] === "NotIn") ? ["Identifier", item[1]] : item
  const at = (i: number): Item => items[i] ?? ["EndOfString", ""]
  const lookahead = (values: boolean): Item => adjust(at(position), values)
  const consume = (values: boolean): Item => {
    position++
    return adjust(at(position - 1), values)
  }

  const parseRequirement = (): Requirement => {
    // parseKeyAndInferOperator
    let op: Op | undefined
    let [tok, literal] = consume(true)
    if (tok === "DoesNotExist") {
      op = "!"
      ;[tok, literal] = consume(true)
    }
    if (tok !== "Identifier") throw new ParseFailure(`found '${literal}', expected: identifier`)
    const keyErrs = isQualifiedName(literal, "a valid label key")
    if (keyErrs.length > 0) {
      throw new ParseFailure(`<nil>: Invalid value: ${JSON.stringify(literal)}: ${keyErrs.join("; ")}`)
    }
    const key = literal
    const [next] = lookahead(true)
    if ((next === "EndOfString" || next === "Comma") && op !== "!") op = "exists"
    if (op === "exists" || op === "!") return build(key, op, [])
    // parseOperator
    const [opTok, opLit] = consume(false)
    let operator: Op
    switch (opTok) {
      case "In":
        operator = "in"
        break
      case "Equals":
        operator = "="
        break
      case "DoubleEquals":
        operator = "=="
        break
      case "GreaterThan":
        operator = "gt"
        break
      case "LessThan":
        operator = "lt"
        break
      case "NotIn":
        operator = "notin"
        break
      case "NotEquals":
        operator = "!="
        break
      default:
        throw new ParseFailure(`found '${opLit}', expected: ${binaryOperators.join(", ")}`)
    }
    const values = operator === "in" || operator === "notin" ? parseValues() : parseExactValue()
    return build(key, operator, [...values].sort())
  }

  const build = (key: string, op: Op, values: ReadonlyArray<string>): Requirement => {
    const errs = requirementErrors(key, op, values)
    if (errs.length > 0) throw new ParseFailure(errs.length === 1 ? errs[0] : `[${errs.join(", ")}]`)
    return { key, op, values }
  }

  const parseValues = (): Set<string> => {
    const [tok, lit] = consume(true)
    if (tok !== "OpenPar") throw new ParseFailure(`found '${lit}' expected: '('`)
    const [next, nextLit] = lookahead(true)
    switch (next) {
      case "Identifier":
      case "Comma": {
        const set = parseIdentifiersList()
        const [closing] = consume(true)
        if (closing !== "ClosedPar") throw new ParseFailure(`found '${nextLit}', expected: ')'`)
        return set
      }
      case "ClosedPar":
        consume(true)
        return new Set([""])
      default:
        throw new ParseFailure(`found '${nextLit}', expected: ',', ')' or identifier`)
    }
  }

  const parseIdentifiersList = (): Set<string> => {
    const set = new Set<string>()
    for (;;) {
      const [tok, lit] = consume(true)
      switch (tok) {
        case "Identifier": {
          set.add(lit)
          const [t2, l2] = lookahead(true)
          if (t2 === "Comma") continue
          if (t2 === "ClosedPar") return set
          throw new ParseFailure(`found '${l2}', expected: ',' or ')'`)
        }
        case "Comma": {
          if (set.size === 0) set.add("")
          const [t2] = lookahead(true)
          if (t2 === "ClosedPar") {
            set.add("")
            return set
          }
          if (t2 === "Comma") set.add("")
          break
        }
        default:
          throw new ParseFailure(`found '${lit}', expected: ',', or identifier`)
      }
    }
  }

  const parseExactValue = (): Set<string> => {
    const [tok] = lookahead(true)
    if (tok === "EndOfString" || tok === "Comma") return new Set([""])
    const [t, lit] = consume(true)
    if (t === "Identifier") return new Set([lit])
    throw new ParseFailure(`found '${lit}', expected: identifier`)
  }

  const requirements: Array<Requirement> = []
  try {
    for (;;) {
      const [tok, lit] = lookahead(true)
      if (tok === "Identifier" || tok === "DoesNotExist") {
        let r: Requirement
        try {
          r = parseRequirement()
        } catch (e) {
          if (e instanceof ParseFailure) throw new ParseFailure(`unable to parse requirement: ${e.message}`)
          throw e
        }
        requirements.push(r)
        const [t, l] = consume(true)
        if (t === "EndOfString") break
        if (t === "Comma") {
          const [t2, l2] = lookahead(true)
          if (t2 !== "Identifier" && t2 !== "DoesNotExist") {
            throw new ParseFailure(`found '${l2}', expected: identifier after ','`)
          }
          continue
        }
        throw new ParseFailure(`found '${l}', expected: ',' or 'end of string'`)
      }
      if (tok === "EndOfString") break
      throw new ParseFailure(`found '${lit}', expected: !, identifier, or 'end of string'`)
    }
  } catch (e) {
    if (e instanceof ParseFailure) return { error: e.message }
    throw e
  }
  requirements.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  return { ok: requirements }
}

/** Whether labels satisfy a selector (`Requirement.Matches`). */
export const matchesLabels = (
  selector: LabelSelector,
  labels: Readonly<Record<string, string>> | undefined
): boolean => {
  for (const r of selector) {
    const has = labels !== undefined && Object.hasOwn(labels, r.key)
    const value = has && labels !== undefined ? labels[r.key] : undefined
    switch (r.op) {
      case "in":
      case "=":
      case "==":
        if (value === undefined || !r.values.includes(value)) return false
        break
      case "notin":
      case "!=":
        if (value !== undefined && r.values.includes(value)) return false
        break
      case "exists":
        if (!has) return false
        break
      case "!":
        if (has) return false
        break
      case "gt":
      case "lt": {
        if (value === undefined || !/^[+-]?\d+$/.test(value) || r.values.length !== 1) return false
        const lhs = Number(value)
        const rhs = Number(r.values[0])
        if (r.op === "gt" ? !(lhs > rhs) : !(lhs < rhs)) return false
        break
      }
    }
  }
  return true
}

// ---------------------------------------------------------------------------------------------
// field selectors

/** One `field=value` / `field!=value` term. */
export interface FieldTerm {
  readonly field: string
  readonly value: string
  readonly negate: boolean
}

/** A parsed field selector. */
export type FieldSelector = ReadonlyArray<FieldTerm>

const splitTerms = (selector: string): Array<string> => {
  if (selector.length === 0) return []
  const terms: Array<string> = []
  let start = 0
  let escaped = false
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i]
    if (escaped) escaped = false
    else if (c === "\\") escaped = true
    else if (c === ",") {
      terms.push(selector.slice(start, i))
      start = i + 1
    }
  }
  terms.push(selector.slice(start))
  return terms
}

const splitTerm = (term: string): readonly [string, string, string] | undefined => {
  for (let i = 0; i < term.length; i++) {
    const remaining = term.slice(i)
    for (const op of ["!=", "==", "="]) {
      if (remaining.startsWith(op)) return [term.slice(0, i), op, term.slice(i + op.length)]
    }
  }
  return undefined
}

const unescapeValue = (s: string): { readonly ok: string } | { readonly error: string } => {
  if (!s.includes("\\") && !s.includes(",") && !s.includes("=")) return { ok: s }
  let out = ""
  let escaped = false
  for (const c of s) {
    if (escaped) {
      if (c === "\\" || c === "," || c === "=") {
        out += c
        escaped = false
      } else return { error: `invalid field selector: invalid escape sequence: \\${c}` }
    } else if (c === "\\") escaped = true
    else if (c === "," || c === "=") return { error: `invalid field selector: unescaped character in value: ${c}` }
    else out += c
  }
  if (escaped) return { error: "invalid field selector: invalid escape sequence: \\" }
  return { ok: out }
}

/** Parses a field selector (`metadata.name=x,status.phase!=Running`). */
export const parseFieldSelector = (selector: string): { readonly ok: FieldSelector } | { readonly error: string } => {
  const parts = splitTerms(selector).sort()
  const terms: Array<FieldTerm> = []
  for (const part of parts) {
    if (part === "") continue
    const split = splitTerm(part)
    if (split === undefined) return { error: `invalid selector: '${selector}'; can't understand '${part}'` }
    const [lhs, op, rhs] = split
    const value = unescapeValue(rhs)
    if ("error" in value) return value
    terms.push({ field: lhs, value: value.ok, negate: op === "!=" })
  }
  return { ok: terms }
}

/** Whether an object's field values satisfy a field selector. */
export const matchesFields = (selector: FieldSelector, fieldValue: (field: string) => string): boolean => {
  for (const t of selector) {
    const v = fieldValue(t.field)
    if (t.negate ? v === t.value : v !== t.value) return false
  }
  return true
}

/** The single name a selector pins (`metadata.name=x`), if any: a watch/list of one object. */
export const singleName = (selector: FieldSelector): string | undefined => {
  const t = selector.find((term) => term.field === "metadata.name" && !term.negate)
  return t?.value
}
