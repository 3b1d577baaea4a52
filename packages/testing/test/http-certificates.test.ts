import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { X509Certificate } from "node:crypto"
import * as tls from "node:tls"
import * as Certificates from "../src/Certificates.js"

const handshake = (options: { readonly cert: string; readonly key: string; readonly ca?: string }) =>
  Effect.async<string, Error>((resume) => {
    const server = tls.createServer({ cert: options.cert, key: options.key }, (socket) => socket.end("hello"))
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      const socket = tls.connect({ host: "127.0.0.1", port, ca: options.ca }, () => {
        socket.once("data", (d) => {
          socket.end()
          server.close()
          resume(Effect.succeed(d.toString()))
        })
      })
      socket.on("error", (e) => {
        server.close()
        resume(Effect.fail(e))
      })
    })
    return Effect.sync(() => server.close())
  })

describe("Certificates.generate", () => {
  it.live("issues a serving certificate that verifies against the CA for 127.0.0.1, ::1 and localhost", () =>
    Effect.gen(function* () {
      const certs = yield* Certificates.generate()
      const ca = new X509Certificate(certs.caCert)
      const leaf = new X509Certificate(certs.cert)
      expect(ca.ca).toBe(true)
      expect(leaf.ca).toBe(false)
      expect(leaf.checkIssued(ca)).toBe(true)
      expect(leaf.verify(ca.publicKey)).toBe(true)
      expect(leaf.checkIP("127.0.0.1")).toBe("127.0.0.1")
      expect(leaf.checkIP("::1")).toBe("::1")
      expect(leaf.checkHost("localhost")).toBe("localhost")
      expect(leaf.checkHost("example.com")).toBeUndefined()
      expect(yield* handshake({ ...certs, ca: certs.caCert })).toBe("hello")
    })
  )

  it.live("a client that does not trust the CA rejects the handshake", () =>
    Effect.gen(function* () {
      const certs = yield* Certificates.generate()
      const error = yield* Effect.flip(handshake({ cert: certs.cert, key: certs.key }))
      expect(String(error.message)).toMatch(/certificate/i)
    })
  )

  it.live("honours custom names", () =>
    Effect.gen(function* () {
      const certs = yield* Certificates.generate({ dnsNames: ["webhook.default.svc"], ipAddresses: [] })
      const leaf = new X509Certificate(certs.cert)
      expect(leaf.checkHost("webhook.default.svc")).toBe("webhook.default.svc")
      expect(leaf.checkIP("127.0.0.1")).toBeUndefined()
    })
  )
})
