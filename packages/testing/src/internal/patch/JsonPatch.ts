/**
 * RFC 6902 JSON patch with kube-apiserver's error texts (it uses evanphx/json-patch).
 *
 * @internal
 */
import * as Data from "effect/Data"
import * as Either from "effect/Either"
import type { Status } from "@effect-kube/core/Meta"
import { deepClone, deepEqual, isObject } from "./Json.js"

/**
 * A JSON patch that could not be applied.
 *
 * `reason` decides the HTTP answer, as kube-apiserver's `patch.go` does:
 * - `Malformed`: the body is not a list of operation objects → 400 BadRequest carrying `message`.
 * - `Failed`: an operation did not apply (missing path, failed `test`, bad index, unknown op) →
 *   422 Invalid. The real server drops the detail and answers "the server rejected our request
 *   due to an error in our request" (see {@link jsonPatchErrorStatus}); `message` keeps the
 *   evanphx/json-patch text (e.g. `testing value /metadata/resourceVersion failed: test failed`)
 *   for logs and tests.
 *
 * @example
 * Either.getLeft(applyJsonPatch({}, [{ op: "test", path: "/a", value: 1 }])) // Some(JsonPatchError{ index: 0, ... })
 */
export class JsonPatchError extends Data.TaggedError("JsonPatchError")<{
  readonly reason: "Malformed" | "Failed"
  /** Index of the failing operation (-1 when the whole body is malformed). */
  readonly index: number
  readonly message: string
}> {}

/**
 * The HTTP status code and `Status` body kube-apiserver answers for a {@link JsonPatchError}.
 *
 * @example
 * jsonPatchErrorStatus(err).code // 422
 */
export const jsonPatchErrorStatus = (error: JsonPatchError): { readonly code: number; readonly status: Status } =>
  error.reason === "Malformed"
    ? {
        code: 400,
        status: {
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Failure",
          message: error.message,
          reason: "BadRequest",
          code: 400
        }
      }
    : {
        code: 422,
        status: {
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Failure",
          message: "the server rejected our request due to an error in our request",
          reason: "Invalid",
          details: {},
          code: 422
        }
      }

type Op =
  | { readonly op: "add" | "replace" | "test"; readonly path: string; readonly value: unknown }
  | { readonly op: "remove"; readonly path: string }
  | { readonly op: "move" | "copy"; readonly from: string; readonly path: string }

const missing = "missing value"
const invalidIndex = "invalid index referenced"

/** Thrown only inside this module (caught in {@link applyJsonPatch}) to unwind a failed op. */
class OpFailure {
  constructor(readonly message: string) {}
}

const fail = (message: string): never => {
  throw new OpFailure(message)
}

const parsePointer = (pointer: string): ReadonlyArray<string> | undefined => {
  if (pointer === "") return []
  if (!pointer.startsWith("/")) return undefined
  return pointer
    .slice(1)
    .split("/")
    .map((t) => t.replaceAll("~1", "/").replaceAll("~0", "~"))
}

const arrayIndex = (token: string, length: number, allowEnd: boolean): number => {
  if (!/^(0|[1-9][0-9]*)$/.test(token)) return fail(`value was not a proper array index: '${token}'`)
  const idx = Number(token)
  if (idx > length || (!allowEnd && idx === length))
    return fail(`Unable to access invalid index: ${idx}: ${invalidIndex}`)
  return idx
}

/** Walks to the parent of the last token; `undefined` when a step is missing. */
const getAt = (doc: unknown, tokens: ReadonlyArray<string>): { readonly found: boolean; readonly value: unknown } => {
  let cur: unknown = doc
  for (const t of tokens) {
    if (Array.isArray(cur)) {
      if (!/^(0|[1-9][0-9]*)$/.test(t) || Number(t) >= cur.length) return { found: false, value: undefined }
      cur = cur[Number(t)]
    } else if (isObject(cur)) {
      if (!Object.hasOwn(cur, t)) return { found: false, value: undefined }
      cur = cur[t]
    } else {
      return { found: false, value: undefined }
    }
  }
  return { found: true, value: cur }
}

/**
 * Copies the path from the root to the parent container and lets `edit` return the parent's
 * replacement: untouched subtrees stay shared, nothing of `doc` is mutated.
 */
const editParent = (
  doc: unknown,
  tokens: ReadonlyArray<string>,
  onMissingParent: () => never,
  edit: (parent: unknown, key: string) => unknown
): unknown => {
  const go = (node: unknown, i: number): unknown => {
    if (i === tokens.length - 1) {
      if (!Array.isArray(node) && !isObject(node)) return onMissingParent()
      return edit(node, tokens[i])
    }
    const t = tokens[i]
    if (Array.isArray(node)) {
      if (!/^(0|[1-9][0-9]*)$/.test(t) || Number(t) >= node.length) return onMissingParent()
      const copy = node.slice()
      copy[Number(t)] = go(node[Number(t)], i + 1)
      return copy
    }
    if (isObject(node)) {
      if (!Object.hasOwn(node, t)) return onMissingParent()
      return { ...node, [t]: go(node[t], i + 1) }
    }
    return onMissingParent()
  }
  return go(doc, 0)
}

const add = (doc: unknown, path: string, tokens: ReadonlyArray<string>, value: unknown): unknown => {
  if (tokens.length === 0) return value
  return editParent(
    doc,
    tokens,
    () => fail(`add operation does not apply: doc is missing path: "${path}": ${missing}`),
    (parent, key) => {
      if (Array.isArray(parent)) {
        const copy = parent.slice()
        if (key === "-") copy.push(value)
        else copy.splice(arrayIndex(key, parent.length, true), 0, value)
        return copy
      }
      return isObject(parent)
        ? { ...parent, [key]: value }
        : fail(`add operation does not apply: doc is missing path: "${path}": ${missing}`)
    }
  )
}

const remove = (doc: unknown, path: string, tokens: ReadonlyArray<string>): unknown => {
  if (tokens.length === 0) return fail(`remove operation does not apply: doc is missing path: "${path}": ${missing}`)
  return editParent(
    doc,
    tokens,
    () => fail(`remove operation does not apply: doc is missing path: "${path}": ${missing}`),
    (parent, key) => {
      if (Array.isArray(parent)) {
        const idx = arrayIndex(key, parent.length, false)
        return [...parent.slice(0, idx), ...parent.slice(idx + 1)]
      }
      if (!isObject(parent) || !Object.hasOwn(parent, key)) {
        return fail(`error in remove for path: '${path}': Unable to remove nonexistent key: ${key}: ${missing}`)
      }
      const { [key]: _removed, ...rest } = parent
      return rest
    }
  )
}

const replace = (doc: unknown, path: string, tokens: ReadonlyArray<string>, value: unknown): unknown => {
  if (tokens.length === 0) return value
  return editParent(
    doc,
    tokens,
    () => fail(`replace operation does not apply: doc is missing path: ${path}: ${missing}`),
    (parent, key) => {
      if (Array.isArray(parent)) {
        const copy = parent.slice()
        copy[arrayIndex(key, parent.length, false)] = value
        return copy
      }
      if (!isObject(parent) || !Object.hasOwn(parent, key)) {
        return fail(`replace operation does not apply: doc is missing key: ${path}: ${missing}`)
      }
      return { ...parent, [key]: value }
    }
  )
}

const decodeOp = (raw: unknown, index: number): Either.Either<Op, JsonPatchError> => {
  const failed = (message: string) => Either.left(new JsonPatchError({ reason: "Failed", index, message }))
  if (!isObject(raw)) {
    return Either.left(
      new JsonPatchError({
        reason: "Malformed",
        index,
        message: "json: cannot unmarshal into Go value of type jsonpatch.Operation"
      })
    )
  }
  const op = raw.op
  const path = raw.path
  if (typeof op !== "string") return failed("Unexpected kind: unknown")
  switch (op) {
    case "add":
    case "replace":
    case "test":
      if (typeof path !== "string") return failed(`${op} operation failed to decode path: ${missing}`)
      if (!Object.hasOwn(raw, "value")) return failed(`${op} operation failed to decode value: ${missing}`)
      return Either.right({ op, path, value: raw.value })
    case "remove":
      if (typeof path !== "string") return failed(`remove operation failed to decode path: ${missing}`)
      return Either.right({ op, path })
    case "move":
    case "copy":
      if (typeof raw.from !== "string") return failed(`${op} operation failed to decode from: ${missing}`)
      if (typeof path !== "string") return failed(`${op} operation failed to decode path: ${missing}`)
      return Either.right({ op, from: raw.from, path })
    default:
      return failed(`Unexpected kind: ${op}`)
  }
}

const pointerOrFail = (pointer: string, op: string, what: string): ReadonlyArray<string> => {
  const tokens = parsePointer(pointer)
  if (tokens === undefined) return fail(`${op} operation failed to decode ${what}: invalid JSON pointer: ${pointer}`)
  return tokens
}

const applyOp = (doc: unknown, op: Op): unknown => {
  switch (op.op) {
    case "add":
      return add(doc, op.path, pointerOrFail(op.path, "add", "path"), deepClone(op.value))
    case "remove":
      return remove(doc, op.path, pointerOrFail(op.path, "remove", "path"))
    case "replace":
      return replace(doc, op.path, pointerOrFail(op.path, "replace", "path"), deepClone(op.value))
    case "test": {
      const tokens = pointerOrFail(op.path, "test", "path")
      const at = getAt(doc, tokens)
      if (!at.found) {
        const parent = getAt(doc, tokens.slice(0, -1))
        if (!parent.found || !(isObject(parent.value) || Array.isArray(parent.value))) {
          return fail(`test operation does not apply: is missing path: ${op.path}: ${missing}`)
        }
        // evanphx reads a missing object member as null, so `test` against null passes.
        if (op.value === null && isObject(parent.value)) return doc
        return fail(`testing value ${op.path} failed: test failed`)
      }
      if (!deepEqual(at.value, op.value)) return fail(`testing value ${op.path} failed: test failed`)
      return doc
    }
    case "move": {
      const from = pointerOrFail(op.from, "move", "from")
      const to = pointerOrFail(op.path, "move", "path")
      if (op.path !== op.from && op.path.startsWith(`${op.from}/`)) {
        return fail(`move operation does not apply: cannot move ${op.from} into its own child ${op.path}`)
      }
      const at = getAt(doc, from)
      if (!at.found) return fail(`move operation does not apply: doc is missing from path: ${op.from}: ${missing}`)
      if (op.path === op.from) return doc
      return add(remove(doc, op.from, from), op.path, to, at.value)
    }
    case "copy": {
      const from = pointerOrFail(op.from, "copy", "from")
      const to = pointerOrFail(op.path, "copy", "path")
      const at = getAt(doc, from)
      if (!at.found) return fail(`copy operation does not apply: doc is missing from path: ${op.from}: ${missing}`)
      return add(doc, op.path, to, deepClone(at.value))
    }
  }
}

/**
 * Applies an RFC 6902 JSON patch (all six operations, JSON pointers with `~0`/`~1`, `-` to
 * append, `test` with deep equality). Validates the operations' shape first. Atomic: on failure
 * nothing is returned but the error naming the failing operation's index. Never mutates its
 * inputs.
 *
 * @example
 * applyJsonPatch({ a: [1] }, [{ op: "add", path: "/a/-", value: 2 }]) // Either.right({ a: [1, 2] })
 */
export const applyJsonPatch = (target: unknown, ops: unknown): Either.Either<unknown, JsonPatchError> => {
  if (!Array.isArray(ops)) {
    return Either.left(
      new JsonPatchError({
        reason: "Malformed",
        index: -1,
        message: "json: cannot unmarshal object into Go value of type jsonpatch.Patch"
      })
    )
  }
  // Decoding the body happens before any op runs: a non-object anywhere is a 400 for the whole body.
  const malformed = ops.findIndex((op) => !isObject(op))
  if (malformed >= 0) {
    return Either.left(
      new JsonPatchError({
        reason: "Malformed",
        index: malformed,
        message: "json: cannot unmarshal into Go value of type jsonpatch.Operation"
      })
    )
  }
  const decoded: Array<Op> = []
  for (let i = 0; i < ops.length; i++) {
    const op = decodeOp(ops[i], i)
    if (Either.isLeft(op)) {
      // Op-level problems surface when the op runs, so an earlier op may fail first.
      const earlier = run(target, decoded)
      return Either.isLeft(earlier) ? earlier : op
    }
    decoded.push(op.right)
  }
  return run(target, decoded)
}

const run = (target: unknown, ops: ReadonlyArray<Op>): Either.Either<unknown, JsonPatchError> => {
  let doc = target
  for (let i = 0; i < ops.length; i++) {
    try {
      doc = applyOp(doc, ops[i])
    } catch (e) {
      if (e instanceof OpFailure)
        return Either.left(new JsonPatchError({ reason: "Failed", index: i, message: e.message }))
      throw e
    }
  }
  return Either.right(doc)
}
