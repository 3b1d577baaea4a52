/**
 * Prometheus text exposition format 0.0.4 writer.
 *
 * @internal
 */

/** @internal */
export type FamilyType = "counter" | "gauge" | "histogram" | "summary" | "untyped"

/** @internal */
export interface Sample {
  /** Full sample name (e.g. `x_bucket`, `x_sum`). */
  readonly name: string
  readonly labels: ReadonlyArray<readonly [string, string]>
  readonly value: number | bigint
}

/** @internal */
export interface Family {
  readonly name: string
  readonly type: FamilyType
  readonly help: string
  readonly samples: ReadonlyArray<Sample>
}

const invalidNameChar = /[^a-zA-Z0-9_:]/g
const invalidLabelChar = /[^a-zA-Z0-9_]/g

/** Metric names: `[a-zA-Z_:][a-zA-Z0-9_:]*`; other characters become `_`. @internal */
export const sanitizeName = (name: string): string => {
  const s = name.replace(invalidNameChar, "_")
  return s === "" || /^[0-9]/.test(s) ? `_${s}` : s
}

/** Label names: `[a-zA-Z_][a-zA-Z0-9_]*` (names starting `__` are reserved). @internal */
export const sanitizeLabel = (name: string): string => {
  let s = name.replace(invalidLabelChar, "_")
  if (s === "" || /^[0-9]/.test(s)) s = `_${s}`
  return s.startsWith("__") ? `x${s}` : s
}

/** @internal */
export const escapeLabelValue = (value: string): string =>
  value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"')

/** @internal */
export const escapeHelp = (help: string): string => help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")

/** Go's float formatting as Prometheus parses it: `+Inf`, `-Inf`, `NaN`, else shortest round-trip. @internal */
export const formatValue = (value: number | bigint): string => {
  if (typeof value === "bigint") return value.toString()
  if (Number.isNaN(value)) return "NaN"
  if (value === Number.POSITIVE_INFINITY) return "+Inf"
  if (value === Number.NEGATIVE_INFINITY) return "-Inf"
  return String(value)
}

const formatLabels = (labels: ReadonlyArray<readonly [string, string]>): string => {
  if (labels.length === 0) return ""
  let out = "{"
  for (let i = 0; i < labels.length; i++) {
    const [name, value] = labels[i] ?? ["", ""]
    if (i > 0) out += ","
    out += `${name}="${escapeLabelValue(value)}"`
  }
  return `${out}}`
}

/** Writes families in the order given; samples in the order given. @internal */
export const encode = (families: ReadonlyArray<Family>): string => {
  let out = ""
  for (const family of families) {
    if (family.help !== "") out += `# HELP ${family.name} ${escapeHelp(family.help)}\n`
    out += `# TYPE ${family.name} ${family.type}\n`
    for (const sample of family.samples) {
      out += `${sample.name}${formatLabels(sample.labels)} ${formatValue(sample.value)}\n`
    }
  }
  return out
}
