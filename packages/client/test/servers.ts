import { execFileSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Http from "node:http"
import * as Https from "node:https"
import type * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"

/** What the test server saw of one request. */
export interface Seen {
  readonly method: string
  readonly url: string
  readonly headers: Http.IncomingHttpHeaders
  readonly body: string
}

export type Handler = (seen: Seen, res: Http.ServerResponse, req: Http.IncomingMessage) => void

export interface TestServer {
  readonly url: string
  readonly port: number
  readonly seen: Array<Seen>
  /** Requests whose connection has closed. */
  readonly closed: Array<string>
}

/** A local HTTP(S) server for the test's scope; every connection is destroyed on close. */
export const serve = (handler: Handler, tls?: Https.ServerOptions): Effect.Effect<TestServer, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<{ server: Http.Server; info: TestServer; sockets: Set<Net.Socket> }>((resume) => {
      const seen: Array<Seen> = []
      const closed: Array<string> = []
      const sockets = new Set<Net.Socket>()
      const listener: Http.RequestListener = (req, res) => {
        const parts: Array<Buffer> = []
        req.on("data", (part: Buffer) => parts.push(part))
        req.on("end", () => {
          const entry = {
            method: req.method ?? "",
            url: req.url ?? "",
            headers: req.headers,
            body: Buffer.concat(parts).toString("utf8")
          }
          seen.push(entry)
          res.on("close", () => closed.push(entry.url))
          handler(entry, res, req)
        })
      }
      const server = tls === undefined ? Http.createServer(listener) : Https.createServer(tls, listener)
      server.on("connection", (socket: Net.Socket) => {
        sockets.add(socket)
        socket.on("close", () => sockets.delete(socket))
      })
      server.on("secureConnection", (socket: Net.Socket) => {
        sockets.add(socket)
        socket.on("close", () => sockets.delete(socket))
      })
      // TLS handshake failures are expected in some tests.
      server.on("tlsClientError", () => {})
      server.listen(0, "127.0.0.1", () => {
        const address = server.address()
        const port = typeof address === "object" && address !== null ? address.port : 0
        const scheme = tls === undefined ? "http" : "https"
        resume(Effect.succeed({ server, sockets, info: { url: `${scheme}://127.0.0.1:${port}`, port, seen, closed } }))
      })
    }),
    ({ server, sockets }) =>
      Effect.async<void>((resume) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resume(Effect.void))
      })
  ).pipe(Effect.map(({ info }) => info))

export const json = (
  res: Http.ServerResponse,
  status: number,
  body: unknown,
  headers: Http.OutgoingHttpHeaders = {}
) => {
  res.writeHead(status, { "content-type": "application/json", ...headers })
  res.end(JSON.stringify(body))
}

/** PEM material generated once per test process with the openssl CLI. */
export interface Pki {
  readonly dir: string
  readonly ca: string
  readonly otherCa: string
  readonly serverCert: string
  readonly serverKey: string
  readonly clientCert: string
  readonly clientKey: string
}

let pki: Pki | undefined

export const testPki = (): Pki => {
  if (pki !== undefined) return pki
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "effect-kube-pki-"))
  const file = (name: string) => Path.join(dir, name)
  const openssl = (...args: Array<string>) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" })
  const ecKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
  for (const ca of ["ca", "other-ca"]) {
    openssl("req", "-x509", ...ecKey, "-keyout", `${ca}.key`, "-out", `${ca}.crt`, "-days", "2", "-subj", `/CN=${ca}`)
  }
  Fs.writeFileSync(file("server.ext"), "subjectAltName=DNS:kube.test,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
  Fs.writeFileSync(file("client.ext"), "extendedKeyUsage=clientAuth\n")
  for (const [name, cn] of [
    ["server", "kube.test"],
    ["client", "system:admin"]
  ]) {
    openssl("req", ...ecKey, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${cn}`)
    openssl(
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      `${name}.crt`,
      "-days",
      "2",
      "-extfile",
      `${name}.ext`
    )
  }
  const read = (name: string) => Fs.readFileSync(file(name), "utf8")
  pki = {
    dir,
    ca: read("ca.crt"),
    otherCa: read("other-ca.crt"),
    serverCert: read("server.crt"),
    serverKey: read("server.key"),
    clientCert: read("client.crt"),
    clientKey: read("client.key")
  }
  return pki
}

/** A fresh temporary directory, removed with the scope. */
export const tempDir: Effect.Effect<string, never, Scope.Scope> = Effect.acquireRelease(
  Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "effect-kube-test-"))),
  (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
)
