/**
 * `pnpm conformance`: runs the conformance suite on every available target in one vitest run
 * and prints `<target>: N passed, M failed[, K divergent]` per target (reporter.ts).
 *
 * The real target needs the kube-apiserver binary: a cached build, `EFFECT_KUBE_APISERVER_BIN`,
 * or Go to build it. Only when none of these is there is it skipped, and the report says so.
 * Plain Node (type stripping): node built-ins only.
 */
import { spawn, spawnSync } from "node:child_process"
import { createHash } from "node:crypto"
import { existsSync, readFileSync } from "node:fs"
import { homedir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..")

/** The path build.sh caches the binary at (same hash of the same files). */
const cachedBinary = (): string => {
  const moduleDir = process.env.EFFECT_KUBE_APISERVER_DIR ?? join(root, "test", "kube-apiserver")
  const hash = createHash("sha256")
  for (const file of ["go.mod", "go.sum", "main.go", "build.sh"]) hash.update(readFileSync(join(moduleDir, file)))
  const cache = process.env.EFFECT_KUBE_CACHE ?? join(homedir(), ".cache", "effect-kube")
  return join(cache, `kube-apiserver-${hash.digest("hex").slice(0, 16)}`)
}

const realUnavailable = (): string | undefined => {
  const explicit = process.env.EFFECT_KUBE_APISERVER_BIN
  if (explicit !== undefined && explicit !== "") {
    return existsSync(explicit) ? undefined : `EFFECT_KUBE_APISERVER_BIN=${explicit} does not exist`
  }
  if (spawnSync("go", ["version"], { stdio: "ignore" }).status === 0) return undefined
  try {
    if (existsSync(cachedBinary())) return undefined
  } catch {
    // no Go module to hash: fall through
  }
  return "Go is not installed and no kube-apiserver binary is cached"
}

const skipReason = realUnavailable()
const skipped = skipReason === undefined ? [] : [{ target: "real", reason: skipReason }]
if (skipReason !== undefined) process.stdout.write(`conformance: the real target is skipped: ${skipReason}\n`)

const args = [
  "run",
  "--project",
  "unit",
  ...(skipReason === undefined ? ["--project", "e2e"] : []),
  "test/conformance/",
  "--reporter=default",
  "--reporter=./test/conformance/reporter.ts"
]
const child = spawn(join(root, "node_modules", ".bin", "vitest"), args, {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, CONFORMANCE_SKIPPED: JSON.stringify(skipped) }
})
const forward = (signal: NodeJS.Signals) => () => child.kill(signal)
process.on("SIGINT", forward("SIGINT"))
process.on("SIGTERM", forward("SIGTERM"))
child.on("exit", (code, signal) => {
  process.exitCode = code ?? (signal === null ? 1 : 128)
})
