/**
 * Loggers for operators: one JSON object per line in production (flat fields, as zap/klog JSON
 * output that log pipelines expect), one readable line in development. Both carry every log
 * annotation — a reconcile's `controller`, `namespace`, `name` and `reconcileID` come from the
 * controller's `Effect.annotateLogs` — plus the current span's `traceId`/`spanId` and log spans.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Config from "effect/Config"
import * as ConfigErrorModule from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import * as FiberRefs from "effect/FiberRefs"
import * as HashMap from "effect/HashMap"
import * as Inspectable from "effect/Inspectable"
import * as Layer from "effect/Layer"
import * as List from "effect/List"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as Tracer from "effect/Tracer"

/**
 * `json`: one JSON object per line; `pretty`: one human-readable line (plus the cause, indented).
 *
 * @example
 * const format: Logging.Format = process.env.NODE_ENV === "production" ? "json" : "pretty"
 * @since 0.1.0
 */
export type Format = "json" | "pretty"

/**
 * Options of {@link layer}.
 *
 * @example
 * Logging.layer({ format: "json", level: "Debug" })
 * @since 0.1.0
 */
export interface Options {
  readonly format?: Format
  /** Minimum level (default `Info`). */
  readonly level?: LogLevel.Literal
  /** ANSI colours in `pretty` (default: when stdout is a TTY). */
  readonly colors?: boolean
  /** Where lines go (default: `process.stdout`). */
  readonly write?: (line: string) => void
}

const jsonSafe = (value: unknown): unknown => {
  const redacted = Inspectable.redact(value)
  if (typeof redacted === "bigint") return redacted.toString()
  if (redacted instanceof Error) return { name: redacted.name, message: redacted.message }
  return redacted
}

const stringify = (value: unknown): string => {
  try {
    return JSON.stringify(value, (_key, v: unknown) => jsonSafe(v)) ?? String(value)
  } catch {
    return JSON.stringify(String(value))
  }
}

const currentSpan = (context: FiberRefs.FiberRefs): Option.Option<Tracer.AnySpan> =>
  Context.getOption(FiberRefs.getOrDefault(context, FiberRef.currentContext), Tracer.ParentSpan)

const messageParts = (message: unknown): { readonly text: string; readonly rest: ReadonlyArray<unknown> } => {
  const parts = Array.isArray(message) ? message : [message]
  const [first, ...rest] = parts
  if (typeof first === "string") return { text: first, rest }
  return { text: "", rest: parts }
}

const leading = ["controller", "namespace", "name", "reconcileID"]

/**
 * Annotations in a stable order (a HashMap iterates by hash): the reconcile keys first, then the
 * others alphabetically — so the same kind of line always reads the same way.
 */
const orderedAnnotations = (annotations: HashMap.HashMap<string, unknown>): Array<readonly [string, unknown]> =>
  HashMap.toEntries(annotations).sort(([a], [b]) => {
    const ia = leading.indexOf(a)
    const ib = leading.indexOf(b)
    if (ia >= 0 || ib >= 0) return (ia < 0 ? leading.length : ia) - (ib < 0 ? leading.length : ib)
    return a < b ? -1 : a > b ? 1 : 0
  })

/**
 * Reserved keys of the JSON logger; annotations with these names are written under `annotations`
 * instead, so they can never overwrite the level, time or message.
 */
const reserved = new Set(["ts", "level", "msg", "fiber", "error", "args", "spans", "traceId", "spanId", "annotations"])

/**
 * The JSON logger: `{"ts","level","msg",<annotations>…,"spans","traceId","spanId","error"}`.
 *
 * @example
 * const line = Logging.jsonLogger.log(options) // for tests; use Logging.layer in programs
 * @since 0.1.0
 */
export const jsonLogger: Logger.Logger<unknown, string> = Logger.make(
  ({ annotations, cause, context, date, fiberId, logLevel, message, spans }) => {
    const { text, rest } = messageParts(message)
    const out: Record<string, unknown> = {
      ts: date.toISOString(),
      level: logLevel.label.toLowerCase(),
      msg: text
    }
    const clashing: Record<string, unknown> = {}
    for (const [key, value] of orderedAnnotations(annotations)) {
      if (reserved.has(key)) clashing[key] = value
      else out[key] = value
    }
    if (Object.keys(clashing).length > 0) out.annotations = clashing
    if (rest.length > 0) out.args = rest
    if (List.isCons(spans)) {
      const now = date.getTime()
      const rendered: Record<string, number> = {}
      for (const span of spans) rendered[span.label] = now - span.startTime
      out.spans = rendered
    }
    const span = currentSpan(context)
    if (Option.isSome(span)) {
      out.traceId = span.value.traceId
      out.spanId = span.value.spanId
    }
    if (!Cause.isEmpty(cause)) out.error = Cause.pretty(cause, { renderErrorCause: true })
    out.fiber = `#${fiberIdNumber(fiberId)}`
    return stringify(out)
  }
)

const fiberIdNumber = (fiberId: { readonly _tag: string }): string => {
  if ("id" in fiberId && typeof fiberId.id === "number") return String(fiberId.id)
  return "0"
}

const ansi = {
  reset: "\x1b[0m",
  dim: "\x1b[2m",
  red: "\x1b[31m",
  yellow: "\x1b[33m",
  green: "\x1b[32m",
  blue: "\x1b[34m",
  gray: "\x1b[90m",
  bold: "\x1b[1m"
} as const

const levelColor = (level: LogLevel.LogLevel): string => {
  switch (level._tag) {
    case "Fatal":
    case "Error":
      return ansi.red
    case "Warning":
      return ansi.yellow
    case "Info":
      return ansi.green
    case "Debug":
      return ansi.blue
    default:
      return ansi.gray
  }
}

const prettyValue = (value: unknown): string => {
  if (typeof value === "string") return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value)
  return stringify(value)
}

/**
 * The development logger: `HH:MM:SS.mmm LEVEL message key=value …` on one line, the cause (if
 * any) indented below.
 *
 * @example
 * Logger.replace(Logger.defaultLogger, Logger.map(Logging.prettyLogger({ colors: false }), console.log))
 * @since 0.1.0
 */
export const prettyLogger = (options: { readonly colors?: boolean } = {}): Logger.Logger<unknown, string> => {
  const colors = options.colors === true
  const paint = (color: string, text: string) => (colors ? `${color}${text}${ansi.reset}` : text)
  return Logger.make(({ annotations, cause, context, date, logLevel, message, spans }) => {
    const { text, rest } = messageParts(message)
    let line = `${paint(ansi.gray, date.toISOString().slice(11, 23))} ${paint(levelColor(logLevel), logLevel.label.padEnd(5))} ${colors ? `${ansi.bold}${text}${ansi.reset}` : text}`
    for (const extra of rest) line += ` ${prettyValue(extra)}`
    for (const [key, value] of orderedAnnotations(annotations))
      line += ` ${paint(ansi.dim, `${key}=`)}${prettyValue(value)}`
    if (List.isCons(spans)) {
      const now = date.getTime()
      for (const span of spans) line += ` ${paint(ansi.dim, `${span.label}=`)}${now - span.startTime}ms`
    }
    const span = currentSpan(context)
    if (Option.isSome(span)) line += ` ${paint(ansi.dim, "traceId=")}${span.value.traceId}`
    if (!Cause.isEmpty(cause)) {
      const rendered = Cause.pretty(cause, { renderErrorCause: true })
      line += `\n${rendered
        .split("\n")
        .map((l) => `    ${l}`)
        .join("\n")}`
    }
    return line
  })
}

const defaultWrite = (line: string): void => {
  process.stdout.write(`${line}\n`)
}

/**
 * The logger of `options`, writing to `options.write`.
 *
 * @example
 * const logger = Logging.make({ format: "json", write: (line) => lines.push(line) })
 * @since 0.1.0
 */
export const make = (options: Options = {}): Logger.Logger<unknown, void> => {
  const write = options.write ?? defaultWrite
  const format =
    options.format === "json" ? jsonLogger : prettyLogger({ colors: options.colors ?? process.stdout.isTTY === true })
  return Logger.map(format, write)
}

/**
 * Replaces Effect's default logger with {@link make}`(options)` and sets the minimum level.
 *
 * @example
 * program.pipe(Effect.provide(Logging.layer({ format: "json" })))
 * @since 0.1.0
 */
export const layer = (options: Options = {}): Layer.Layer<never> =>
  Layer.merge(
    Logger.replace(Logger.defaultLogger, make(options)),
    Logger.minimumLogLevel(LogLevel.fromLiteral(options.level ?? "Info"))
  )

/**
 * The logging {@link Options} from the environment: `LOG_FORMAT` (`json` | `pretty`; default
 * `json` when `NODE_ENV=production`, else `pretty`) and `LOG_LEVEL` (`trace`, `debug`, `info`,
 * `warn`, `error`, `fatal`, `none`; any case; default `info`). An unknown value is a `ConfigError`.
 *
 * @example
 * const options = yield* Logging.fromEnv // { format: "json", level: "Info" }
 * @since 0.1.0
 */
export const fromEnv: Effect.Effect<Options, ConfigErrorModule.ConfigError> = Effect.gen(function* () {
  const nodeEnv = yield* Config.string("NODE_ENV").pipe(Config.withDefault("development"))
  const format = yield* Config.literal(
    "json",
    "pretty"
  )("LOG_FORMAT").pipe(Config.withDefault<Format>(nodeEnv === "production" ? "json" : "pretty"))
  const levelName = yield* Config.string("LOG_LEVEL").pipe(Config.withDefault("info"))
  const wanted = levelName.toLowerCase()
  const level = LogLevel.allLevels.find((l) => l.label.toLowerCase() === wanted || l._tag.toLowerCase() === wanted)
  if (level === undefined) {
    return yield* Effect.fail(ConfigErrorModule.InvalidData(["LOG_LEVEL"], `unknown log level ${levelName}`))
  }
  return { format, level: level._tag }
})

/**
 * {@link layer} with the options of {@link fromEnv}.
 *
 * @example
 * program.pipe(Effect.provide(Logging.layerFromEnv))
 * @since 0.1.0
 */
export const layerFromEnv: Layer.Layer<never, ConfigErrorModule.ConfigError> = Layer.unwrapEffect(
  Effect.map(fromEnv, layer)
)
