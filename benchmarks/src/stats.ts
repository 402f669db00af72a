/** Order statistics for benchmark samples. */

export interface Summary {
  median: number
  min: number
  max: number
  n: number
}

/** The p-quantile (0..1) with linear interpolation between closest ranks. */
export function quantile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new RangeError('no values')
  if (!(p >= 0 && p <= 1)) throw new RangeError(`quantile must be within 0..1, got ${p}`)
  const sorted = [...values].sort((a, b) => a - b)
  const position = (sorted.length - 1) * p
  const lower = Math.floor(position)
  const upper = Math.ceil(position)
  return sorted[lower]! + (sorted[upper]! - sorted[lower]!) * (position - lower)
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5)
}

export function summarize(values: readonly number[]): Summary | undefined {
  if (values.length === 0) return undefined
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), n: values.length }
}

/** A figure for a results table: three significant places or so, never more decimals than that. */
export function formatFigure(value: number): string {
  if (value >= 100) return value.toFixed(0)
  if (value >= 10) return value.toFixed(1)
  return value.toFixed(2)
}

/** A summary as a table cell: the median, then the range when there was more than one run. */
export function summaryCell(summary?: Summary): string {
  if (summary == null) return '—'
  if (summary.n === 1) return formatFigure(summary.median)
  return `${formatFigure(summary.median)} (${formatFigure(summary.min)}–${formatFigure(summary.max)})`
}
