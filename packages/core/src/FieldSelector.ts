/**
 * Field selectors (`metadata.name=web,status.phase!=Running`), parsed like
 * `k8s.io/apimachinery/pkg/fields.ParseSelector` (1.37): terms split on unescaped `,`, operators
 * `=`, `==`, `!=` (the first one found in a term wins), values unescaped (`\,` `\=` `\\`), no
 * whitespace trimming. A missing field reads as `""`, so `f!=x` matches objects without `f`.
 *
 * Which fields the apiserver supports is per kind (all kinds: `metadata.name`,
 * `metadata.namespace`); that check belongs to the server (or the mock), not to parsing.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Either from "effect/Either"
import { dual } from "effect/Function"
import { isPlainObject, type KubeObject } from "./Meta.js"

/**
 * One term: `field=value` or `field!=value` (`==` parses as `=`).
 *
 * @since 0.1.0
 */
export interface Requirement {
  readonly field: string
  readonly operator: "Equals" | "NotEquals"
  readonly value: string
}

/**
 * A parsed field selector: terms ANDed; none = everything.
 *
 * @since 0.1.0
 */
export interface Selector {
  readonly requirements: ReadonlyArray<Requirement>
}

/**
 * A field selector string that does not parse. `reason` is apimachinery's text; `term` the
 * offending term and `position` its offset in `selector`.
 *
 * @since 0.1.0
 */
export class FieldSelectorParseError extends Data.TaggedError("FieldSelectorParseError")<{
  readonly selector: string
  readonly term: string
  readonly position: number
  readonly reason: string
  readonly message: string
}> {}

/**
 * The selector that matches everything (the empty string).
 *
 * @since 0.1.0
 */
export const everything: Selector = { requirements: [] }

const termToString = (r: Requirement): string =>
  `${r.field}${r.operator === "Equals" ? "=" : "!="}${escapeValue(r.value)}`

// Sorted by printed term, as apimachinery sorts raw terms: canonical input keeps its order.
const compare = (a: Requirement, b: Requirement): number => {
  const sa = termToString(a)
  const sb = termToString(b)
  return sa === sb ? 0 : sa < sb ? -1 : 1
}

/**
 * A selector from terms (ANDed), in canonical order.
 *
 * @example
 * FieldSelector.make([{ field: "metadata.name", operator: "Equals", value: "web" }])
 * @since 0.1.0
 */
export const make = (requirements: ReadonlyArray<Requirement>): Selector => ({
  requirements: [...requirements].sort(compare)
})

/**
 * `field=value` for every entry.
 *
 * @example
 * FieldSelector.format(FieldSelector.fromSet({ "metadata.name": "web" })) // "metadata.name=web"
 * @since 0.1.0
 */
export const fromSet = (fields: { readonly [field: string]: string }): Selector =>
  make(Object.entries(fields).map(([field, value]) => ({ field, operator: "Equals", value })))

/**
 * Escapes `\`, `,` and `=` in a value.
 *
 * @example
 * FieldSelector.escapeValue("a,b=c") // "a\\,b\\=c"
 * @since 0.1.0
 */
export const escapeValue = (value: string): string => value.replace(/[\\,=]/g, (c) => `\\${c}`)

/**
 * Undoes {@link escapeValue}; an unknown escape or a bare `,`/`=` is an error (apimachinery's
 * text).
 *
 * @example
 * FieldSelector.unescapeValue("a\\,b") // Right("a,b")
 * @since 0.1.0
 */
export const unescapeValue = (s: string): Either.Either<string, string> => {
  if (!/[\\,=]/.test(s)) return Either.right(s)
  let out = ""
  let inSlash = false
  for (const c of s) {
    if (inSlash) {
      if (c === "\\" || c === "," || c === "=") out += c
      else return Either.left(`invalid field selector: invalid escape sequence: \\${c}`)
      inSlash = false
      continue
    }
    if (c === "\\") inSlash = true
    // Go prints the rune with %v, i.e. its code point number
    else if (c === "," || c === "=")
      return Either.left(`invalid field selector: unescaped character in value: ${c.codePointAt(0)}`)
    else out += c
  }
  return inSlash ? Either.left("invalid field selector: invalid escape sequence: \\") : Either.right(out)
}

interface Term {
  readonly text: string
  readonly pos: number
}

const splitTerms = (s: string): Array<Term> => {
  if (s.length === 0) return []
  const terms: Array<Term> = []
  let start = 0
  let inSlash = false
  for (let i = 0; i < s.length; i++) {
    const c = s.charAt(i)
    if (inSlash) inSlash = false
    else if (c === "\\") inSlash = true
    else if (c === ",") {
      terms.push({ text: s.slice(start, i), pos: start })
      start = i + 1
    }
  }
  terms.push({ text: s.slice(start), pos: start })
  return terms
}

const splitTerm = (term: string): { lhs: string; op: "!=" | "==" | "="; rhs: string } | undefined => {
  for (let i = 0; i < term.length; i++) {
    for (const op of ["!=", "==", "="] as const) {
      if (term.startsWith(op, i)) return { lhs: term.slice(0, i), op, rhs: term.slice(i + op.length) }
    }
  }
  return undefined
}

/**
 * Parses a field selector. `""` (and empty terms) select everything.
 *
 * @example
 * FieldSelector.parse("metadata.name=web,status.phase!=Running") // Right(selector)
 * FieldSelector.parse("metadata.name")                           // Left(FieldSelectorParseError)
 * @since 0.1.0
 */
export const parse = (selector: string): Either.Either<Selector, FieldSelectorParseError> => {
  // sorted like apimachinery, so the first error reported is the same one the apiserver reports
  const terms = splitTerms(selector).sort((a, b) => (a.text === b.text ? 0 : a.text < b.text ? -1 : 1))
  const requirements: Array<Requirement> = []
  const fail = (term: Term, reason: string) =>
    Either.left(
      new FieldSelectorParseError({
        selector,
        term: term.text,
        position: term.pos,
        reason,
        message: `invalid field selector ${JSON.stringify(selector)} at position ${term.pos} ('${term.text}'): ${reason}`
      })
    )
  for (const term of terms) {
    if (term.text === "") continue
    const split = splitTerm(term.text)
    if (split === undefined) return fail(term, `invalid selector: '${selector}'; can't understand '${term.text}'`)
    const value = unescapeValue(split.rhs)
    if (Either.isLeft(value)) return fail(term, value.left)
    // apimachinery drops a term with an empty field and value ("=") as selecting everything
    if (split.lhs === "" && value.right === "") continue
    requirements.push({ field: split.lhs, operator: split.op === "!=" ? "NotEquals" : "Equals", value: value.right })
  }
  return Either.right(make(requirements))
}

/**
 * The canonical string form (`fieldSelector=` query parameter); values escaped.
 *
 * @example
 * FieldSelector.format(sel) // "metadata.name=web,status.phase!=Running"
 * @since 0.1.0
 */
export const format = (selector: Selector): string => selector.requirements.map(termToString).join(",")

/**
 * Whether the selector places no restriction.
 *
 * @since 0.1.0
 */
export const isEverything = (selector: Selector): boolean => selector.requirements.length === 0

/**
 * The value an `=` term pins `field` to, if any (e.g. `metadata.name` → a get instead of a list).
 *
 * @example
 * FieldSelector.requiresExactMatch(sel, "metadata.name") // "web" | undefined
 * @since 0.1.0
 */
export const requiresExactMatch = (selector: Selector, field: string): string | undefined =>
  selector.requirements.find((r) => r.field === field && r.operator === "Equals")?.value

/**
 * Reads a field of an object by dotted path, as a field selector sees it: `metadata.name` and
 * `metadata.namespace` directly, other paths (`status.phase`, `spec.nodeName`, `type`,
 * `involvedObject.kind`, …) by walking the object; strings as is, numbers and booleans printed,
 * anything else absent.
 *
 * @example
 * FieldSelector.objectFields(pod)("status.phase") // "Running"
 * @since 0.1.0
 */
export const objectFields =
  (obj: KubeObject) =>
  (path: string): string | undefined => {
    if (path === "metadata.name") return obj.metadata.name
    if (path === "metadata.namespace") return obj.metadata.namespace
    let cur: unknown = obj
    for (const segment of path.split(".")) {
      if (!isPlainObject(cur) || !Object.hasOwn(cur, segment)) return undefined
      cur = cur[segment]
    }
    return typeof cur === "string" ? cur : typeof cur === "number" || typeof cur === "boolean" ? String(cur) : undefined
  }

/**
 * Whether the fields (a lookup by path; absent reads as `""`) satisfy the selector.
 *
 * @example
 * FieldSelector.matches(sel, FieldSelector.objectFields(obj))
 * @since 0.1.0
 */
export const matches: {
  (fields: (path: string) => string | undefined): (selector: Selector) => boolean
  (selector: Selector, fields: (path: string) => string | undefined): boolean
} = dual(2, (selector: Selector, fields: (path: string) => string | undefined): boolean => {
  for (const r of selector.requirements) {
    const actual = fields(r.field) ?? ""
    if ((actual === r.value) !== (r.operator === "Equals")) return false
  }
  return true
})

/**
 * {@link matches} against an object's fields ({@link objectFields}).
 *
 * @example
 * FieldSelector.matchesObject(sel, pod)
 * @since 0.1.0
 */
export const matchesObject = (selector: Selector, obj: KubeObject): boolean => matches(selector, objectFields(obj))

export {
  /** Alias of {@link format}. @since 0.1.0 */
  format as toString
}
