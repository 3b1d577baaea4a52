/**
 * Effect Schema AST → structural OpenAPI v3 schema (the `openAPIV3Schema` of a CRD version).
 *
 * The walk follows the *encoded* side of every transformation — the wire form is what the
 * apiserver validates — and keeps what can be expressed structurally: object properties,
 * records, homogeneous arrays, scalars and their constraints (from the `jsonSchema` annotations
 * Effect's built-in filters carry), enums, `nullable`, int-or-string, defaults, and the kube
 * knobs of `Crd` annotations. Anything else is an {@link Issue} naming the field and why: the
 * generator never widens a schema silently, since a CRD that accepts what the controller cannot
 * decode is the drift this module exists to prevent.
 */
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"
import * as Knobs from "./annotations.js"
import { canonical, isJson } from "./json.js"
import type { Issue, Json, JSONSchemaProps, OpenApiType, ValidationRule } from "./types.js"

type Mutable<T> = { -readonly [K in keyof T]: T[K] }
type Node = Mutable<JSONSchemaProps>

interface Context {
  readonly issues: Array<Issue>
  /** Suspends being expanded on the current path (→ where): meeting one again means recursion. */
  readonly expanding: Map<AST.AST, string>
}

/** Deeper than any hand-written kind; guards against pathological (non-Suspend) self-reference. */
const MAX_DEPTH = 64

const PRESERVE = "x-kubernetes-preserve-unknown-fields"
const INT_OR_STRING = "x-kubernetes-int-or-string"
const VALIDATIONS = "x-kubernetes-validations"

/** `spec` + `name` → `spec.name`; the root is the empty path. */
export const child = (path: string, name: string): string => (path === "" ? name : `${path}.${name}`)
const items = (path: string): string => `${path}[*]`
/** How an issue at the root is shown. */
export const displayPath = (path: string): string => (path === "" ? "(root)" : path)

const issue = (ctx: Context, path: string, reason: string): undefined => {
  ctx.issues.push({ field: displayPath(path), reason })
  return undefined
}

// ---------------------------------------------------------------------------------------------
// entry points

/** The schema of one field-level Schema (no root rules). */
export const fieldSchema = (
  ast: AST.AST
): { readonly schema: JSONSchemaProps | undefined; readonly issues: ReadonlyArray<Issue> } => {
  const ctx: Context = { issues: [], expanding: new Map() }
  const schema = walk(ast, "", ctx, false, 0)
  if (schema !== undefined) check(schema, "", ctx)
  return { schema: ctx.issues.length === 0 ? schema : undefined, issues: dedupe(ctx.issues) }
}

/**
 * The `openAPIV3Schema` of a kind: its object Schema with `apiVersion`/`kind` as strings and
 * `metadata` as a bare object (the apiserver owns metadata validation and forbids more).
 */
export const rootSchema = (
  ast: AST.AST
): { readonly schema: JSONSchemaProps | undefined; readonly issues: ReadonlyArray<Issue> } => {
  const ctx: Context = { issues: [], expanding: new Map() }
  const schema = walk(ast, "", ctx, true, 0)
  if (schema !== undefined) {
    if (schema.type !== "object") issue(ctx, "", "the kind's Schema must be a struct (type: object at the root)")
    else if (schema.additionalProperties !== undefined) issue(ctx, "", "a Record cannot be the root of a kind")
    check(schema, "", ctx)
  }
  return { schema: ctx.issues.length === 0 ? schema : undefined, issues: dedupe(ctx.issues) }
}

const dedupe = (issues: ReadonlyArray<Issue>): ReadonlyArray<Issue> => {
  const seen = new Set<string>()
  return issues.filter((i) => {
    const k = `${i.field}\u0000${i.reason}`
    if (seen.has(k)) return false
    seen.add(k)
    return true
  })
}

// ---------------------------------------------------------------------------------------------
// the walk

const isStructTransformation = (
  ast: AST.AST
): ast is AST.Transformation & {
  readonly from: AST.TypeLiteral
  readonly transformation: AST.TypeLiteralTransformation
} =>
  ast._tag === "Transformation" &&
  ast.transformation._tag === "TypeLiteralTransformation" &&
  ast.from._tag === "TypeLiteral"

const walk = (ast: AST.AST, path: string, ctx: Context, root: boolean, depth: number): Node | undefined => {
  if (depth > MAX_DEPTH) return issue(ctx, path, `the Schema nests deeper than ${MAX_DEPTH} levels`)
  // Wrappers (refinements, value transformations, suspends), outermost first.
  const layers: Array<AST.AST> = []
  const expanded: Array<AST.AST> = []
  let base: AST.AST = ast
  for (;;) {
    if (base._tag === "Refinement") {
      layers.push(base)
      base = base.from
    } else if (base._tag === "Suspend") {
      const start = ctx.expanding.get(base)
      if (start !== undefined) {
        for (const s of expanded) ctx.expanding.delete(s)
        return issue(
          ctx,
          start,
          `a recursive Schema (Schema.suspend) cannot be expressed: it contains itself again at ${displayPath(path)}, and ` +
            "structural schemas have no $ref; bound the depth explicitly or type the field as Schema.Unknown " +
            "(x-kubernetes-preserve-unknown-fields)"
        )
      }
      ctx.expanding.set(base, path)
      expanded.push(base)
      layers.push(base)
      base = base.f()
    } else if (base._tag === "Transformation" && !isStructTransformation(base)) {
      layers.push(base)
      base = base.from
    } else break
  }
  const node = walkBase(base, path, ctx, root, depth)
  for (const s of expanded) ctx.expanding.delete(s)
  if (node === undefined) return undefined

  // Descriptions under a value transformation are the transformation's own wording for its
  // wire form ("a string to be decoded into a Date"), not the field's.
  const outermostTransformation = layers.findIndex((l) => l._tag === "Transformation")
  const describes = (i: number) => outermostTransformation === -1 || i <= outermostTransformation
  decorate(node, base, base.annotations, path, ctx, "base", describes(layers.length))
  // Inner to outer: a refinement above a value transformation constrains the decoded value, not
  // the wire form, so its constraints do not apply (its kube knobs still do).
  let transformedBelow = false
  for (let i = layers.length - 1; i >= 0; i--) {
    const layer = layers[i]
    if (layer._tag === "Transformation") transformedBelow = true
    else if (layer._tag === "Refinement" && !transformedBelow) refine(node, layer, path, ctx)
    decorate(node, layer, layer.annotations, path, ctx, transformedBelow ? "typeSide" : "base", describes(i))
  }
  return node
}

const walkBase = (ast: AST.AST, path: string, ctx: Context, root: boolean, depth: number): Node | undefined => {
  switch (ast._tag) {
    case "Transformation":
      if (isStructTransformation(ast)) return walkStruct(ast.from, ast, path, ctx, root, depth)
      return walk(ast.from, path, ctx, root, depth + 1)
    case "TypeLiteral":
      return walkStruct(ast, undefined, path, ctx, root, depth)
    case "StringKeyword":
      return { type: "string" }
    case "NumberKeyword":
      return { type: "number" }
    case "BooleanKeyword":
      return { type: "boolean" }
    case "TemplateLiteral":
      return { type: "string", pattern: AST.getTemplateLiteralRegExp(ast).source }
    case "Literal":
      return literal(ast.literal, path, ctx)
    case "Enums": {
      const values = ast.enums.map(([, v]) => v)
      if (values.length === 0) return issue(ctx, path, "an empty enum accepts no value")
      const types = new Set(values.map((v) => scalarTypeOf(v)))
      if (types.size !== 1)
        return issue(ctx, path, "an enum mixing strings and numbers cannot be expressed: one field has one type")
      const [type] = types
      return { type, enum: values }
    }
    case "UnknownKeyword":
    case "AnyKeyword":
      return { [PRESERVE]: true }
    case "ObjectKeyword":
      return { type: "object", [PRESERVE]: true }
    case "TupleType":
      return walkTuple(ast, path, ctx, depth)
    case "Union":
      return walkUnion(ast, path, ctx, depth)
    case "Declaration":
      return declaration(ast, path, ctx)
    case "UndefinedKeyword":
    case "VoidKeyword":
      return issue(ctx, path, "undefined has no JSON form: make the field optional (Schema.optional) instead")
    case "NeverKeyword":
      return issue(ctx, path, "Schema.Never accepts no value")
    case "BigIntKeyword":
      return issue(ctx, path, "a bigint has no JSON form: use Schema.BigInt (a string on the wire) or Schema.Int")
    case "SymbolKeyword":
    case "UniqueSymbol":
      return issue(ctx, path, "a symbol has no JSON form")
    case "Refinement":
    case "Suspend":
      return walk(ast, path, ctx, root, depth + 1)
  }
}

const scalarTypeOf = (v: string | number): OpenApiType =>
  typeof v === "string" ? "string" : Number.isInteger(v) ? "integer" : "number"

const literal = (value: AST.LiteralValue, path: string, ctx: Context): Node | undefined => {
  if (typeof value === "string") return { type: "string", enum: [value] }
  if (typeof value === "number") return { type: Number.isInteger(value) ? "integer" : "number", enum: [value] }
  if (typeof value === "boolean") return { type: "boolean", enum: [value] }
  if (value === null)
    return issue(ctx, path, "a field that can only be null cannot be expressed (use Schema.NullOr(X))")
  return issue(ctx, path, "a bigint literal has no JSON form")
}

const declaration = (ast: AST.Declaration, path: string, ctx: Context): Node | undefined => {
  const js = AST.getJSONSchemaAnnotation(ast)
  if (Option.isSome(js)) {
    const annotation: Record<string, unknown> = { ...js.value }
    const type = annotation.type
    if (isOpenApiType(type)) {
      const node: Node = type === "array" ? { type, items: { [PRESERVE]: true } } : { type }
      delete annotation.type
      translate(node, annotation, path, ctx)
      return node
    }
  }
  const name = Option.getOrElse(AST.getIdentifierAnnotation(ast), () => "a declared type")
  return issue(
    ctx,
    path,
    `${name} has no JSON encoding (it only exists after decoding): use a Schema whose encoded side is JSON, ` +
      "e.g. Schema.Date (a string on the wire) instead of Schema.DateFromSelf"
  )
}

const openApiTypes: ReadonlyArray<unknown> = ["object", "array", "string", "integer", "number", "boolean"]
const isOpenApiType = (u: unknown): u is OpenApiType => openApiTypes.includes(u)

// ---------------------------------------------------------------------------------------------
// structs and records

/** Splits `X | undefined` (how Effect spells an optional value) into X and "may be absent". */
const stripUndefined = (
  ast: AST.AST
): { readonly type: AST.AST | undefined; readonly absentOk: boolean; readonly annotations?: AST.Annotations } => {
  if (ast._tag === "UndefinedKeyword" || ast._tag === "VoidKeyword") return { type: undefined, absentOk: true }
  if (ast._tag !== "Union") return { type: ast, absentOk: false }
  const kept = ast.types.filter((t) => t._tag !== "UndefinedKeyword" && t._tag !== "VoidKeyword")
  if (kept.length === ast.types.length) return { type: ast, absentOk: false }
  if (kept.length === 0) return { type: undefined, absentOk: true }
  if (kept.length === 1) return { type: kept[0], absentOk: true, annotations: ast.annotations }
  return { type: AST.Union.make(kept, ast.annotations), absentOk: true }
}

const isNeverish = (ast: AST.AST): boolean => ast._tag === "NeverKeyword"

const walkStruct = (
  ast: AST.TypeLiteral,
  transformation: (AST.Transformation & { readonly transformation: AST.TypeLiteralTransformation }) | undefined,
  path: string,
  ctx: Context,
  root: boolean,
  depth: number
): Node | undefined => {
  const node: Node = { type: "object" }
  const properties: Record<string, JSONSchemaProps> = {}
  const required: Array<string> = []
  let ok = true
  for (const ps of ast.propertySignatures) {
    if (typeof ps.name !== "string") {
      issue(ctx, path, `the symbol key ${String(ps.name)} has no JSON form`)
      ok = false
      continue
    }
    const name = ps.name
    const fieldPath = child(path, name)
    if (root && (name === "apiVersion" || name === "kind")) {
      properties[name] = { type: "string" }
      continue
    }
    if (root && name === "metadata") {
      properties[name] = { type: "object" }
      continue
    }
    const stripped = stripUndefined(ps.type)
    if (stripped.type === undefined || isNeverish(stripped.type)) {
      // `Schema.optional(Schema.Never)` (e.g. a kind without status): the field never exists.
      if (ps.isOptional || stripped.absentOk) continue
      issue(ctx, fieldPath, "a required field whose Schema accepts no value")
      ok = false
      continue
    }
    const field = walk(stripped.type, fieldPath, ctx, false, depth + 1)
    if (field === undefined) {
      ok = false
      continue
    }
    if (stripped.annotations !== undefined) decorate(field, ps.type, stripped.annotations, fieldPath, ctx, "base")
    decorate(field, ps.type, ps.annotations, fieldPath, ctx, "property")
    let hasDecodingDefault = false
    const pst = transformation?.transformation.propertySignatureTransformations.find((t) => t.from === name)
    if (transformation !== undefined && pst !== undefined) {
      const to = findProperty(transformation.to, pst.to)
      if (to !== undefined) decorate(field, ps.type, to.annotations, fieldPath, ctx, "property")
      const value = decodingDefault(pst, ps.type, fieldPath, ctx)
      if (value !== undefined) {
        field.default = value
        hasDecodingDefault = true
      }
    }
    properties[name] = field
    if (!ps.isOptional && !stripped.absentOk && !hasDecodingDefault && !(root && isRootManaged(name))) {
      required.push(name)
    }
  }

  if (ast.indexSignatures.length > 1) {
    return issue(ctx, path, "a struct with several index signatures cannot be expressed: use one Schema.Record")
  }
  const index = ast.indexSignatures[0]
  if (index !== undefined) {
    const valuePath = items(path)
    const keyRules = keyValidations(index.parameter, path, ctx)
    const stripped = stripUndefined(index.type)
    const value =
      stripped.type === undefined || isNeverish(stripped.type)
        ? issue(ctx, valuePath, "a Record whose values accept no value")
        : walk(stripped.type, valuePath, ctx, false, depth + 1)
    if (value === undefined || keyRules === undefined) return undefined
    if (Object.keys(properties).length > 0 || ast.propertySignatures.length > 0) {
      if (isPreserveOnly(value)) {
        node[PRESERVE] = true
      } else {
        return issue(
          ctx,
          path,
          "a struct with both named fields and a Record index signature cannot be expressed: " +
            "properties and additionalProperties are mutually exclusive in structural schemas " +
            "(an index of Schema.Unknown is allowed: it becomes x-kubernetes-preserve-unknown-fields)"
        )
      }
    } else {
      node.additionalProperties = value
    }
    if (keyRules.length > 0) node[VALIDATIONS] = keyRules
  }
  if (!ok) return undefined
  if (Object.keys(properties).length > 0) node.properties = properties
  if (required.length > 0) node.required = required
  return node
}

const isRootManaged = (name: string): boolean => name === "apiVersion" || name === "kind" || name === "metadata"

const isPreserveOnly = (node: JSONSchemaProps): boolean => {
  const keys = Object.keys(node).filter((k) => k !== "description")
  return keys.length === 1 && node[PRESERVE] === true
}

const findProperty = (ast: AST.AST, name: PropertyKey): AST.PropertySignature | undefined =>
  ast._tag === "TypeLiteral" ? ast.propertySignatures.find((p) => p.name === name) : undefined

/**
 * The wire value a decoding default (`Schema.optionalWith(X, { default })`,
 * `withDecodingDefault`) fills in for a missing field: decode "missing", then encode the result
 * with the field's own Schema.
 */
const decodingDefault = (
  pst: AST.PropertySignatureTransformation,
  fromType: AST.AST,
  path: string,
  ctx: Context
): Json | undefined => {
  let decoded: Option.Option<unknown>
  try {
    decoded = pst.decode(Option.none())
  } catch {
    // A custom optionalToRequired that cannot handle "missing" has no default to describe.
    return undefined
  }
  if (Option.isNone(decoded) || decoded.value === undefined || Option.isOption(decoded.value)) return undefined
  return encodeDefault(decoded.value, fromType, path, ctx)
}

const encodeDefault = (value: unknown, ast: AST.AST, path: string, ctx: Context): Json | undefined => {
  const encoded = Schema.encodeUnknownEither(Schema.make(ast))(value)
  if (Either.isLeft(encoded)) return issue(ctx, path, `the default value does not encode with the field's Schema`)
  if (encoded.right === undefined) return undefined
  if (!isJson(encoded.right)) return issue(ctx, path, "the default value does not encode to JSON")
  return encoded.right
}

/**
 * Record key constraints become CEL rules over the keys (structural schemas cannot say them).
 * Stricter than Effect, which keeps keys outside the key Schema as unknown fields: a key filter
 * in an API means "keys must look like this", so the CRD rejects the others.
 */
const keyValidations = (parameter: AST.Parameter, path: string, ctx: Context): Array<ValidationRule> | undefined => {
  const rules: Array<ValidationRule> = []
  let cur: AST.AST = parameter
  for (;;) {
    if (cur._tag === "StringKeyword") return rules
    if (cur._tag === "TemplateLiteral") {
      const re = AST.getTemplateLiteralRegExp(cur).source
      rules.push({ rule: `self.all(k, k.matches(${JSON.stringify(re)}))`, message: `keys must match ${re}` })
      return rules
    }
    if (cur._tag === "SymbolKeyword") return issue(ctx, path, "a Record with symbol keys has no JSON form")
    if (cur._tag !== "Refinement") return issue(ctx, path, "a Record key must be a string Schema")
    const js = AST.getJSONSchemaAnnotation(cur)
    if (Option.isNone(js)) {
      if (!Knobs.hasValidations(cur.annotations)) {
        return issue(ctx, path, `the Record key filter ${filterName(cur)} has no OpenAPI equivalent`)
      }
    } else {
      for (const [k, v] of Object.entries(js.value)) {
        if (k === "minLength" && typeof v === "number") {
          rules.unshift({ rule: `self.all(k, size(k) >= ${v})`, message: `keys must be at least ${v} characters long` })
        } else if (k === "maxLength" && typeof v === "number") {
          rules.unshift({ rule: `self.all(k, size(k) <= ${v})`, message: `keys must be at most ${v} characters long` })
        } else if (k === "pattern" && typeof v === "string") {
          if (!re2Compatible(v))
            return issue(ctx, path, `the key pattern ${v} uses lookaround or backreferences (RE2 has neither)`)
          rules.unshift({ rule: `self.all(k, k.matches(${JSON.stringify(v)}))`, message: `keys must match ${v}` })
        } else if (!ignoredJsonSchemaKeys.has(k)) {
          return issue(ctx, path, `the Record key constraint "${k}" has no structural equivalent`)
        }
      }
    }
    cur = cur.from
  }
}

// ---------------------------------------------------------------------------------------------
// arrays

const walkTuple = (ast: AST.TupleType, path: string, ctx: Context, depth: number): Node | undefined => {
  if (ast.rest.length > 1) return issue(ctx, path, "a tuple with elements after its rest element cannot be expressed")
  const types = [...ast.elements.map((e) => e.type), ...ast.rest.map((r) => r.type)]
  if (types.length === 0)
    return issue(ctx, path, "an empty tuple cannot be expressed: a structural array needs an item schema")
  const itemPath = items(path)
  const schemas: Array<Node> = []
  for (const t of types) {
    const stripped = stripUndefined(t)
    if (stripped.type === undefined) return issue(ctx, itemPath, "an array item cannot be undefined")
    const s = walk(stripped.type, itemPath, ctx, false, depth + 1)
    if (s === undefined) return undefined
    schemas.push(s)
  }
  const first = canonical(schemas[0])
  if (schemas.some((s) => canonical(s) !== first)) {
    return issue(
      ctx,
      path,
      "a tuple with differently typed elements cannot be expressed: a structural array has one item schema"
    )
  }
  const node: Node = { type: "array", items: schemas[0] }
  const minItems = ast.elements.filter((e) => !e.isOptional).length
  if (minItems > 0) node.minItems = minItems
  if (ast.rest.length === 0) node.maxItems = ast.elements.length
  return node
}

// ---------------------------------------------------------------------------------------------
// unions

/** Keys that may appear inside `anyOf` members (value validations only). */
const variantKeys = new Set([
  "enum",
  "format",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "multipleOf",
  "minLength",
  "maxLength",
  "pattern",
  "allOf"
])
const numberKeys = new Set(["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"])
const stringKeys = new Set(["minLength", "maxLength", "pattern"])

const walkUnion = (ast: AST.Union, path: string, ctx: Context, depth: number): Node | undefined => {
  let nullable = false
  const members: Array<AST.AST> = []
  for (const t of ast.types) {
    if (t._tag === "Literal" && t.literal === null) nullable = true
    else if (t._tag === "UndefinedKeyword" || t._tag === "VoidKeyword" || t._tag === "NeverKeyword") continue
    else members.push(t)
  }
  if (members.length === 0) {
    return issue(
      ctx,
      path,
      nullable ? "a field that can only be null cannot be expressed" : "this union accepts no JSON value"
    )
  }
  const nodes: Array<Node> = []
  let ok = true
  for (const m of members) {
    const n = walk(m, path, ctx, false, depth + 1)
    if (n === undefined) ok = false
    else {
      if (n.nullable === true) {
        nullable = true
        delete n.nullable
      }
      delete n.description
      nodes.push(n)
    }
  }
  if (!ok) return undefined
  const merged = mergeUnion(nodes, path, ctx)
  if (merged === undefined) return undefined
  if (nullable) {
    merged.nullable = true
    // The apiserver rejects null against a top-level enum even when nullable (null in the enum
    // does not help); an enum under allOf is skipped for null, as nullable intends.
    if (merged.enum !== undefined) {
      addAllOf(merged, { enum: merged.enum })
      delete merged.enum
    }
  }
  return merged
}

const mergeUnion = (nodes: ReadonlyArray<Node>, path: string, ctx: Context): Node | undefined => {
  if (nodes.some((n) => n.type === undefined && n[PRESERVE] === true && n[INT_OR_STRING] === undefined)) {
    // Unknown absorbs the other members.
    return { [PRESERVE]: true }
  }
  const first = canonical(nodes[0])
  if (nodes.every((n) => canonical(n) === first)) return { ...nodes[0] }
  if (nodes.some((n) => n.type === undefined)) {
    return issue(ctx, path, "a union containing an int-or-string member cannot be expressed")
  }
  const byType = new Map<OpenApiType, Array<Node>>()
  for (const n of nodes) {
    if (n.type === undefined) continue
    const group = byType.get(n.type) ?? []
    group.push(n)
    byType.set(n.type, group)
  }
  const types = [...byType.keys()].sort()
  if (types.length === 1) return mergeSameType(types[0], nodes, path, ctx)
  if (types.length === 2 && types[0] === "integer" && types[1] === "string") {
    return intOrString(byType.get("integer") ?? [], byType.get("string") ?? [], path, ctx)
  }
  if (types.length === 2 && types[0] === "integer" && types[1] === "number") {
    const numbers = byType.get("number") ?? []
    const integers = byType.get("integer") ?? []
    // number ⊇ integer: an unconstrained number member makes the integer members redundant, and
    // integer enums are number enums.
    if (numbers.some((n) => Object.keys(n).length === 1)) return { type: "number" }
    if (integers.every((n) => Object.keys(n).every((k) => k === "type" || k === "enum") && n.enum !== undefined)) {
      const asNumbers = nodes.map((n): Node => (n.type === "integer" ? { ...n, type: "number" } : n))
      return mergeSameType("number", asNumbers, path, ctx)
    }
  }
  return issue(
    ctx,
    path,
    `a union of ${types.join(" | ")} cannot be expressed: a structural field has one type ` +
      "(the only exception is integer | string, as x-kubernetes-int-or-string)"
  )
}

const mergeSameType = (type: OpenApiType, nodes: ReadonlyArray<Node>, path: string, ctx: Context): Node | undefined => {
  if (type === "object") {
    return issue(
      ctx,
      path,
      "unions of objects with different shapes cannot be expressed structurally: use one struct with an " +
        "optional field per variant and a discriminator (the Kubernetes union convention), with a CEL rule " +
        "(Crd.validations) requiring exactly one"
    )
  }
  if (type === "array") {
    return issue(
      ctx,
      path,
      "a union of arrays with different item schemas cannot be expressed: a structural array has one item schema"
    )
  }
  const variants: Array<Node> = []
  for (const n of nodes) {
    const variant: Node = {}
    for (const [k, v] of Object.entries(n)) {
      if (k === "type") continue
      if (!variantKeys.has(k)) {
        return issue(
          ctx,
          path,
          `a union member carries "${k}", which cannot be placed inside anyOf: annotate the whole union instead`
        )
      }
      Object.assign(variant, { [k]: v })
    }
    variants.push(variant)
  }
  const out: Node = { type }
  // A member without constraints accepts every value of the type: the union is the bare type.
  if (variants.some((v) => Object.keys(v).length === 0)) return out
  if (variants.every((v) => Object.keys(v).length === 1 && v.enum !== undefined)) {
    const values: Array<Json> = []
    const seen = new Set<string>()
    for (const v of variants) {
      for (const e of v.enum ?? []) {
        const k = canonical(e)
        if (!seen.has(k)) {
          seen.add(k)
          values.push(e)
        }
      }
    }
    out.enum = values
    return out
  }
  const distinct: Array<Node> = []
  const seen = new Set<string>()
  for (const v of variants) {
    const k = canonical(v)
    if (!seen.has(k)) {
      seen.add(k)
      distinct.push(v)
    }
  }
  if (distinct.length === 1) return { ...out, ...distinct[0] }
  out.anyOf = distinct
  return out
}

const intOrString = (
  ints: ReadonlyArray<Node>,
  strings: ReadonlyArray<Node>,
  path: string,
  ctx: Context
): Node | undefined => {
  const i = mergeSameType("integer", ints, path, ctx)
  const s = mergeSameType("string", strings, path, ctx)
  if (i === undefined || s === undefined) return undefined
  const node: Node = { [INT_OR_STRING]: true, anyOf: [{ type: "integer" }, { type: "string" }] }
  // Numeric keywords only check numbers and string keywords only strings, so both sides'
  // constraints can sit side by side next to the int-or-string anyOf.
  for (const [side, keys, label] of [
    [i, numberKeys, "integer"],
    [s, stringKeys, "string"]
  ] as const) {
    for (const [k, v] of Object.entries(side)) {
      if (k === "type") continue
      if (!keys.has(k)) {
        return issue(
          ctx,
          path,
          `an int-or-string field cannot carry "${k}" on its ${label} side: only ${[...keys].join(", ")} can be expressed`
        )
      }
      Object.assign(node, { [k]: v })
    }
  }
  return node
}

// ---------------------------------------------------------------------------------------------
// refinements and annotations

const ignoredJsonSchemaKeys = new Set(["title", "description", "$comment", "examples", "$id", "$schema", "default"])

const filterName = (ast: AST.AST): string => {
  const name = Option.orElse(AST.getTitleAnnotation(ast), () => AST.getIdentifierAnnotation(ast)).pipe(
    Option.orElse(() => AST.getDescriptionAnnotation(ast))
  )
  return Option.match(name, { onNone: () => "(a custom Schema.filter)", onSome: (n) => `"${n}"` })
}

/** A refinement's constraints, from the `jsonSchema` annotation Effect's built-in filters carry. */
const refine = (node: Node, ast: AST.Refinement, path: string, ctx: Context): void => {
  const js = AST.getJSONSchemaAnnotation(ast)
  if (Option.isSome(js)) {
    translate(node, js.value, path, ctx)
    return
  }
  // JSON numbers are never NaN: the filter holds for every wire value.
  if (ast.annotations[AST.SchemaIdAnnotationId] === Schema.NonNaNSchemaId) return
  // A CEL rule on the same node states the filter for the apiserver.
  if (Knobs.hasValidations(ast.annotations)) return
  issue(
    ctx,
    path,
    `the filter ${filterName(ast)} has no OpenAPI equivalent, so the apiserver would accept values the controller rejects: ` +
      "give it a CEL rule (.annotations(Crd.validations([...]))), a jsonSchema annotation, " +
      "or jsonSchema: {} to accept it as checked by the controller only"
  )
}

/** Lookaround and backreferences are JavaScript-only: the apiserver compiles patterns with RE2. */
const re2Compatible = (pattern: string): boolean => !/\(\?<?[=!]|\\[1-9]|\\k</.test(pattern)

const mergeBound = (node: Node, side: "min" | "max", value: number, exclusive: boolean): void => {
  const current = side === "min" ? node.minimum : node.maximum
  const stricter = current === undefined || (side === "min" ? value > current : value < current)
  if (side === "min") {
    if (stricter) {
      node.minimum = value
      if (exclusive) node.exclusiveMinimum = true
      else delete node.exclusiveMinimum
    } else if (value === current && exclusive) node.exclusiveMinimum = true
  } else {
    if (stricter) {
      node.maximum = value
      if (exclusive) node.exclusiveMaximum = true
      else delete node.exclusiveMaximum
    } else if (value === current && exclusive) node.exclusiveMaximum = true
  }
}

const addAllOf = (node: Node, part: JSONSchemaProps): void => {
  const key = canonical(part)
  const all = node.allOf ?? []
  if (!all.some((p) => canonical(p) === key)) node.allOf = [...all, part]
}

type LengthKey = "minLength" | "maxLength" | "minItems" | "maxItems" | "minProperties" | "maxProperties"
const lengthKeys: ReadonlyArray<string> = [
  "minLength",
  "maxLength",
  "minItems",
  "maxItems",
  "minProperties",
  "maxProperties"
]
const isLengthKey = (k: string): k is LengthKey => lengthKeys.includes(k)

/** Applies JSON Schema (draft-07, as Effect writes it) keywords as OpenAPI v3.0 ones. */
const translate = (node: Node, annotation: object, path: string, ctx: Context): void => {
  for (const [k, v] of Object.entries(annotation)) {
    if (ignoredJsonSchemaKeys.has(k) || v === undefined) continue
    if (k === "type") {
      if (v === "integer" && (node.type === "number" || node.type === "integer")) node.type = "integer"
      else if (v !== node.type)
        issue(ctx, path, `a jsonSchema annotation says type ${String(v)} on a ${node.type ?? "untyped"} field`)
    } else if (isLengthKey(k) && typeof v === "number") {
      const current = node[k]
      const isMin = k.startsWith("min")
      node[k] = current === undefined ? v : isMin ? Math.max(current, v) : Math.min(current, v)
    } else if (k === "pattern" && typeof v === "string") {
      if (!re2Compatible(v)) {
        issue(
          ctx,
          path,
          `the pattern ${v} uses lookaround or backreferences, which the apiserver's RE2 engine does not support`
        )
      } else if (node.pattern === undefined) node.pattern = v
      else if (node.pattern !== v) addAllOf(node, { pattern: v })
    } else if (k === "format" && typeof v === "string") {
      node.format = v
    } else if ((k === "minimum" || k === "maximum") && typeof v === "number") {
      mergeBound(node, k === "minimum" ? "min" : "max", v, false)
    } else if ((k === "exclusiveMinimum" || k === "exclusiveMaximum") && typeof v === "number") {
      mergeBound(node, k === "exclusiveMinimum" ? "min" : "max", v, true)
    } else if (k === "exclusiveMinimum" && typeof v === "boolean") {
      if (v) node.exclusiveMinimum = true
    } else if (k === "exclusiveMaximum" && typeof v === "boolean") {
      if (v) node.exclusiveMaximum = true
    } else if (k === "multipleOf" && typeof v === "number") {
      if (node.multipleOf === undefined) node.multipleOf = v
      else if (node.multipleOf !== v) addAllOf(node, { multipleOf: v })
    } else if ((k === "enum" && Array.isArray(v) && v.every(isJson)) || k === "const") {
      const values: ReadonlyArray<Json> =
        k === "const" ? (isJson(v) ? [v] : []) : Array.isArray(v) ? v.filter(isJson) : []
      if (node.enum === undefined) node.enum = values
      else {
        const allowed = new Set(values.map(canonical))
        node.enum = node.enum.filter((e) => allowed.has(canonical(e)))
      }
    } else if (k === "uniqueItems") {
      if (v === true) {
        issue(ctx, path, 'uniqueItems is forbidden in CRDs (quadratic to check): use Crd.listType("set")')
      }
    } else {
      issue(ctx, path, `the jsonSchema keyword "${k}" has no structural OpenAPI equivalent`)
    }
  }
}

const builtinKeywords: ReadonlyArray<AST.AST> = [
  AST.stringKeyword,
  AST.numberKeyword,
  AST.booleanKeyword,
  AST.objectKeyword,
  AST.unknownKeyword,
  AST.anyKeyword
]

/**
 * The description a node contributes, skipping the generic texts Effect's keywords and built-in
 * filters carry ("a string", "an integer", "a number between 1 and 10").
 */
const ownDescription = (ast: AST.AST, annotations: AST.Annotations): string | undefined => {
  const d = annotations[AST.DescriptionAnnotationId]
  if (typeof d !== "string" || d === "") return undefined
  for (const k of builtinKeywords) {
    if (ast._tag === k._tag && d === k.annotations[AST.DescriptionAnnotationId]) return undefined
  }
  if (ast._tag === "Refinement" || ast._tag === "Declaration" || ast._tag === "Transformation") {
    const builtin =
      annotations[AST.SchemaIdAnnotationId] !== undefined || annotations[AST.IdentifierAnnotationId] !== undefined
    if (builtin && /^an? /.test(d)) return undefined
  }
  if (ast._tag === "TemplateLiteral" && d === "a template literal") return undefined
  return d
}

/**
 * Applies one annotated node's description, default and kube knobs. Called innermost first:
 * later (outer) calls win for single values; CEL rules accumulate.
 */
const decorate = (
  node: Node,
  ast: AST.AST,
  annotations: AST.Annotations,
  path: string,
  ctx: Context,
  where: "base" | "typeSide" | "property",
  describes = true
): void => {
  const description = where === "property" ? descriptionOf(annotations) : ownDescription(ast, annotations)
  if (description !== undefined && describes) node.description = description

  if (Object.hasOwn(annotations, AST.DefaultAnnotationId)) {
    const value = encodeDefault(annotations[AST.DefaultAnnotationId], ast, path, ctx)
    if (value !== undefined) node.default = value
  }

  if (where === "base" && ast._tag !== "Declaration" && ast._tag !== "Refinement" && ast._tag !== "Transformation") {
    const js = annotations[AST.JSONSchemaAnnotationId]
    if (typeof js === "object" && js !== null) translate(node, js, path, ctx)
  }

  const { knobs, invalid } = Knobs.read(annotations)
  for (const reason of invalid) issue(ctx, path, reason)
  if (knobs.validations !== undefined) node[VALIDATIONS] = [...(node[VALIDATIONS] ?? []), ...knobs.validations]
  if (knobs.listType !== undefined) node["x-kubernetes-list-type"] = knobs.listType
  if (knobs.listMapKeys !== undefined) node["x-kubernetes-list-map-keys"] = knobs.listMapKeys
  if (knobs.mapType !== undefined) node["x-kubernetes-map-type"] = knobs.mapType
  if (knobs.format !== undefined) node.format = knobs.format
  if (knobs.preserveUnknownFields !== undefined) {
    if (knobs.preserveUnknownFields) node[PRESERVE] = true
    else delete node[PRESERVE]
  }
  if (knobs.embeddedResource !== undefined) {
    if (knobs.embeddedResource) {
      node["x-kubernetes-embedded-resource"] = true
      // An embedded object typed as Unknown: any object, kept whole.
      if (node.type === undefined && node[PRESERVE] === true && node[INT_OR_STRING] === undefined) node.type = "object"
    } else delete node["x-kubernetes-embedded-resource"]
  }
}

const descriptionOf = (annotations: AST.Annotations): string | undefined => {
  const d = annotations[AST.DescriptionAnnotationId]
  return typeof d === "string" && d !== "" ? d : undefined
}

// ---------------------------------------------------------------------------------------------
// structural checks of the finished tree (what the apiserver would reject on create)

const scalarTypes: ReadonlyArray<unknown> = ["string", "integer", "number", "boolean"]
const reasons: ReadonlyArray<unknown> = [
  "FieldValueInvalid",
  "FieldValueForbidden",
  "FieldValueRequired",
  "FieldValueDuplicate"
]

const check = (s: JSONSchemaProps, path: string, ctx: Context): void => {
  if (s.type === undefined && s[INT_OR_STRING] !== true && s[PRESERVE] !== true) {
    issue(ctx, path, "the field has no type (x-kubernetes-preserve-unknown-fields was turned off on an untyped field)")
  }
  const listType = s["x-kubernetes-list-type"]
  const keys = s["x-kubernetes-list-map-keys"]
  if (listType !== undefined && s.type !== "array")
    issue(ctx, path, `x-kubernetes-list-type ${listType} needs an array field`)
  if (keys !== undefined && listType !== "map")
    issue(ctx, path, 'x-kubernetes-list-map-keys needs x-kubernetes-list-type "map"')
  if (listType === "map" && s.items !== undefined) {
    const item = s.items
    if (keys === undefined || keys.length === 0)
      issue(ctx, path, 'x-kubernetes-list-type "map" needs x-kubernetes-list-map-keys')
    if (item.type !== "object") issue(ctx, path, 'x-kubernetes-list-type "map" needs object items')
    else {
      if (item["x-kubernetes-map-type"] === "atomic") {
        issue(
          ctx,
          items(path),
          'the items of an x-kubernetes-list-type "map" list must not be x-kubernetes-map-type "atomic"'
        )
      }
      for (const key of keys ?? []) {
        const prop = item.properties?.[key]
        if (prop === undefined) {
          issue(ctx, path, `the list map key "${key}" is not a field of the items`)
          continue
        }
        if (!scalarTypes.includes(prop.type))
          issue(ctx, child(items(path), key), "a list map key must be a scalar field")
        if (!(item.required ?? []).includes(key) && prop.default === undefined) {
          issue(ctx, child(items(path), key), "a list map key must be required or have a default")
        }
        if (prop.nullable === true) issue(ctx, child(items(path), key), "a list map key cannot be nullable")
      }
    }
  }
  if (listType === "set" && s.items !== undefined) {
    const item = s.items
    if (item.type === "object" && item["x-kubernetes-map-type"] !== "atomic") {
      issue(
        ctx,
        items(path),
        'the object items of an x-kubernetes-list-type "set" list must be x-kubernetes-map-type "atomic"'
      )
    }
    if (
      item.type === "array" &&
      item["x-kubernetes-list-type"] !== undefined &&
      item["x-kubernetes-list-type"] !== "atomic"
    ) {
      issue(ctx, items(path), 'the array items of an x-kubernetes-list-type "set" list must be atomic')
    }
  }
  const mapType = s["x-kubernetes-map-type"]
  if (mapType !== undefined && s.type !== "object")
    issue(ctx, path, `x-kubernetes-map-type ${mapType} needs an object field`)
  if (s["x-kubernetes-embedded-resource"] === true) {
    if (s.type !== "object") issue(ctx, path, "x-kubernetes-embedded-resource needs an object field")
    if (s.additionalProperties !== undefined) issue(ctx, path, "x-kubernetes-embedded-resource cannot be a Record")
    if (s[PRESERVE] !== true && Object.keys(s.properties ?? {}).length === 0) {
      issue(
        ctx,
        path,
        "an x-kubernetes-embedded-resource field needs named fields or x-kubernetes-preserve-unknown-fields"
      )
    }
    for (const name of ["apiVersion", "kind"]) {
      const p = s.properties?.[name]
      if (p !== undefined && p.type !== "string")
        issue(ctx, child(path, name), "must be a string in an embedded resource")
    }
    const meta = s.properties?.metadata
    if (meta !== undefined && meta.type !== "object")
      issue(ctx, child(path, "metadata"), "must be an object in an embedded resource")
  }
  for (const rule of s[VALIDATIONS] ?? []) {
    if (rule.rule.trim() === "") issue(ctx, path, "a CEL rule must not be empty")
    if (rule.message !== undefined && (rule.message.trim() === "" || /[\r\n]/.test(rule.message))) {
      issue(ctx, path, `the CEL rule message for ${rule.rule} must be one non-empty line`)
    }
    if (rule.reason !== undefined && !reasons.includes(rule.reason)) {
      issue(ctx, path, `the CEL rule reason ${rule.reason} is not one of ${reasons.join(", ")}`)
    }
  }
  if (s.items !== undefined) check(s.items, items(path), ctx)
  if (s.additionalProperties !== undefined) check(s.additionalProperties, items(path), ctx)
  for (const [name, p] of Object.entries(s.properties ?? {})) check(p, child(path, name), ctx)
}
