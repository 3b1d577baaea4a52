/**
 * Patch bodies, one per patch type the apiserver accepts.
 *
 * @since 0.1.0
 */

/**
 * One RFC 6902 operation.
 *
 * @since 0.1.0
 */
export type JsonPatchOperation =
  | { readonly op: "add"; readonly path: string; readonly value: unknown }
  | { readonly op: "remove"; readonly path: string }
  | { readonly op: "replace"; readonly path: string; readonly value: unknown }
  | { readonly op: "move"; readonly from: string; readonly path: string }
  | { readonly op: "copy"; readonly from: string; readonly path: string }
  | { readonly op: "test"; readonly path: string; readonly value: unknown }

/**
 * A patch: JSON merge (RFC 7386), JSON patch (RFC 6902), or strategic merge (built-in kinds).
 * Server-side apply has its own verb (`Api.apply`).
 *
 * @example
 * const p: Patch = Patch.merge({ metadata: { labels: { app: "web" } } })
 * @since 0.1.0
 */
export type Patch =
  | { readonly _tag: "Merge"; readonly body: unknown }
  | { readonly _tag: "Json"; readonly operations: ReadonlyArray<JsonPatchOperation> }
  | { readonly _tag: "Strategic"; readonly body: unknown }

/** @since 0.1.0 */
export const merge = (body: unknown): Patch => ({ _tag: "Merge", body })
/** @since 0.1.0 */
export const json = (operations: ReadonlyArray<JsonPatchOperation>): Patch => ({ _tag: "Json", operations })
/** @since 0.1.0 */
export const strategic = (body: unknown): Patch => ({ _tag: "Strategic", body })

/**
 * The Content-Type of each patch type.
 *
 * @since 0.1.0
 */
export const contentType = (patch: Patch): string => {
  switch (patch._tag) {
    case "Merge":
      return "application/merge-patch+json"
    case "Json":
      return "application/json-patch+json"
    case "Strategic":
      return "application/strategic-merge-patch+json"
  }
}

/**
 * The Content-Type of a server-side apply request.
 *
 * @since 0.1.0
 */
export const ApplyContentType = "application/apply-patch+yaml"

/**
 * Escapes a JSON-pointer segment (`~` → `~0`, `/` → `~1`).
 *
 * @example
 * escapePointer("example.com/finalizer") // "example.com~1finalizer"
 * @since 0.1.0
 */
export const escapePointer = (segment: string): string => segment.replaceAll("~", "~0").replaceAll("/", "~1")
