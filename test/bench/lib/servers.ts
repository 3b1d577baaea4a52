/**
 * The servers the peers run against: the project's HTTPS mock front end over a paging backend of
 * generated objects, the watch firehose (P2), and seeding of the real kube-apiserver.
 */
import type { KubeRequest, KubeResponse } from "@effect-kube/client/Transport"
import type { KubeError } from "@effect-kube/core/Errors"
import * as Certificates from "@effect-kube/testing/Certificates"
import * as MockHttpServer from "@effect-kube/testing/MockHttpServer"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { createServer } from "node:https"
import type { AddressInfo } from "node:net"
import { Agent, request } from "undici"
import { createBody, serverObject } from "./fixtures.js"

/** Where a peer connects: URL, bearer token, CA and a kubeconfig path with the same. */
export interface Target {
  readonly name: string
  readonly url: string
  readonly token: string
  readonly caPem: string
  readonly kubeconfig: string
}

const listPath = /^\/api\/v1\/configmaps$/

/**
 * A `MockHttpServer` backend serving `n` generated ConfigMaps at `/api/v1/configmaps` in pages
 * (continue token = next index; O(page) per request) and watches that stay open without events.
 * Why not `ApiServer`: its paginated list sorts every key per page (O(N log N) per page, O(N²/limit)
 * per list), which at 100k–1M objects would measure the mock, not the clients.
 */
export const pagingBackend = (getN: () => number): MockHttpServer.Backend => {
  // Objects are generated once per size up to `cacheLimit` (the server then only stringifies);
  // above it (P5's 1M) they are generated per page so the server holds no copy.
  const cacheLimit = 200_000
  let cached: Array<ReturnType<typeof serverObject>> = []
  const objectAt = (i: number, n: number) => {
    if (n > cacheLimit) return serverObject(i)
    if (cached.length !== n) cached = Array.from({ length: n }, (_, j) => serverObject(j))
    return cached[i]
  }
  return {
    handle: (req: KubeRequest): Effect.Effect<KubeResponse, KubeError> =>
      Effect.sync(() => {
        if (req.method !== "GET" || !listPath.test(req.path)) {
          return {
            status: 404,
            headers: { "content-type": "application/json" },
            body: {
              kind: "Status",
              apiVersion: "v1",
              status: "Failure",
              reason: "NotFound",
              code: 404,
              message: "not found"
            }
          }
        }
        const n = getN()
        const limitRaw = Number(req.query?.limit ?? "0")
        const limit = limitRaw > 0 ? limitRaw : n
        const start = Number(req.query?.continue ?? "") || 0
        const end = Math.min(n, start + limit)
        const items = []
        for (let i = start; i < end; i++) items.push(objectAt(i, n))
        const more = end < n
        return {
          status: 200,
          headers: { "content-type": "application/json" },
          body: {
            kind: "ConfigMapList",
            apiVersion: "v1",
            metadata: more
              ? { resourceVersion: String(n + 1), continue: String(end), remainingItemCount: n - end }
              : { resourceVersion: String(n + 1) },
            items
          }
        }
      }),
    watch: (): Stream.Stream<unknown, KubeError> => Stream.never
  }
}

/** Starts the HTTPS mock (MockHttpServer over {@link pagingBackend}) for the scope. */
export const startMock = (
  getN: () => number
): Effect.Effect<MockHttpServer.Service, MockHttpServer.ListenError | Certificates.CertificateError, Scope.Scope> =>
  MockHttpServer.make(pagingBackend(getN), {})

/** A pre-serialised NDJSON firehose of `m` watch events over `keys` ConfigMaps (RV 2..m+1). */
export const firehoseBytes = (m: number, keys: number): Buffer => {
  const marker = "@@RV@@"
  const parts: Array<{ readonly added: Buffer; readonly modified: Buffer; readonly suffix: Buffer }> = []
  for (let j = 0; j < Math.min(keys, m); j++) {
    const object = serverObject(j)
    const text = JSON.stringify({
      type: "MODIFIED",
      object: { ...object, metadata: { ...object.metadata, resourceVersion: marker } }
    })
    const at = text.indexOf(marker)
    const prefix = text.slice(0, at)
    parts.push({
      added: Buffer.from(prefix.replace('"type":"MODIFIED"', '"type":"ADDED"')),
      modified: Buffer.from(prefix),
      suffix: Buffer.from(`${text.slice(at + marker.length)}\n`)
    })
  }
  let total = 0
  for (let e = 0; e < m; e++) {
    const p = parts[e % parts.length]
    total += (e < parts.length ? p.added.length : p.modified.length) + String(e + 2).length + p.suffix.length
  }
  const out = Buffer.allocUnsafe(total)
  let at = 0
  for (let e = 0; e < m; e++) {
    const p = parts[e % parts.length]
    at += (e < parts.length ? p.added : p.modified).copy(out, at)
    at += out.write(String(e + 2), at, "latin1")
    at += p.suffix.copy(out, at)
  }
  return out
}

/**
 * The P2 firehose: HTTPS, answers any list with an empty ConfigMapList (RV 1) and any watch with
 * the whole pre-serialised buffer, written in 1 MiB slices as fast as the socket drains, then
 * holds the connection open until the client goes away.
 */
export const startFirehose = (
  events: Buffer
): Effect.Effect<{ readonly url: string; readonly caPem: string }, Certificates.CertificateError, Scope.Scope> =>
  Effect.gen(function* () {
    const certs = yield* Certificates.generate({ ipAddresses: ["127.0.0.1"] })
    const server = createServer({ cert: certs.cert, key: certs.key }, (req, res) => {
      const url = new URL(req.url ?? "/", "https://localhost")
      const watching = url.searchParams.get("watch") === "true" || url.searchParams.get("watch") === "1"
      if (!watching) {
        res.writeHead(200, { "content-type": "application/json" })
        res.end(
          JSON.stringify({ kind: "ConfigMapList", apiVersion: "v1", metadata: { resourceVersion: "1" }, items: [] })
        )
        return
      }
      res.writeHead(200, { "content-type": "application/json", "transfer-encoding": "chunked" })
      const slice = 1 << 20
      let offset = 0
      const pump = (): void => {
        while (offset < events.length) {
          const chunk = events.subarray(offset, Math.min(events.length, offset + slice))
          offset += chunk.length
          if (!res.write(chunk)) {
            res.once("drain", pump)
            return
          }
        }
      }
      pump()
    })
    const port = yield* Effect.async<number>((resume) => {
      server.listen(0, "127.0.0.1", () => {
        const address: AddressInfo | string | null = server.address()
        resume(Effect.succeed(typeof address === "object" && address !== null ? address.port : 0))
      })
    })
    yield* Effect.addFinalizer(() =>
      Effect.async<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
    )
    return { url: `https://127.0.0.1:${port}`, caPem: certs.caCert }
  })

/**
 * Creates ConfigMaps `from..to-1` in the real apiserver, `concurrency` requests in flight
 * (namespaces first). Returns the number created (409s count as present).
 */
export const seedReal = async (
  target: Pick<Target, "url" | "token" | "caPem">,
  from: number,
  to: number,
  namespaces: number,
  concurrency = 32
): Promise<number> => {
  const dispatcher = new Agent({ connect: { ca: target.caPem }, connections: concurrency, pipelining: 1 })
  const headers = { authorization: `Bearer ${target.token}`, "content-type": "application/json" }
  const post = async (path: string, body: unknown): Promise<boolean> => {
    for (let attempt = 0; attempt < 5; attempt++) {
      const res = await request(`${target.url}${path}`, {
        method: "POST",
        headers,
        body: JSON.stringify(body),
        dispatcher
      })
      await res.body.dump()
      if (res.statusCode === 201 || res.statusCode === 409) return true
      if (res.statusCode !== 429 && res.statusCode < 500) throw new Error(`seed ${path}: HTTP ${res.statusCode}`)
      await new Promise((r) => setTimeout(r, 200 * (attempt + 1)))
    }
    return false
  }
  try {
    for (let ns = 0; ns < namespaces; ns++) {
      await post("/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: `bench-${ns}` } })
    }
    let next = from
    let created = 0
    const worker = async (): Promise<void> => {
      while (next < to) {
        const i = next++
        const body = createBody(i)
        if (
          await post(
            `/api/v1/namespaces/${body.metadata.namespace}/configmaps?fieldManager=kubectl-client-side-apply`,
            body
          )
        )
          created++
      }
    }
    await Promise.all(Array.from({ length: concurrency }, worker))
    return created
  } finally {
    await dispatcher.close()
  }
}
