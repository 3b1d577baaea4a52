/** One measured figure: every run, and its min/median/max. */
export interface Figure {
  readonly bench: string
  readonly target: string
  readonly n: number
  readonly peer: string
  readonly metric: string
  readonly unit: string
  readonly runs: ReadonlyArray<number>
  readonly min: number
  readonly median: number
  readonly max: number
}

/** The median of `xs` (mean of the middle two for an even count); NaN when empty. */
export const median = (xs: ReadonlyArray<number>): number => {
  if (xs.length === 0) return Number.NaN
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2
}

/** Builds a {@link Figure} from its runs. */
export const figure = (f: Omit<Figure, "min" | "median" | "max">): Figure => ({
  ...f,
  min: f.runs.length === 0 ? Number.NaN : Math.min(...f.runs),
  median: median(f.runs),
  max: f.runs.length === 0 ? Number.NaN : Math.max(...f.runs)
})

/** A number for a table cell: 3 significant digits, thousands kept. */
export const fmt = (x: number): string => {
  if (!Number.isFinite(x)) return "–"
  const a = Math.abs(x)
  if (a >= 1000) return Math.round(x).toLocaleString("en-US")
  if (a >= 100) return x.toFixed(0)
  if (a >= 10) return x.toFixed(1)
  return x.toFixed(2)
}
