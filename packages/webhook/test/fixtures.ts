/**
 * Shared test material: a Website kind with Schema defaults and refinements, review builders,
 * a tiny RFC 6902 applier, certificate directories and an HTTPS client that reports the
 * certificate the server presented.
 */
import * as Certificates from "@effect-kube/testing/Certificates"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { execFile } from "node:child_process"
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises"
import * as https from "node:https"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { TLSSocket } from "node:tls"
import * as Resource from "@effect-kube/core/Resource"
import type { JsonPatchOperation } from "@effect-kube/core/Patch"
import type { AdmissionRequest } from "../src/AdmissionReview.js"

// ---------------------------------------------------------------------------------------------
// Kinds

export const WebsiteSpec = Schema.Struct({
  image: Schema.String,
  replicas: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 10)), { default: () => 1 }),
  tier: Schema.optionalWith(Schema.Literal("web", "batch"), { default: () => "web" as const })
})

export const Website = Resource.custom({
  group: "example.com",
  version: "v1",
  kind: "Website",
  plural: "websites",
  scope: "Namespaced",
  spec: WebsiteSpec
})
export type Website = Resource.TypeOf<typeof Website>

// ---------------------------------------------------------------------------------------------
// Reviews

let counter = 0
export const uid = () => `uid-${++counter}`

export const websiteObject = (spec: unknown, metadata: Record<string, unknown> = {}) => ({
  apiVersion: "example.com/v1",
  kind: "Website",
  metadata: { name: "web", namespace: "default", ...metadata },
  spec
})

export const admissionRequest = (overrides: Partial<AdmissionRequest> = {}): AdmissionRequest => ({
  uid: uid(),
  kind: { group: "example.com", version: "v1", kind: "Website" },
  resource: { group: "example.com", version: "v1", resource: "websites" },
  name: "web",
  namespace: "default",
  operation: "CREATE",
  userInfo: { username: "alice", groups: ["system:authenticated"] },
  object: websiteObject({ image: "nginx:1.27" }),
  oldObject: null,
  dryRun: false,
  ...overrides
})

export const admissionReview = (overrides: Partial<AdmissionRequest> = {}) => ({
  apiVersion: "admission.k8s.io/v1",
  kind: "AdmissionReview",
  request: admissionRequest(overrides)
})

export const decodePatch = (patch: string | undefined): ReadonlyArray<JsonPatchOperation> =>
  patch === undefined ? [] : JSON.parse(Buffer.from(patch, "base64").toString("utf8"))

// ---------------------------------------------------------------------------------------------
// A tiny RFC 6902 applier (add / remove / replace), strict about paths: a patch that points
// somewhere that does not exist throws, so a wrong diff cannot pass by accident.

const unescapeSegment = (segment: string) => segment.replaceAll("~1", "/").replaceAll("~0", "~")

const clone = (u: unknown): unknown => (u === undefined ? undefined : JSON.parse(JSON.stringify(u)))

type Container = { [key: string]: unknown } | Array<unknown>

const isContainer = (u: unknown): u is Container => typeof u === "object" && u !== null

export const applyPatch = (document: unknown, operations: ReadonlyArray<JsonPatchOperation>): unknown => {
  let root = clone(document)
  for (const op of operations) {
    if (op.path === "") {
      if (op.op !== "replace") throw new Error(`unsupported root op ${op.op}`)
      root = clone(op.value)
      continue
    }
    const segments = op.path.slice(1).split("/").map(unescapeSegment)
    const last = segments.pop()
    if (last === undefined) throw new Error(`bad path ${op.path}`)
    let parent: unknown = root
    for (const s of segments) {
      if (!isContainer(parent)) throw new Error(`path ${op.path} goes through a scalar`)
      const next: unknown = Array.isArray(parent) ? parent[Number(s)] : Object.hasOwn(parent, s) ? parent[s] : undefined
      if (next === undefined) throw new Error(`path ${op.path} does not exist`)
      parent = next
    }
    if (!isContainer(parent)) throw new Error(`path ${op.path} has a scalar parent`)
    if (Array.isArray(parent)) {
      const index = last === "-" ? parent.length : Number(last)
      if (!Number.isInteger(index) || index < 0) throw new Error(`bad index in ${op.path}`)
      if (op.op === "add") {
        if (index > parent.length) throw new Error(`index out of bounds in ${op.path}`)
        parent.splice(index, 0, clone(op.value))
      } else if (op.op === "remove") {
        if (index >= parent.length) throw new Error(`index out of bounds in ${op.path}`)
        parent.splice(index, 1)
      } else if (op.op === "replace") {
        if (index >= parent.length) throw new Error(`index out of bounds in ${op.path}`)
        parent[index] = clone(op.value)
      } else throw new Error(`unsupported op ${op.op}`)
    } else {
      const exists = Object.hasOwn(parent, last)
      if (op.op === "add") {
        Object.defineProperty(parent, last, {
          value: clone(op.value),
          enumerable: true,
          writable: true,
          configurable: true
        })
      } else if (op.op === "remove") {
        if (!exists) throw new Error(`remove of missing ${op.path}`)
        delete parent[last]
      } else if (op.op === "replace") {
        if (!exists) throw new Error(`replace of missing ${op.path}`)
        Object.defineProperty(parent, last, {
          value: clone(op.value),
          enumerable: true,
          writable: true,
          configurable: true
        })
      } else throw new Error(`unsupported op ${op.op}`)
    }
  }
  return root
}

// ---------------------------------------------------------------------------------------------
// Certificates on disk

export const tempDir = Effect.acquireRelease(
  Effect.promise(() => mkdtemp(join(tmpdir(), "webhook-test-"))),
  (dir) => Effect.promise(() => rm(dir, { recursive: true, force: true }))
)

export const writeCerts = (dir: string, certs: { readonly cert: string; readonly key: string }) =>
  Effect.promise(async () => {
    await writeFile(join(dir, "tls.crt"), certs.cert)
    await writeFile(join(dir, "tls.key"), certs.key)
  })

/** A temporary cert dir holding a fresh serving certificate; returns the dir and the material. */
export const certDir = Effect.gen(function* () {
  const dir = yield* tempDir
  const certs = yield* Certificates.generate()
  yield* writeCerts(dir, certs)
  return { dir, certs }
})

// ---------------------------------------------------------------------------------------------
// HTTPS client

export interface Answer {
  readonly status: number
  readonly headers: Record<string, string | Array<string> | undefined>
  readonly text: string
  /** The body parsed as JSON, or undefined when it is not JSON. */
  readonly json: unknown
  /** SHA-256 fingerprint of the certificate the server presented. */
  readonly peerFingerprint256: string
}

export interface CallOptions {
  readonly port: number
  readonly path: string
  readonly method?: string
  readonly body?: string | Buffer
  readonly headers?: Record<string, string>
  readonly ca: string | ReadonlyArray<string>
  readonly cert?: string
  readonly key?: string
  /** Write the body in pieces without Content-Length (chunked). */
  readonly chunked?: boolean
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** One request on a fresh connection (no agent: every call does a full TLS handshake). */
export const call = (options: CallOptions): Effect.Effect<Answer, Error> =>
  Effect.async((resume) => {
    const body = options.body
    const headers: Record<string, string> = {
      ...(body !== undefined
        ? options.chunked
          ? { "transfer-encoding": "chunked" }
          : { "content-length": String(Buffer.byteLength(body)) }
        : {}),
      "content-type": "application/json",
      ...options.headers
    }
    const req = https.request(
      {
        host: "127.0.0.1",
        port: options.port,
        path: options.path,
        method: options.method ?? "POST",
        headers,
        ca: typeof options.ca === "string" ? options.ca : [...options.ca],
        cert: options.cert,
        key: options.key,
        agent: false
      },
      (res) => {
        const socket = res.socket
        const peer = socket instanceof TLSSocket ? socket.getPeerCertificate() : undefined
        const chunks: Array<Buffer> = []
        res.on("data", (c: Buffer) => chunks.push(c))
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8")
          resume(
            Effect.succeed({
              status: res.statusCode ?? 0,
              headers: res.headers,
              text,
              json: parseJson(text),
              peerFingerprint256: peer?.fingerprint256 ?? ""
            })
          )
        })
      }
    )
    req.on("error", (error) => resume(Effect.fail(error)))
    if (body === undefined) req.end()
    else if (options.chunked) {
      const bytes = Buffer.from(body)
      for (let i = 0; i < bytes.length; i += 512) req.write(bytes.subarray(i, i + 512))
      req.end()
    } else req.end(body)
    return Effect.sync(() => req.destroy())
  })

// ---------------------------------------------------------------------------------------------
// Client certificates (openssl CLI: the test Certificates only issue serving certificates)

const openssl = (args: ReadonlyArray<string>, cwd: string) =>
  Effect.async<void, Error>((resume) => {
    execFile("openssl", [...args], { cwd }, (error, _stdout, stderr) =>
      resume(error ? Effect.fail(new Error(`openssl ${args[0]}: ${stderr}`)) : Effect.void)
    )
  })

export interface ClientCerts {
  readonly caCert: string
  readonly cert: string
  readonly key: string
}

/** A CA and a client certificate it signs (extendedKeyUsage clientAuth), in `dir/<prefix>-*`. */
export const clientCerts = (dir: string, prefix: string): Effect.Effect<ClientCerts, Error> =>
  Effect.gen(function* () {
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    yield* openssl(
      [
        "req",
        "-x509",
        ...ec,
        "-keyout",
        `${prefix}-ca.key`,
        "-out",
        `${prefix}-ca.crt`,
        "-subj",
        `/CN=${prefix}-ca`,
        "-days",
        "1",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign"
      ],
      dir
    )
    yield* openssl(
      ["req", "-new", ...ec, "-keyout", `${prefix}.key`, "-out", `${prefix}.csr`, "-subj", "/CN=kube-apiserver"],
      dir
    )
    yield* Effect.promise(() =>
      writeFile(join(dir, `${prefix}.ext`), "extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n")
    )
    yield* openssl(
      [
        "x509",
        "-req",
        "-in",
        `${prefix}.csr`,
        "-CA",
        `${prefix}-ca.crt`,
        "-CAkey",
        `${prefix}-ca.key`,
        "-CAcreateserial",
        "-out",
        `${prefix}.crt`,
        "-days",
        "1",
        "-extfile",
        `${prefix}.ext`
      ],
      dir
    )
    const read = (name: string) => Effect.promise(() => readFile(join(dir, name), "utf8"))
    return {
      caCert: yield* read(`${prefix}-ca.crt`),
      cert: yield* read(`${prefix}.crt`),
      key: yield* read(`${prefix}.key`)
    }
  })
