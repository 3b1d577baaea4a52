/**
 * List continue tokens in kube-apiserver's format: base64url (no padding) of
 * `{"v":"meta.k8s.io/v1","rv":<snapshot rv>,"start":"<key after the last item>\u0000"}`.
 *
 * @internal
 */
import { isObject } from "./json.js"
import { goJsonSyntaxError } from "./request.js"

/** What a token carries. */
export interface ContinueToken {
  /** The snapshot resourceVersion; -1 asks for the latest state (after a 410 on an expired token). */
  readonly rv: number
  /** The key to start after (relative to the list prefix, trailing NUL included). */
  readonly start: string
}

/** Encodes a token. */
export const encodeContinue = (token: ContinueToken): string =>
  Buffer.from(JSON.stringify({ v: "meta.k8s.io/v1", rv: token.rv, start: token.start }), "utf8").toString("base64url")

const invalidStartRV = "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)"
const emptyStartKey = "continue key is not valid: encoded start key empty (version meta.k8s.io/v1)"
const genericInvalid = "continue key is not valid"

/** Decodes a token, or returns the reason it is invalid (`storage.DecodeContinue`). */
export const decodeContinue = (value: string): { readonly ok: ContinueToken } | { readonly error: string } => {
  if (!/^[A-Za-z0-9_-]*$/.test(value)) return { error: `${invalidStartRV}: illegal base64 data` }
  let parsed: unknown
  const text = Buffer.from(value, "base64url").toString("latin1")
  try {
    parsed = JSON.parse(text)
  } catch {
    return { error: `${genericInvalid}: ${goJsonSyntaxError(text)}` }
  }
  if (!isObject(parsed)) return { error: `${genericInvalid}: not an object` }
  if (parsed.v !== "meta.k8s.io/v1") {
    return {
      error: `continue key is not valid: server does not recognize this encoded version ${String(parsed.v ?? "")}`
    }
  }
  const rv = typeof parsed.rv === "number" && Number.isInteger(parsed.rv) ? parsed.rv : 0
  if (rv === 0) return { error: invalidStartRV }
  const start = typeof parsed.start === "string" ? parsed.start : ""
  if (start === "") return { error: emptyStartKey }
  const parts = start.split("/")
  if (parts.some((p) => p === "." || p === "..")) return { error: `${genericInvalid}: ${start}` }
  return { ok: { rv, start } }
}
