import * as Fs from "node:fs"
import * as Path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as KubeConfig from "../src/KubeConfig.js"
import { tempDir } from "./servers.js"

const b64 = (s: string) => Buffer.from(s).toString("base64")

const config = (body: {
  readonly current?: string
  readonly clusters?: ReadonlyArray<readonly [string, Record<string, unknown>]>
  readonly users?: ReadonlyArray<readonly [string, Record<string, unknown>]>
  readonly contexts?: ReadonlyArray<readonly [string, Record<string, unknown>]>
}) =>
  // JSON is YAML.
  JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    "current-context": body.current,
    clusters: (body.clusters ?? []).map(([name, cluster]) => ({ name, cluster })),
    users: (body.users ?? []).map(([name, user]) => ({ name, user })),
    contexts: (body.contexts ?? []).map(([name, context]) => ({ name, context }))
  })

const withEnv = (env: Record<string, string>) =>
  Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))

const basic = config({
  current: "dev",
  clusters: [
    [
      "dev-cluster",
      { server: "https://dev.example:6443/", "certificate-authority-data": b64("CA-PEM"), "tls-server-name": "kube" }
    ],
    ["prod-cluster", { server: "https://prod.example", "insecure-skip-tls-verify": true }]
  ],
  users: [
    ["dev-user", { token: "s3cr3t-token" }],
    ["prod-user", { username: "admin", password: "hunter2", as: "jane" }]
  ],
  contexts: [
    ["dev", { cluster: "dev-cluster", user: "dev-user", namespace: "team-a" }],
    ["prod", { cluster: "prod-cluster", user: "prod-user" }],
    ["anon", { cluster: "prod-cluster" }]
  ]
})

describe("KubeConfig.fromString", () => {
  it.effect("resolves the current context into a ClusterAccess", () =>
    Effect.gen(function* () {
      const access = yield* KubeConfig.fromString(basic)
      expect({ ...access, credentials: access.credentials._tag }).toEqual({
        source: "<string>",
        context: "dev",
        cluster: "dev-cluster",
        user: "dev-user",
        server: "https://dev.example:6443",
        namespace: "team-a",
        tls: { ca: "CA-PEM", cert: undefined, key: undefined, insecureSkipTlsVerify: false, serverName: "kube" },
        credentials: "Token",
        impersonateUser: undefined
      })
      expect(access.credentials._tag === "Token" && Redacted.value(access.credentials.token)).toBe("s3cr3t-token")
      // Secrets never show up when the value is printed or serialised.
      expect(JSON.stringify(access)).not.toContain("s3cr3t")
      expect(String(access.credentials._tag === "Token" && access.credentials.token)).not.toContain("s3cr3t")
    })
  )

  it.effect("selects a named context: basic auth, impersonation, insecure; a context without user is anonymous", () =>
    Effect.gen(function* () {
      const prod = yield* KubeConfig.fromString(basic, { context: "prod" })
      expect([prod.server, prod.tls.insecureSkipTlsVerify, prod.impersonateUser, prod.credentials._tag]).toEqual([
        "https://prod.example",
        true,
        "jane",
        "Basic"
      ])
      expect(prod.credentials._tag === "Basic" && Redacted.value(prod.credentials.password)).toBe("hunter2")
      const anon = yield* KubeConfig.fromString(basic, { context: "anon" })
      expect([anon.user, anon.credentials._tag]).toEqual(["", "Anonymous"])
    })
  )

  it.effect("errors name the missing entry and the source", () =>
    Effect.gen(function* () {
      const noContext = yield* Effect.flip(KubeConfig.fromString(basic, { context: "nope" }))
      expect(noContext._tag).toBe("KubeConfigError")
      expect(noContext.message).toBe("context 'nope' not found in <string>")
      const noServer = yield* Effect.flip(
        KubeConfig.fromString(
          config({
            current: "c",
            clusters: [["y", { "certificate-authority-data": b64("x") }]],
            contexts: [["c", { cluster: "y" }]]
          })
        )
      )
      expect(noServer.message).toBe("cluster 'y' has no server in <string>")
      const noCluster = yield* Effect.flip(
        KubeConfig.fromString(config({ current: "c", contexts: [["c", { cluster: "gone" }]] }))
      )
      expect(noCluster.message).toBe("cluster 'gone' (of context 'c') not found in <string>")
      const noUser = yield* Effect.flip(
        KubeConfig.fromString(
          config({
            current: "c",
            clusters: [["y", { server: "https://a" }]],
            contexts: [["c", { cluster: "y", user: "u" }]]
          })
        )
      )
      expect(noUser.message).toBe("user 'u' (of context 'c') not found in <string>")
      const noCurrent = yield* Effect.flip(KubeConfig.fromString(config({})))
      expect(noCurrent.message).toContain("no current-context")
      const badYaml = yield* Effect.flip(KubeConfig.fromString("clusters: [\n  - {"))
      expect(badYaml.message).toContain("not valid YAML")
      const badUrl = yield* Effect.flip(
        KubeConfig.fromString(
          config({ current: "c", clusters: [["y", { server: "ftp://x" }]], contexts: [["c", { cluster: "y" }]] })
        )
      )
      expect(badUrl.message).toContain("must be http(s)")
    })
  )

  it.scoped("file material resolves relative to the kubeconfig; unreadable files are named", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      Fs.mkdirSync(Path.join(dir, "pki"))
      Fs.writeFileSync(Path.join(dir, "pki", "ca.crt"), "CA FROM FILE")
      Fs.writeFileSync(Path.join(dir, "pki", "client.crt"), "CERT")
      Fs.writeFileSync(Path.join(dir, "pki", "client.key"), "KEY")
      Fs.writeFileSync(Path.join(dir, "token"), "file-token\n")
      const file = Path.join(dir, "config")
      Fs.writeFileSync(
        file,
        config({
          current: "c",
          clusters: [
            ["y", { server: "https://a", "certificate-authority": "pki/ca.crt" }],
            ["broken", { server: "https://b", "certificate-authority": "pki/missing.crt" }]
          ],
          users: [
            ["u", { "client-certificate": "pki/client.crt", "client-key": "pki/client.key", tokenFile: "token" }],
            ["half", { "client-certificate": "pki/client.crt" }],
            ["nofile", { tokenFile: "no-such-token" }]
          ],
          contexts: [
            ["c", { cluster: "y", user: "u" }],
            ["b", { cluster: "broken", user: "u" }],
            ["h", { cluster: "y", user: "half" }],
            ["n", { cluster: "y", user: "nofile" }]
          ]
        })
      )
      const access = yield* KubeConfig.fromFile(file)
      expect(access.tls.ca).toBe("CA FROM FILE")
      expect(access.tls.cert).toBe("CERT")
      expect(access.tls.key && Redacted.value(access.tls.key)).toBe("KEY")
      expect(access.credentials).toEqual({ _tag: "TokenFile", path: Path.join(dir, "token") })
      const broken = yield* Effect.flip(KubeConfig.fromFile(file, { context: "b" }))
      expect(broken.message).toContain(`cannot read certificate-authority ${Path.join(dir, "pki", "missing.crt")}`)
      expect(broken.message).toContain("cluster 'broken'")
      expect(broken.path).toBe(Path.join(dir, "pki", "missing.crt"))
      const half = yield* Effect.flip(KubeConfig.fromFile(file, { context: "h" }))
      expect(half.message).toContain("user 'half' has a client certificate but no client key")
      const noToken = yield* Effect.flip(KubeConfig.fromFile(file, { context: "n" }))
      expect(noToken.message).toContain("cannot read tokenFile")
      const missing = yield* Effect.flip(KubeConfig.fromFile(Path.join(dir, "absent")))
      expect(missing.message).toContain("cannot read kubeconfig")
    })
  )

  it.effect("exec and auth-provider users become Plugin credentials with a redacted stanza", () =>
    Effect.gen(function* () {
      const text = config({
        current: "e",
        clusters: [["y", { server: "https://a" }]],
        users: [
          [
            "exec-user",
            { exec: { apiVersion: "client.authentication.k8s.io/v1", command: "get-token", args: ["--x"] } }
          ],
          ["oidc-user", { "auth-provider": { name: "oidc", config: { "client-secret": "shh", "id-token": "jwt" } } }]
        ],
        contexts: [
          ["e", { cluster: "y", user: "exec-user" }],
          ["o", { cluster: "y", user: "oidc-user" }]
        ]
      })
      const exec = yield* KubeConfig.fromString(text)
      const oidc = yield* KubeConfig.fromString(text, { context: "o" })
      expect(exec.credentials._tag === "Plugin" && [exec.credentials.provider, exec.credentials.user]).toEqual([
        "exec",
        "exec-user"
      ])
      expect(oidc.credentials._tag === "Plugin" && oidc.credentials.provider).toBe("auth-provider")
      expect(JSON.stringify(oidc)).not.toContain("shh")
    })
  )
})

describe("KubeConfig.load", () => {
  it.scoped("KUBECONFIG: missing files skipped, first definition and first current-context win, paths per file", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      Fs.mkdirSync(Path.join(dir, "a"))
      Fs.mkdirSync(Path.join(dir, "b"))
      Fs.writeFileSync(Path.join(dir, "b", "ca.crt"), "CA OF B")
      const a = Path.join(dir, "a", "config")
      const b = Path.join(dir, "b", "config")
      Fs.writeFileSync(
        a,
        config({
          current: "from-a",
          clusters: [["shared", { server: "https://a.example" }]],
          users: [["shared-user", { token: "token-a" }]],
          contexts: [["from-a", { cluster: "shared", user: "shared-user" }]]
        })
      )
      Fs.writeFileSync(
        b,
        config({
          current: "from-b",
          clusters: [
            ["shared", { server: "https://b.example" }],
            ["only-b", { server: "https://only-b.example", "certificate-authority": "ca.crt" }]
          ],
          users: [["shared-user", { token: "token-b" }]],
          contexts: [
            ["from-b", { cluster: "only-b", user: "shared-user" }],
            ["from-a", { cluster: "only-b" }]
          ]
        })
      )
      const list = [Path.join(dir, "missing"), a, b].join(Path.delimiter)
      const current = yield* KubeConfig.load().pipe(withEnv({ KUBECONFIG: list }))
      expect([current.context, current.server, current.source]).toEqual([
        "from-a",
        "https://a.example",
        `${a}${Path.delimiter}${b}`
      ])
      expect(current.credentials._tag === "Token" && Redacted.value(current.credentials.token)).toBe("token-a")
      const fromB = yield* KubeConfig.load({ context: "from-b" }).pipe(withEnv({ KUBECONFIG: list }))
      // only-b's relative CA path resolves against b's directory; the user is a's (first wins).
      expect([fromB.server, fromB.tls.ca]).toEqual(["https://only-b.example", "CA OF B"])
      expect(fromB.credentials._tag === "Token" && Redacted.value(fromB.credentials.token)).toBe("token-a")
      const none = yield* Effect.flip(KubeConfig.load().pipe(withEnv({ KUBECONFIG: Path.join(dir, "nothing") })))
      expect(none.message).toContain("none of the kubeconfig files exist")
    })
  )

  it.scoped("order: explicit file > KUBECONFIG > in-cluster > ~/.kube/config", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const write = (file: string, server: string) => {
        Fs.mkdirSync(Path.dirname(file), { recursive: true })
        Fs.writeFileSync(
          file,
          config({ current: "c", clusters: [["x", { server }]], contexts: [["c", { cluster: "x" }]] })
        )
      }
      const explicit = Path.join(dir, "explicit")
      const fromEnv = Path.join(dir, "env")
      write(explicit, "https://explicit")
      write(fromEnv, "https://env")
      write(Path.join(dir, "home", ".kube", "config"), "https://home")
      const sa = Path.join(dir, "sa")
      Fs.mkdirSync(sa)
      Fs.writeFileSync(Path.join(sa, "ca.crt"), "SA CA")
      Fs.writeFileSync(Path.join(sa, "token"), "sa-token")
      Fs.writeFileSync(Path.join(sa, "namespace"), "operators\n")
      const all = {
        KUBECONFIG: fromEnv,
        KUBERNETES_SERVICE_HOST: "10.0.0.1",
        KUBERNETES_SERVICE_PORT: "443",
        HOME: Path.join(dir, "home")
      }
      const servers = []
      servers.push((yield* KubeConfig.load({ kubeconfig: explicit }).pipe(withEnv(all))).server)
      servers.push((yield* KubeConfig.load().pipe(withEnv(all))).server)
      const { KUBECONFIG: _k, ...inCluster } = all
      const pod = yield* KubeConfig.load({ serviceAccountDir: sa }).pipe(withEnv(inCluster))
      servers.push(pod.server)
      const { KUBERNETES_SERVICE_HOST: _h, ...homeOnly } = inCluster
      servers.push((yield* KubeConfig.load().pipe(withEnv(homeOnly))).server)
      expect(servers).toEqual(["https://explicit", "https://env", "https://10.0.0.1:443", "https://home"])
      expect([pod.namespace, pod.tls.ca, pod.credentials]).toEqual([
        "operators",
        "SA CA",
        { _tag: "TokenFile", path: Path.join(sa, "token") }
      ])
      const nothing = yield* Effect.flip(KubeConfig.load().pipe(withEnv({ HOME: Path.join(dir, "nobody") })))
      expect(nothing.message).toContain("no kubeconfig found")
    })
  )

  it.scoped("in-cluster: IPv6 hosts are bracketed; missing env or files are typed errors", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      Fs.writeFileSync(Path.join(dir, "ca.crt"), "CA")
      Fs.writeFileSync(Path.join(dir, "token"), "t")
      const v6 = yield* KubeConfig.inCluster({ serviceAccountDir: dir }).pipe(
        withEnv({ KUBERNETES_SERVICE_HOST: "fd00::1", KUBERNETES_SERVICE_PORT: "443" })
      )
      expect([v6.server, v6.namespace]).toEqual(["https://[fd00::1]:443", undefined])
      const notInCluster = yield* Effect.flip(KubeConfig.inCluster({ serviceAccountDir: dir }).pipe(withEnv({})))
      expect(notInCluster.message).toContain("not running in a cluster")
      const noCa = yield* Effect.flip(
        KubeConfig.inCluster({ serviceAccountDir: Path.join(dir, "nope") }).pipe(
          withEnv({ KUBERNETES_SERVICE_HOST: "10.0.0.1", KUBERNETES_SERVICE_PORT: "443" })
        )
      )
      expect(noCa.message).toContain("service-account CA")
    })
  )

  it("make builds an access with verification on by default", () => {
    const access = KubeConfig.make({ server: "https://x:6443/" })
    expect([access.server, access.tls.insecureSkipTlsVerify, access.credentials._tag]).toEqual([
      "https://x:6443",
      false,
      "Anonymous"
    ])
  })
})
