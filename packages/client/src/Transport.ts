/**
 * The seam between `KubeApi` and an apiserver: one request in, one parsed response out; one
 * watch request in, a stream of parsed frames out. The live layer speaks HTTP; the testing
 * package's in-memory mock answers the same requests without a socket, so the whole `KubeApi`
 * (URL building, error mapping, decoding, pagination, watch handling) is exercised by both.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Stream from "effect/Stream"
import type { KubeError, TransportError } from "@effect-kube/core/Errors"

/**
 * HTTP verbs the Kubernetes API uses.
 *
 * @since 0.1.0
 */
export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE"

/**
 * One API request. `path` is absolute and already escaped (`/api/v1/namespaces/ns/configmaps/x`);
 * `query` values that are `undefined` are omitted; `body` is a JSON value (serialised by the
 * transport).
 *
 * @since 0.1.0
 */
export interface KubeRequest {
  readonly method: Method
  readonly path: string
  readonly query?: Readonly<Record<string, string | undefined>>
  readonly body?: unknown
  /** Request Content-Type; defaults to `application/json`. Patches set their own. */
  readonly contentType?: string
  /** Accept header; defaults to `application/json`. Metadata-only requests set `as=PartialObjectMetadata…`. */
  readonly accept?: string
}

/**
 * A response whose body has been parsed as JSON (or `undefined` when empty). Non-2xx responses
 * are returned, not failed: `KubeApi` maps them to typed errors.
 *
 * @since 0.1.0
 */
export interface KubeResponse {
  readonly status: number
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string>>
  readonly body: unknown
}

/**
 * The transport service. Implementations must: never alias returned bodies with internal state;
 * fail `request` only for transport-level failures (a non-2xx is a response, not a failure); and
 * make `watch` a stream of parsed frames — `{ type, object }` values exactly as the server sent
 * them, `ERROR` frames included (KubeApi maps those to typed errors). `watch` fails with a typed
 * `StatusError` when the server refuses the watch with a non-2xx response, a `TransportError`
 * when the connection breaks, or a `DecodeError` for a frame that is not JSON. The stream ends
 * when the server ends the response.
 *
 * @since 0.1.0
 */
export class KubeTransport extends Context.Tag("@effect-kube/client/KubeTransport")<
  KubeTransport,
  {
    readonly request: (request: KubeRequest) => Effect.Effect<KubeResponse, TransportError>
    readonly watch: (request: KubeRequest) => Stream.Stream<unknown, KubeError>
  }
>() {}
