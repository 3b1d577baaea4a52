/**
 * Test support: a strict validator/parser of the Prometheus text format 0.0.4 (independent of the
 * writer under test), and `promtool check metrics` when it is installed.
 */
import * as ChildProcess from "node:child_process"

export interface Parsed {
  /** `name{a="x",b="y"}` (labels sorted) → value. */
  readonly samples: ReadonlyMap<string, number>
  /** family → type. */
  readonly types: ReadonlyMap<string, string>
  /** family → help. */
  readonly help: ReadonlyMap<string, string>
}

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/

const parseValue = (text: string): number => {
  if (text === "+Inf") return Number.POSITIVE_INFINITY
  if (text === "-Inf") return Number.NEGATIVE_INFINITY
  if (text === "NaN") return Number.NaN
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`bad value ${text}`)
  return Number(text)
}

/** Parses `{a="x",b="y"}` honouring escapes; returns the labels and the rest of the line. */
const parseLabels = (text: string): { labels: Array<[string, string]>; rest: string } => {
  const labels: Array<[string, string]> = []
  let i = 1
  while (i < text.length && text[i] !== "}") {
    const eq = text.indexOf("=", i)
    const name = text.slice(i, eq)
    if (!labelName.test(name)) throw new Error(`bad label name ${name}`)
    if (text[eq + 1] !== '"') throw new Error(`label value of ${name} not quoted`)
    let j = eq + 2
    let value = ""
    while (j < text.length && text[j] !== '"') {
      if (text[j] === "\\") {
        const next = text[j + 1]
        if (next === "n") value += "\n"
        else if (next === "\\") value += "\\"
        else if (next === '"') value += '"'
        else throw new Error(`bad escape \\${next}`)
        j += 2
      } else {
        if (text[j] === "\n") throw new Error("raw newline in label value")
        value += text[j]
        j++
      }
    }
    if (text[j] !== '"') throw new Error("unterminated label value")
    labels.push([name, value])
    j++
    if (text[j] === ",") j++
    i = j
  }
  if (text[i] !== "}") throw new Error("unterminated label set")
  return { labels, rest: text.slice(i + 1) }
}

const familyOf = (sample: string, types: ReadonlyMap<string, string>): string => {
  for (const suffix of ["_bucket", "_sum", "_count"]) {
    if (sample.endsWith(suffix)) {
      const base = sample.slice(0, -suffix.length)
      const t = types.get(base)
      if (t === "histogram" || t === "summary") return base
    }
  }
  return sample
}

/** Validates and parses an exposition; throws with the line number on the first problem. */
export const parse = (text: string): Parsed => {
  if (!text.endsWith("\n")) throw new Error("exposition must end with a newline")
  const samples = new Map<string, number>()
  const types = new Map<string, string>()
  const help = new Map<string, string>()
  const finished = new Set<string>()
  let current: string | undefined
  const histograms = new Map<string, { buckets: Array<[number, number]>; count?: number }>()
  const lines = text.slice(0, -1).split("\n")
  lines.forEach((line, index) => {
    const where = `line ${index + 1}: ${line}`
    const enter = (family: string) => {
      if (current !== family) {
        if (finished.has(family)) throw new Error(`${where}: family ${family} is not contiguous`)
        if (current !== undefined) finished.add(current)
        current = family
      }
    }
    if (line.startsWith("# HELP ")) {
      const [, , name = "", ...rest] = line.split(" ")
      if (!metricName.test(name)) throw new Error(`${where}: bad name`)
      if (help.has(name)) throw new Error(`${where}: second HELP`)
      enter(name)
      help.set(name, rest.join(" "))
      return
    }
    if (line.startsWith("# TYPE ")) {
      const [, , name = "", type = "", ...extra] = line.split(" ")
      if (extra.length > 0 || !["counter", "gauge", "histogram", "summary", "untyped"].includes(type)) {
        throw new Error(`${where}: bad TYPE`)
      }
      if (types.has(name)) throw new Error(`${where}: second TYPE`)
      enter(name)
      if ([...samples.keys()].some((k) => familyOf(k.split("{")[0] ?? "", types) === name)) {
        throw new Error(`${where}: TYPE after samples`)
      }
      types.set(name, type)
      return
    }
    if (line.startsWith("#") || line === "") throw new Error(`${where}: unexpected line`)
    const brace = line.indexOf("{")
    const space = line.indexOf(" ")
    const nameEnd = brace >= 0 && brace < space ? brace : space
    const name = line.slice(0, nameEnd)
    if (!metricName.test(name)) throw new Error(`${where}: bad metric name`)
    let labels: Array<[string, string]> = []
    let rest = line.slice(nameEnd)
    if (rest.startsWith("{")) ({ labels, rest } = parseLabels(rest))
    const parts = rest.trim().split(" ")
    if (parts.length < 1 || parts.length > 2) throw new Error(`${where}: bad sample`)
    const value = parseValue(parts[0] ?? "")
    const family = familyOf(name, types)
    enter(family)
    const type = types.get(family)
    if (type === undefined) throw new Error(`${where}: sample without TYPE`)
    if (type === "counter" && (value < 0 || Number.isNaN(value))) throw new Error(`${where}: negative counter`)
    if (type === "histogram") {
      const h = histograms.get(family) ?? { buckets: [] }
      histograms.set(family, h)
      if (name.endsWith("_bucket")) {
        const le = labels.find(([n]) => n === "le")
        if (le === undefined) throw new Error(`${where}: bucket without le`)
        h.buckets.push([parseValue(le[1]), value])
      } else if (name.endsWith("_count")) {
        const last = h.buckets[h.buckets.length - 1]
        if (last === undefined || last[0] !== Number.POSITIVE_INFINITY) throw new Error(`${where}: no +Inf bucket`)
        if (last[1] !== value) throw new Error(`${where}: +Inf bucket ${last[1]} != count ${value}`)
        for (let i = 1; i < h.buckets.length; i++) {
          const [prevLe, prevCount] = h.buckets[i - 1] ?? [0, 0]
          const [le, count] = h.buckets[i] ?? [0, 0]
          if (le <= prevLe) throw new Error(`${where}: buckets not increasing`)
          if (count < prevCount) throw new Error(`${where}: buckets not cumulative`)
        }
        h.buckets = []
      }
    }
    const sorted = [...labels].sort(([a], [b]) => (a < b ? -1 : 1))
    if (new Set(sorted.map(([n]) => n)).size !== sorted.length) throw new Error(`${where}: duplicate label`)
    const key = `${name}{${sorted.map(([n, v]) => `${n}="${v}"`).join(",")}}`
    if (samples.has(key)) throw new Error(`${where}: duplicate series`)
    samples.set(key, value)
  })
  return { samples, types, help }
}

/** The value of `name` with exactly `labels`. */
export const value = (parsed: Parsed, name: string, labels: Record<string, string> = {}): number | undefined => {
  const sorted = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1))
  return parsed.samples.get(`${name}{${sorted.map(([n, v]) => `${n}="${v}"`).join(",")}}`)
}

/** `promtool check metrics` on `text`: `undefined` when promtool is not installed. */
export const promtool = (text: string): { readonly status: number; readonly output: string } | undefined => {
  const result = ChildProcess.spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" })
  if (result.error !== undefined) return undefined
  return { status: result.status ?? -1, output: `${result.stdout}${result.stderr}` }
}
