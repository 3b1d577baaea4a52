import { describe, expect, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import * as Action from "@effect-kube/controller/Action"
import * as Controller from "@effect-kube/controller/Controller"
import * as Kinds from "@effect-kube/core/Kinds"
import * as Resource from "@effect-kube/core/Resource"
import { InformerFactory } from "@effect-kube/processor/InformerFactory"
import * as TestKube from "@effect-kube/testing/TestKube"
import * as Logging from "../src/Logging.js"

const capture = (options: Omit<Logging.Options, "write">) => {
  const lines: Array<string> = []
  return { lines, layer: Logging.layer({ ...options, write: (line) => lines.push(line) }) }
}

const parseJson = (line: string): Record<string, unknown> => {
  const value: unknown = JSON.parse(line)
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error(`not an object: ${line}`)
  return Object.fromEntries(Object.entries(value))
}

const reconcileLog = Effect.logInfo("reconciled").pipe(
  Effect.annotateLogs({ controller: "website", namespace: "default", name: "web", reconcileID: "r-1" })
)

describe("Logging", () => {
  it.effect(
    "json: one flat object per line with annotations, spans, trace ids; reserved keys are not overwritten",
    () =>
      Effect.gen(function* () {
        const { lines, layer } = capture({ format: "json" })
        yield* Effect.gen(function* () {
          yield* reconcileLog.pipe(Effect.withLogSpan("reconcile"), Effect.withSpan("reconcile"))
          yield* Effect.logError("failed", { attempt: 3 }).pipe(
            Effect.annotateLogs({ level: "sneaky", token: Redacted.make("s3cr3t") })
          )
          yield* Effect.logWarning("with cause").pipe(
            Effect.zipRight(Effect.fail("boom")),
            Effect.catchAllCause(Effect.logWarning)
          )
          yield* Effect.logDebug("dropped at Info")
        }).pipe(Effect.provide(layer))
        expect(lines).toHaveLength(4)
        const first = parseJson(lines[0] ?? "")
        expect(first).toMatchObject({
          level: "info",
          msg: "reconciled",
          controller: "website",
          namespace: "default",
          name: "web",
          reconcileID: "r-1"
        })
        expect(first.ts).toBe("1970-01-01T00:00:00.000Z")
        expect(first.spans).toEqual({ reconcile: 0 })
        expect(typeof first.traceId).toBe("string")
        expect(typeof first.spanId).toBe("string")
        const second = parseJson(lines[1] ?? "")
        expect(second).toMatchObject({ level: "error", msg: "failed", args: [{ attempt: 3 }] })
        expect(second.annotations).toEqual({ level: "sneaky" })
        expect(second.token).toBe("<redacted>")
        expect(lines[1]).not.toContain("s3cr3t")
        const third = parseJson(lines[3] ?? "")
        expect(third.level).toBe("warn")
        expect(String(third.error)).toContain("boom")
      })
  )

  it.effect("pretty: one readable line with key=value annotations; colours only when asked", () =>
    Effect.gen(function* () {
      const plain = capture({ format: "pretty", colors: false })
      yield* reconcileLog.pipe(Effect.provide(plain.layer))
      expect(plain.lines).toEqual([
        "00:00:00.000 INFO  reconciled controller=website namespace=default name=web reconcileID=r-1"
      ])
      const coloured = capture({ format: "pretty", colors: true })
      yield* reconcileLog.pipe(Effect.annotateLogs({ note: "two words" }), Effect.provide(coloured.layer))
      expect(coloured.lines[0]).toContain("\x1b[")
      expect(coloured.lines[0]).toContain('"two words"')
    })
  )

  it.effect("the minimum level filters", () =>
    Effect.gen(function* () {
      const { lines, layer } = capture({ format: "json", level: "Warning" })
      yield* Effect.all([Effect.logInfo("no"), Effect.logWarning("yes"), Effect.logError("yes too")]).pipe(
        Effect.provide(layer)
      )
      expect(lines.map((l) => parseJson(l).msg)).toEqual(["yes", "yes too"])
    })
  )

  it.effect("a real reconcile's lines carry controller, namespace, name and reconcileID (json and pretty)", () =>
    Effect.gen(function* () {
      const json = capture({ format: "json" })
      const pretty = capture({ format: "pretty", colors: false })
      const controller = Controller.make({
        name: "logging-ctrl",
        for: Resource.untyped(Kinds.ConfigMap),
        namespace: "default",
        reconcile: () => Effect.as(Effect.logInfo("hello from reconcile"), Action.done)
      })
      const both = Layer.merge(json.layer, pretty.layer)
      yield* Effect.gen(function* () {
        yield* Controller.start(controller)
        for (let i = 0; i < 20; i++) yield* TestClock.adjust("10 millis")
      }).pipe(Effect.scoped, Effect.provide(InformerFactory.layer), Effect.provide(both))

      const fromReconcile = json.lines.map(parseJson).filter((l) => l.msg === "hello from reconcile")
      expect(fromReconcile).toHaveLength(1)
      expect(fromReconcile[0]).toMatchObject({ controller: "logging-ctrl", namespace: "default", name: "web" })
      expect(String(fromReconcile[0]?.reconcileID)).toMatch(/^[0-9a-f-]{36}$/)
      const prettyLine = pretty.lines.find((l) => l.includes("hello from reconcile")) ?? ""
      expect(prettyLine).toContain("controller=logging-ctrl")
      expect(prettyLine).toContain("namespace=default")
      expect(prettyLine).toContain("name=web")
      expect(prettyLine).toMatch(/reconcileID=[0-9a-f-]{36}/)
    }).pipe(
      Effect.provide(
        TestKube.layer({
          objects: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "web", namespace: "default" } }]
        })
      )
    )
  )

  it.effect("fromEnv: production → json, LOG_FORMAT overrides, LOG_LEVEL in any case, unknown level fails", () =>
    Effect.gen(function* () {
      const withEnv = (env: Record<string, string>) =>
        Logging.fromEnv.pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)))))
      expect(yield* withEnv({})).toEqual({ format: "pretty", level: "Info" })
      expect(yield* withEnv({ NODE_ENV: "production" })).toEqual({ format: "json", level: "Info" })
      expect(yield* withEnv({ NODE_ENV: "production", LOG_FORMAT: "pretty", LOG_LEVEL: "DEBUG" })).toEqual({
        format: "pretty",
        level: "Debug"
      })
      expect(yield* withEnv({ LOG_LEVEL: "warn" })).toEqual({ format: "pretty", level: "Warning" })
      const bad = yield* Effect.flip(withEnv({ LOG_LEVEL: "loud" }))
      expect(String(bad)).toContain("LOG_LEVEL")
    })
  )
})
