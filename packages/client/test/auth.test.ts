import * as Fs from "node:fs"
import * as Path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import { makeAuthorizer, tokenFileAuthorizer } from "../src/internal/auth.js"
import * as KubeConfig from "../src/KubeConfig.js"
import { tempDir } from "./servers.js"

describe("token file credentials", () => {
  it.scoped("re-read at most once a minute; a failed re-read keeps the last token", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const file = Path.join(dir, "token")
      Fs.writeFileSync(file, "first\n")
      const authorize = yield* tokenFileAuthorizer(file)
      expect(yield* authorize).toBe("Bearer first")
      Fs.writeFileSync(file, "second")
      yield* TestClock.adjust("59 seconds")
      expect(yield* authorize).toBe("Bearer first")
      yield* TestClock.adjust("1 second")
      expect(yield* authorize).toBe("Bearer second")
      Fs.rmSync(file)
      yield* TestClock.adjust("61 seconds")
      expect(yield* authorize).toBe("Bearer second")
      Fs.writeFileSync(file, "third")
      // The failed read counted as a read: the next attempt is a minute later.
      expect(yield* authorize).toBe("Bearer second")
      yield* TestClock.adjust("60 seconds")
      expect(yield* authorize).toBe("Bearer third")
    })
  )

  it.scoped("no token yet and an unreadable file fails the request with a TransportError", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const authorize = yield* tokenFileAuthorizer(Path.join(dir, "missing"))
      const error = yield* Effect.flip(authorize)
      expect(error._tag).toBe("TransportError")
      expect(error.message).toContain("cannot read the bearer token file")
    })
  )
})

describe("plugin credentials (client-node authenticators)", () => {
  it.scoped("an exec plugin runs once and its token is cached until it expires", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const counter = Path.join(dir, "calls")
      const script = `
        const fs = require("node:fs")
        fs.appendFileSync(${JSON.stringify(counter)}, "x")
        const n = fs.readFileSync(${JSON.stringify(counter)}, "utf8").length
        process.stdout.write(JSON.stringify({
          apiVersion: "client.authentication.k8s.io/v1",
          kind: "ExecCredential",
          status: { token: "exec-token-" + n, expirationTimestamp: new Date(Date.now() + 3600e3).toISOString() }
        }))`
      const access = yield* KubeConfig.fromString(
        JSON.stringify({
          "current-context": "c",
          clusters: [{ name: "k", cluster: { server: "https://127.0.0.1:1" } }],
          users: [
            {
              name: "u",
              user: {
                exec: { apiVersion: "client.authentication.k8s.io/v1", command: process.execPath, args: ["-e", script] }
              }
            }
          ],
          contexts: [{ name: "c", context: { cluster: "k", user: "u" } }]
        })
      )
      const authorize = yield* makeAuthorizer(access)
      const headers = yield* Effect.all([authorize, authorize, authorize, authorize], { concurrency: "unbounded" })
      expect(headers).toEqual(Array(4).fill("Bearer exec-token-1"))
      expect(Fs.readFileSync(counter, "utf8")).toBe("x")
    })
  )

  it.effect("a failing exec plugin is a TransportError naming the user", () =>
    Effect.gen(function* () {
      const access = KubeConfig.make({
        server: "https://127.0.0.1:1",
        credentials: {
          _tag: "Plugin",
          provider: "exec",
          user: "broken",
          config: Redacted.make({ command: process.execPath, args: ["-e", "process.exit(3)"] })
        }
      })
      const error = yield* Effect.flip(Effect.flatten(makeAuthorizer(access)))
      expect(error._tag).toBe("TransportError")
      expect(error.message).toContain("exec credential plugin of user 'broken' failed")
    })
  )

  it.effect("an OIDC auth-provider with a valid id-token sends it, without mutating the access", () =>
    Effect.gen(function* () {
      const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url")
      const jwt = `${b64url({ alg: "none" })}.${b64url({ exp: Math.floor(Date.now() / 1000) + 3600 })}.sig`
      const stanza = { name: "oidc", config: { "id-token": jwt, "idp-issuer-url": "https://idp.invalid" } }
      const access = KubeConfig.make({
        server: "https://127.0.0.1:1",
        credentials: { _tag: "Plugin", provider: "auth-provider", user: "o", config: Redacted.make(stanza) }
      })
      const authorize = yield* makeAuthorizer(access)
      expect(yield* authorize).toBe(`Bearer ${jwt}`)
      expect(stanza.config).toEqual({ "id-token": jwt, "idp-issuer-url": "https://idp.invalid" })
    })
  )

  it.effect("static token and basic credentials", () =>
    Effect.gen(function* () {
      const token = yield* Effect.flatten(
        makeAuthorizer(
          KubeConfig.make({ server: "https://x", credentials: { _tag: "Token", token: Redacted.make("t") } })
        )
      )
      const basic = yield* Effect.flatten(
        makeAuthorizer(
          KubeConfig.make({
            server: "https://x",
            credentials: { _tag: "Basic", username: "u", password: Redacted.make("p") }
          })
        )
      )
      const none = yield* Effect.flatten(makeAuthorizer(KubeConfig.make({ server: "https://x" })))
      expect([token, basic, none]).toEqual(["Bearer t", `Basic ${Buffer.from("u:p").toString("base64")}`, undefined])
    })
  )
})
