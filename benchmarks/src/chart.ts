/**
 * A hand-written SVG bar chart of the headline figures: throughput (MB/s,
 * with the encryption-only reference) and connection set-up (ms), weft
 * against js-libp2p; bars are medians, whiskers span min to max.
 */
import type { MetricResult, Series } from './metrics.js'

const COLORS: Record<Series, string> = { weft: '#2f6fdf', js: '#e8823a', raw: '#8a8a8a' }
const NAMES: Record<Series, string> = {
  weft: 'weft',
  js: 'js-libp2p',
  raw: 'reference (TCP + ChaCha20-Poly1305)',
}

interface Group {
  label: string
  bars: Array<{ series: Series; median: number; min: number; max: number }>
}

function groups(results: MetricResult[], ids: string[], label: (result: MetricResult) => string): Group[] {
  const out: Group[] = []
  for (const id of ids) {
    const result = results.find((r) => r.id === id)
    if (result == null) continue
    const bars: Group['bars'] = []
    for (const series of ['weft', 'js', 'raw'] as const) {
      const summary = result.summary[series]
      if (summary != null) bars.push({ series, ...summary })
    }
    if (bars.length > 0) out.push({ label: label(result), bars })
  }
  return out
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

function format(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2)
}

function panel(title: string, data: Group[], x: number, y: number, width: number, height: number): string {
  const parts: string[] = []
  parts.push(`<text x="${x}" y="${y + 16}" font-size="15" font-weight="bold">${escapeXml(title)}</text>`)
  const top = y + 34
  const bottom = y + height - 40
  const left = x + 50
  const right = x + width - 10
  const max = Math.max(1e-9, ...data.flatMap((group) => group.bars.map((bar) => bar.max)))
  const scale = (value: number) => bottom - ((bottom - top) * value) / (max * 1.1)
  // axis and four gridlines
  for (let i = 0; i <= 4; i++) {
    const value = (max * 1.1 * i) / 4
    const gy = scale(value)
    parts.push(`<line x1="${left}" y1="${gy}" x2="${right}" y2="${gy}" stroke="#e4e4e4"/>`)
    parts.push(
      `<text x="${left - 6}" y="${gy + 4}" font-size="11" text-anchor="end" fill="#555">${format(value)}</text>`,
    )
  }
  parts.push(`<line x1="${left}" y1="${bottom}" x2="${right}" y2="${bottom}" stroke="#333"/>`)
  const groupWidth = (right - left) / Math.max(1, data.length)
  data.forEach((group, g) => {
    const barWidth = Math.min(46, (groupWidth - 16) / group.bars.length)
    const start = left + g * groupWidth + (groupWidth - barWidth * group.bars.length) / 2
    group.bars.forEach((bar, b) => {
      const bx = start + b * barWidth
      const by = scale(bar.median)
      const cx = bx + barWidth / 2
      parts.push(
        `<rect class="bar" x="${bx + 2}" y="${by}" width="${barWidth - 4}" height="${bottom - by}" fill="${COLORS[bar.series]}"><title>${escapeXml(NAMES[bar.series])}: ${format(bar.median)} (min ${format(bar.min)}, max ${format(bar.max)})</title></rect>`,
      )
      if (bar.max > bar.min) {
        parts.push(
          `<line x1="${cx}" y1="${scale(bar.min)}" x2="${cx}" y2="${scale(bar.max)}" stroke="#222"/>`,
        )
        parts.push(
          `<line x1="${cx - 4}" y1="${scale(bar.max)}" x2="${cx + 4}" y2="${scale(bar.max)}" stroke="#222"/>`,
        )
        parts.push(
          `<line x1="${cx - 4}" y1="${scale(bar.min)}" x2="${cx + 4}" y2="${scale(bar.min)}" stroke="#222"/>`,
        )
      }
      parts.push(
        `<text x="${cx}" y="${Math.min(by, scale(bar.max)) - 4}" font-size="10" text-anchor="middle">${format(bar.median)}</text>`,
      )
    })
    const lines = group.label.split('\n')
    lines.forEach((line, i) => {
      parts.push(
        `<text x="${left + g * groupWidth + groupWidth / 2}" y="${bottom + 15 + i * 13}" font-size="11" text-anchor="middle">${escapeXml(line)}</text>`,
      )
    })
  })
  return parts.join('\n')
}

export function renderChart(results: MetricResult[], subtitle: string): string {
  const throughputIds = results.filter((r) => r.id.startsWith('throughput/')).map((r) => r.id)
  const throughput = groups(results, throughputIds, (r) =>
    r.id === 'throughput/reference' ? 'reference\n(encryption only)' : r.id.split('/').slice(1).join('\n'),
  )
  const setup = groups(results, ['setup/median', 'setup/p95'], (r) =>
    r.id === 'setup/median' ? 'median' : 'p95',
  )
  const width = 980
  const height = 430
  const legend = (['weft', 'js', 'raw'] as const)
    .map(
      (series, i) =>
        `<rect x="${20 + i * 150}" y="${height - 22}" width="12" height="12" fill="${COLORS[series]}"/><text x="${36 + i * 150}" y="${height - 12}" font-size="12">${escapeXml(series === 'raw' ? 'reference' : NAMES[series])}</text>`,
    )
    .join('\n')
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" role="img" aria-labelledby="chart-title">
<title id="chart-title">weft vs js-libp2p 3.x: throughput and connection set-up</title>
<rect width="100%" height="100%" fill="white"/>
<text x="20" y="24" font-size="17" font-weight="bold">weft vs js-libp2p 3.x</text>
<text x="20" y="42" font-size="12" fill="#555">${escapeXml(subtitle)}</text>
${panel('Throughput, one stream, MB/s (higher is better)', throughput, 10, 56, 620, height - 86)}
${panel('Connection set-up, ms (lower is better)', setup, 640, 56, 330, height - 86)}
${legend}
</svg>
`
}
