import * as Fs from "node:fs/promises"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { isPlainObject } from "@effect-kube/core/Meta"
import { type ClusterAccess, type Credentials, KubeConfigError } from "../KubeConfig.js"

interface ClusterEntry {
  readonly name: string
  readonly source: string
  readonly baseDir: string
  readonly server: string | undefined
  readonly caFile: string | undefined
  readonly caData: string | undefined
  readonly insecure: boolean
  readonly serverName: string | undefined
}

interface UserEntry {
  readonly name: string
  readonly source: string
  readonly baseDir: string
  readonly token: string | undefined
  readonly tokenFile: string | undefined
  readonly username: string | undefined
  readonly password: string | undefined
  readonly certFile: string | undefined
  readonly certData: string | undefined
  readonly keyFile: string | undefined
  readonly keyData: string | undefined
  readonly exec: unknown
  readonly authProvider: unknown
  readonly as: string | undefined
}

interface ContextEntry {
  readonly name: string
  readonly source: string
  readonly cluster: string | undefined
  readonly user: string | undefined
  readonly namespace: string | undefined
}

/** The merged content of one or more kubeconfig files. */
export interface Merged {
  readonly sources: ReadonlyArray<string>
  currentContext: string | undefined
  readonly clusters: Map<string, ClusterEntry>
  readonly users: Map<string, UserEntry>
  readonly contexts: Map<string, ContextEntry>
}

const str = (u: unknown): string | undefined => (typeof u === "string" && u !== "" ? u : undefined)

const errorCode = (cause: unknown): string =>
  isPlainObject(cause) && typeof cause.code === "string"
    ? cause.code
    : cause instanceof Error
      ? cause.message
      : String(cause)

export const splitPathList = (list: string): ReadonlyArray<string> =>
  list.split(Path.delimiter).filter((file) => file !== "")

export const homeKubeconfig = (home: string | undefined): string => Path.join(home ?? Os.homedir(), ".kube", "config")

export const exists = (file: string): Effect.Effect<boolean> =>
  Effect.promise(() =>
    Fs.access(file).then(
      () => true,
      () => false
    )
  )

const readText = (file: string, what: string): Effect.Effect<string, KubeConfigError> =>
  Effect.tryPromise({
    try: () => Fs.readFile(file, "utf8"),
    catch: (cause) =>
      new KubeConfigError({ message: `cannot read ${what} ${file}: ${errorCode(cause)}`, path: file, cause })
  })

/** client-node is loaded on first use: it is large, and many programs never parse a kubeconfig. */
const clientNode = Effect.promise(() => import("@kubernetes/client-node"))

const emptyMerged = (sources: ReadonlyArray<string>): Merged => ({
  sources,
  currentContext: undefined,
  clusters: new Map(),
  users: new Map(),
  contexts: new Map()
})

/** Adds one parsed document; names already present win (kubectl: first file wins). */
const mergeDocument = (merged: Merged, doc: unknown, source: string, baseDir: string): void => {
  if (!isPlainObject(doc)) return
  if (merged.currentContext === undefined) merged.currentContext = str(doc["current-context"])
  for (const item of Array.isArray(doc.clusters) ? doc.clusters : []) {
    const name = isPlainObject(item) ? str(item.name) : undefined
    if (name === undefined || merged.clusters.has(name) || !isPlainObject(item)) continue
    const c = isPlainObject(item.cluster) ? item.cluster : {}
    merged.clusters.set(name, {
      name,
      source,
      baseDir,
      server: str(c.server),
      caFile: str(c["certificate-authority"]),
      caData: str(c["certificate-authority-data"]),
      insecure: c["insecure-skip-tls-verify"] === true,
      serverName: str(c["tls-server-name"])
    })
  }
  for (const item of Array.isArray(doc.users) ? doc.users : []) {
    const name = isPlainObject(item) ? str(item.name) : undefined
    if (name === undefined || merged.users.has(name) || !isPlainObject(item)) continue
    const u = isPlainObject(item.user) ? item.user : {}
    merged.users.set(name, {
      name,
      source,
      baseDir,
      token: str(u.token),
      // kubectl's field is `tokenFile`; client-node reads `token-file`. Accept both.
      tokenFile: str(u.tokenFile) ?? str(u["token-file"]),
      username: str(u.username),
      password: str(u.password),
      certFile: str(u["client-certificate"]),
      certData: str(u["client-certificate-data"]),
      keyFile: str(u["client-key"]),
      keyData: str(u["client-key-data"]),
      exec: isPlainObject(u.exec) ? u.exec : undefined,
      authProvider: isPlainObject(u["auth-provider"]) ? u["auth-provider"] : undefined,
      as: str(u.as)
    })
  }
  for (const item of Array.isArray(doc.contexts) ? doc.contexts : []) {
    const name = isPlainObject(item) ? str(item.name) : undefined
    if (name === undefined || merged.contexts.has(name) || !isPlainObject(item)) continue
    const c = isPlainObject(item.context) ? item.context : {}
    merged.contexts.set(name, {
      name,
      source,
      cluster: str(c.cluster),
      user: str(c.user),
      namespace: str(c.namespace)
    })
  }
}

const parseYaml = (text: string, source: string): Effect.Effect<unknown, KubeConfigError> =>
  Effect.flatMap(clientNode, (k8s) =>
    Effect.try({
      try: () => k8s.loadYaml<unknown>(text),
      catch: (cause) =>
        new KubeConfigError({
          message: `${source} is not valid YAML: ${cause instanceof Error ? cause.message.split("\n")[0] : String(cause)}`,
          path: source === "<string>" ? undefined : source,
          cause
        })
    })
  )

/** One kubeconfig document from a string. */
export const parseDocument = (
  text: string,
  source: string,
  baseDir: string | undefined
): Effect.Effect<Merged, KubeConfigError> =>
  Effect.map(parseYaml(text, source), (doc) => {
    const merged = emptyMerged([source])
    mergeDocument(merged, doc, source, baseDir ?? process.cwd())
    return merged
  })

/** Reads and merges files in order. */
export const readFiles = (files: ReadonlyArray<string>, skipMissing: boolean): Effect.Effect<Merged, KubeConfigError> =>
  Effect.gen(function* () {
    const present: Array<string> = []
    for (const file of files) {
      if (skipMissing && !(yield* exists(file))) continue
      present.push(Path.resolve(file))
    }
    if (present.length === 0) {
      return yield* new KubeConfigError({
        message: `none of the kubeconfig files exist: ${files.join(Path.delimiter)}`,
        path: files[0]
      })
    }
    const merged = emptyMerged(present)
    for (const file of present) {
      const text = yield* readText(file, "kubeconfig")
      const doc = yield* parseYaml(text, file)
      mergeDocument(merged, doc, file, Path.dirname(file))
    }
    return merged
  })

const decodeBase64 = (data: string): string => Buffer.from(data, "base64").toString("utf8")

/** PEM text from inline base64 data or a file (relative to the kubeconfig that names it). */
const material = (
  data: string | undefined,
  file: string | undefined,
  baseDir: string,
  what: string,
  owner: string,
  source: string
): Effect.Effect<string | undefined, KubeConfigError> => {
  if (data !== undefined) return Effect.succeed(decodeBase64(data))
  if (file === undefined) return Effect.succeed(undefined)
  const path = Path.resolve(baseDir, file)
  return Effect.tryPromise({
    try: () => Fs.readFile(path, "utf8"),
    catch: (cause) =>
      new KubeConfigError({
        message: `${owner}: cannot read ${what} ${path} (named in ${source}): ${errorCode(cause)}`,
        path,
        cause
      })
  })
}

const checkReadable = (path: string, message: string): Effect.Effect<void, KubeConfigError> =>
  Effect.tryPromise({
    try: () => Fs.access(path, Fs.constants.R_OK),
    catch: (cause) => new KubeConfigError({ message: `${message}: ${errorCode(cause)}`, path, cause })
  })

const validateServer = (server: string, owner: string, source: string): Effect.Effect<string, KubeConfigError> => {
  const trimmed = server.replace(/\/+$/, "")
  let url: URL
  try {
    url = new URL(trimmed)
  } catch (cause) {
    return Effect.fail(
      new KubeConfigError({ message: `${owner} has an invalid server URL in ${source}`, path: source, cause })
    )
  }
  return url.protocol === "https:" || url.protocol === "http:"
    ? Effect.succeed(trimmed)
    : Effect.fail(
        new KubeConfigError({
          message: `${owner} server must be http(s), got ${url.protocol} in ${source}`,
          path: source
        })
      )
}

const credentialsOf = (user: UserEntry): Effect.Effect<Credentials, KubeConfigError> => {
  const owner = `user '${user.name}'`
  if (user.token !== undefined) return Effect.succeed({ _tag: "Token", token: Redacted.make(user.token) })
  if (user.tokenFile !== undefined) {
    const path = Path.resolve(user.baseDir, user.tokenFile)
    return Effect.as(checkReadable(path, `${owner}: cannot read tokenFile ${path} (named in ${user.source})`), {
      _tag: "TokenFile",
      path
    })
  }
  if (user.username !== undefined && user.password !== undefined) {
    return Effect.succeed({ _tag: "Basic", username: user.username, password: Redacted.make(user.password) })
  }
  if (user.exec !== undefined) {
    return Effect.succeed({ _tag: "Plugin", provider: "exec", user: user.name, config: Redacted.make(user.exec) })
  }
  if (user.authProvider !== undefined) {
    return Effect.succeed({
      _tag: "Plugin",
      provider: "auth-provider",
      user: user.name,
      config: Redacted.make(user.authProvider)
    })
  }
  return Effect.succeed({ _tag: "Anonymous" })
}

/** Resolves a context of merged kubeconfig content into a {@link ClusterAccess}. */
export const resolve = (
  merged: Merged,
  contextName: string | undefined
): Effect.Effect<ClusterAccess, KubeConfigError> =>
  Effect.gen(function* () {
    const sources = merged.sources.join(Path.delimiter)
    const path = merged.sources.length === 1 && merged.sources[0] !== "<string>" ? merged.sources[0] : undefined
    const name = contextName ?? merged.currentContext
    if (name === undefined) {
      return yield* new KubeConfigError({ message: `no current-context in ${sources} and no context given`, path })
    }
    const context = merged.contexts.get(name)
    if (context === undefined) {
      return yield* new KubeConfigError({ message: `context '${name}' not found in ${sources}`, path })
    }
    if (context.cluster === undefined) {
      return yield* new KubeConfigError({ message: `context '${name}' names no cluster in ${context.source}`, path })
    }
    const cluster = merged.clusters.get(context.cluster)
    if (cluster === undefined) {
      return yield* new KubeConfigError({
        message: `cluster '${context.cluster}' (of context '${name}') not found in ${sources}`,
        path
      })
    }
    const clusterOwner = `cluster '${cluster.name}'`
    if (cluster.server === undefined) {
      return yield* new KubeConfigError({
        message: `${clusterOwner} has no server in ${cluster.source}`,
        path: cluster.source
      })
    }
    const server = yield* validateServer(cluster.server, clusterOwner, cluster.source)
    const ca = yield* material(
      cluster.caData,
      cluster.caFile,
      cluster.baseDir,
      "certificate-authority",
      clusterOwner,
      cluster.source
    )
    let user: UserEntry | undefined
    if (context.user !== undefined) {
      user = merged.users.get(context.user)
      if (user === undefined) {
        return yield* new KubeConfigError({
          message: `user '${context.user}' (of context '${name}') not found in ${sources}`,
          path
        })
      }
    }
    let cert: string | undefined
    let key: string | undefined
    let credentials: Credentials = { _tag: "Anonymous" }
    if (user !== undefined) {
      const owner = `user '${user.name}'`
      cert = yield* material(user.certData, user.certFile, user.baseDir, "client-certificate", owner, user.source)
      key = yield* material(user.keyData, user.keyFile, user.baseDir, "client-key", owner, user.source)
      if ((cert === undefined) !== (key === undefined)) {
        return yield* new KubeConfigError({
          message: `${owner} has a client ${cert === undefined ? "key" : "certificate"} but no client ${cert === undefined ? "certificate" : "key"} in ${user.source}`,
          path: user.source
        })
      }
      credentials = yield* credentialsOf(user)
    }
    return {
      source: sources,
      context: name,
      cluster: cluster.name,
      user: user?.name ?? "",
      server,
      namespace: context.namespace,
      tls: {
        ca,
        cert,
        key: key === undefined ? undefined : Redacted.make(key),
        insecureSkipTlsVerify: cluster.insecure,
        serverName: cluster.serverName
      },
      credentials,
      impersonateUser: user?.as
    }
  })

/** The in-cluster access from the service host/port and the service-account directory. */
export const inClusterAccess = (
  host: string,
  port: string,
  dir: string
): Effect.Effect<ClusterAccess, KubeConfigError> =>
  Effect.gen(function* () {
    const caPath = Path.join(dir, "ca.crt")
    const tokenPath = Path.join(dir, "token")
    const ca = yield* readText(caPath, "the service-account CA")
    yield* checkReadable(tokenPath, `cannot read the service-account token ${tokenPath}`)
    const namespace = yield* Effect.promise(() =>
      Fs.readFile(Path.join(dir, "namespace"), "utf8").then(
        (ns) => ns.trim() || undefined,
        () => undefined
      )
    )
    const hostPart = Net.isIPv6(host) ? `[${host}]` : host
    return {
      source: "<in-cluster>",
      context: "in-cluster",
      cluster: "in-cluster",
      user: "service-account",
      server: `https://${hostPart}:${port}`,
      namespace,
      tls: { ca, cert: undefined, key: undefined, insecureSkipTlsVerify: false, serverName: undefined },
      credentials: { _tag: "TokenFile", path: tokenPath },
      impersonateUser: undefined
    }
  })
