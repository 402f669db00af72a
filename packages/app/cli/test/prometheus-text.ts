/**
 * A strict parser for the Prometheus text exposition format 0.0.4: HELP and
 * TYPE lines, samples `name{label="value",…} value [timestamp]`. It throws
 * on anything else: an unknown type, a sample without a TYPE before it, a
 * family declared twice, a bad name, label or escape, a value that is not a
 * float (NaN in any case, as Prometheus' own reader takes it), a sample of
 * a family that does not fit its type.
 */
export interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

export interface Family {
  name: string
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped'
  help?: string
  samples: Sample[]
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/
const SUFFIXES: Record<Family['type'], string[]> = {
  counter: [''],
  gauge: [''],
  untyped: [''],
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['', '_sum', '_count'],
}

function parseValue(text: string, line: number): number {
  if (text === '+Inf') return Number.POSITIVE_INFINITY
  if (text === '-Inf') return Number.NEGATIVE_INFINITY
  // Prometheus reads values with Go's strconv.ParseFloat, which takes any case
  // of NaN; prom-client writes `Nan` for an event-loop percentile not yet sampled
  if (/^nan$/i.test(text)) return Number.NaN
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text))
    throw new Error(`line ${line}: bad value ${text}`)
  return Number(text)
}

function parseLabels(text: string, line: number): Record<string, string> {
  const labels: Record<string, string> = {}
  let rest = text
  while (rest.length > 0) {
    const match = /^([^=]+)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/.exec(rest)
    if (match == null || !LABEL.test(match[1]!)) throw new Error(`line ${line}: bad labels {${text}}`)
    if (match[1]! in labels) throw new Error(`line ${line}: label ${match[1]} twice`)
    labels[match[1]!] = match[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c))
    rest = rest.slice(match[0].length)
  }
  return labels
}

export function parsePrometheusText(text: string): Map<string, Family> {
  const families = new Map<string, Family>()
  const lines = text.split('\n')
  if (lines.at(-1) !== '') throw new Error('the exposition must end with a newline')
  lines.forEach((raw, index) => {
    const line = index + 1
    if (raw === '') return
    const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(raw)
    if (meta != null) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string]
      if (!NAME.test(name)) throw new Error(`line ${line}: bad metric name ${name}`)
      const family = families.get(name) ?? { name, type: 'untyped', samples: [] }
      if (kind === 'TYPE') {
        if (families.get(name)?.samples.length) throw new Error(`line ${line}: TYPE after samples of ${name}`)
        if (!(rest in SUFFIXES)) throw new Error(`line ${line}: unknown type ${rest}`)
        if ((family as { typed?: boolean }).typed) throw new Error(`line ${line}: ${name} typed twice`)
        family.type = rest as Family['type']
        ;(family as { typed?: boolean }).typed = true
      } else {
        if (family.help != null) throw new Error(`line ${line}: ${name} has two HELP lines`)
        family.help = rest
      }
      families.set(name, family)
      return
    }
    if (raw.startsWith('#')) return
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: (-?\d+))?$/.exec(raw)
    if (sample == null) throw new Error(`line ${line}: not a sample: ${raw}`)
    const [, name, labelText, valueText] = sample as unknown as [string, string, string | undefined, string]
    const family = [...families.values()].find((f) =>
      SUFFIXES[f.type].some((suffix) => `${f.name}${suffix}` === name),
    )
    if (family == null || !(family as { typed?: boolean }).typed)
      throw new Error(`line ${line}: sample ${name} without a TYPE`)
    family.samples.push({
      name,
      labels: parseLabels(labelText ?? '', line),
      value: parseValue(valueText, line),
    })
  })
  return families
}

/** The value of `name` with exactly these labels (0 when absent). */
export function sampleValue(
  families: Map<string, Family>,
  name: string,
  labels: Record<string, string> = {},
): number {
  for (const family of families.values()) {
    for (const sample of family.samples) {
      if (sample.name !== name) continue
      const keys = Object.keys(labels)
      if (keys.every((key) => sample.labels[key] === labels[key])) return sample.value
    }
  }
  return 0
}
