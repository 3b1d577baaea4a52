import { NodeContext } from "@effect/platform-node"
import * as FileSystem from "@effect/platform/FileSystem"
import { describe, expect, it } from "@effect/vitest"
import type * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { fileURLToPath } from "node:url"
import * as YAML from "yaml"
import * as Cli from "../src/Cli.js"
import * as Operator from "../src/Operator.js"

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}.ts`, import.meta.url))

/** Runs the CLI with stdout/stderr captured. */
const runCli = (...args: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const stdout: Array<string> = []
    const stderr: Array<string> = []
    const console = yield* Effect.console
    const capture: Console.Console = {
      ...console,
      log: (...xs) => Effect.sync(() => void stdout.push(xs.join(" "))),
      error: (...xs) => Effect.sync(() => void stderr.push(xs.join(" "))),
      unsafe: {
        ...console.unsafe,
        log: (...xs) => void stdout.push(xs.join(" ")),
        error: (...xs) => void stderr.push(xs.join(" "))
      }
    }
    const code = yield* Effect.withConsole(Cli.main(["node", "effect-kube", ...args]), capture)
    return { code, stdout: stdout.join("\n"), stderr: stderr.join("\n") }
  }).pipe(Effect.provide(NodeContext.layer))

const kindsOf = (yaml: string) =>
  YAML.parseAllDocuments(yaml).map((d) => {
    const o: unknown = d.toJS()
    return typeof o === "object" && o !== null && "kind" in o ? String(o.kind) : "?"
  })

describe("Cli", () => {
  it.effect("prints every part of an operator module, exit 0", () =>
    Effect.gen(function* () {
      const { code, stdout, stderr } = yield* runCli("manifests", fixture("operator"))
      expect(stderr).toBe("")
      expect(code).toBe(0)
      expect(kindsOf(stdout)).toEqual([
        "Namespace",
        "ServiceAccount",
        "ClusterRole",
        "ClusterRoleBinding",
        "Role",
        "RoleBinding",
        "CustomResourceDefinition",
        "MutatingWebhookConfiguration"
      ])
    })
  )

  it.effect("--rbac --namespace moves the ServiceAccount and the Lease Role", () =>
    Effect.gen(function* () {
      const { code, stdout } = yield* runCli("manifests", fixture("operator"), "--rbac", "--namespace", "shops")
      expect(code).toBe(0)
      const docs = YAML.parseAllDocuments(stdout).map((d) => d.toJS())
      expect(docs.map((d) => `${d.kind}/${d.metadata.namespace ?? ""}`)).toEqual([
        "Namespace/",
        "ServiceAccount/shops",
        "ClusterRole/",
        "ClusterRoleBinding/",
        "Role/shops",
        "RoleBinding/shops"
      ])
      expect(docs[3].subjects).toEqual([
        { kind: "ServiceAccount", name: "shop-operator-controller-manager", namespace: "shops" }
      ])
    })
  )

  it.effect("accepts a plain object in the shape of Operator.make's options", () =>
    Effect.gen(function* () {
      const { code, stdout } = yield* runCli("manifests", fixture("plain"), "--crds")
      expect(code).toBe(0)
      expect(kindsOf(stdout)).toEqual(["CustomResourceDefinition"])
    })
  )

  it.scoped("--out writes one file per part", () =>
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped()
      const { code, stdout, stderr } = yield* runCli("manifests", fixture("operator"), "--out", `${dir}/config`)
      expect(code).toBe(0)
      expect(stdout).toBe("")
      expect(stderr).toContain("crds.yaml (1 object)")
      expect((yield* fs.readDirectory(`${dir}/config`)).sort()).toEqual(["crds.yaml", "rbac.yaml", "webhooks.yaml"])
      expect(kindsOf(yield* fs.readFileString(`${dir}/config/crds.yaml`))).toEqual(["CustomResourceDefinition"])
    }).pipe(Effect.provide(NodeContext.layer))
  )

  it.effect("a module without `operator` is a clear error, exit 1", () =>
    Effect.gen(function* () {
      const { code, stdout, stderr } = yield* runCli("manifests", fixture("noOperator"))
      expect(code).toBe(1)
      expect(stdout).toBe("")
      expect(stderr).toMatch(/^error: .*noOperator\.ts does not export `operator`/)
    })
  )

  it.effect("a kind that cannot be a CRD names the field, exit 1", () =>
    Effect.gen(function* () {
      const { code, stderr } = yield* runCli("manifests", fixture("badCrd"))
      expect(code).toBe(1)
      expect(stderr).toMatch(/^error: Clock cannot be expressed as a CRD:/)
      expect(stderr).toContain("spec.at")
    })
  )

  it.effect("a malformed `operator`, a throwing or missing module, a bad option: exit 1", () =>
    Effect.gen(function* () {
      const malformed = yield* runCli("manifests", fixture("malformed"))
      expect(malformed.code).toBe(1)
      expect(malformed.stderr).toContain("`operator` is not an operator description")
      expect(malformed.stderr).toContain("name")
      const throws = yield* runCli("manifests", fixture("throws"))
      expect(throws.code).toBe(1)
      expect(throws.stderr).toContain("boom at import")
      const missing = yield* runCli("manifests", fixture("does-not-exist"))
      expect(missing.code).toBe(1)
      expect(missing.stderr).toMatch(/^error: cannot import /)
      const badOption = yield* runCli("manifests", fixture("operator"), "--frobnicate")
      expect(badOption.code).toBe(1)
      expect(badOption.stdout).toBe("")
    })
  )

  it("Operator.fromUnknown keeps what make built and rejects non-objects", () => {
    const made = Operator.make({ name: "op", leaderElection: { namespace: "leases" }, events: false })
    const again = Either.getOrThrow(Operator.fromUnknown(made))
    expect(again.leaderElectionNamespace).toBe("leases")
    expect(again.events).toBe(false)
    expect(again.namespace).toBe("op-system")
    expect(Either.isLeft(Operator.fromUnknown(42))).toBe(true)
  })
})
