/**
 * The dashboard at `/`: one static page whose script polls /peers and /stats
 * each second (same origin, the token cookie set by /login) and draws the
 * daemon's traffic on a <canvas>. No external resources.
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>weft daemon</title>
<style>
  body { font: 14px system-ui, sans-serif; margin: 2em; color: #222; background: #fafafa }
  h1 { font-size: 1.4em } h2 { font-size: 1.1em; margin-top: 1.5em }
  code { background: #eee; padding: 0 .3em }
  table { border-collapse: collapse; table-layout: fixed; width: 100% }
  td, th { padding: .2em .8em; border-bottom: 1px solid #ddd; text-align: left; overflow-wrap: anywhere }
  canvas { background: #fff; border: 1px solid #ccc }
  .in { color: #1565c0 } .out { color: #c62828 }
</style>
</head>
<body>
<h1>weft daemon</h1>
<p>Peer id <code id="peer-id">…</code></p>
<p>Listening on <span id="addrs">…</span></p>
<h2>Peers (<span id="peer-count">0</span>)</h2>
<table><thead><tr><th>peer</th><th>address</th><th>transport</th><th>rung</th><th>streams</th></tr></thead>
<tbody id="peers"></tbody></table>
<h2>Named connections</h2>
<ul id="named"></ul>
<h2>NAT</h2>
<p id="nat">not measured (run <code>weft nat --stun host:port</code>)</p>
<h2>Traffic</h2>
<p><span class="in">in <b id="bytes-in">0</b> B</span> · <span class="out">out <b id="bytes-out">0</b> B</span></p>
<canvas id="traffic" width="640" height="200" data-samples="0"></canvas>
<script>
const text = (id, value) => { document.getElementById(id).textContent = value }
function row(cells) {
  const tr = document.createElement('tr')
  for (const cell of cells) { const td = document.createElement('td'); td.textContent = cell; tr.append(td) }
  return tr
}
function draw(history) {
  const canvas = document.getElementById('traffic')
  const ctx = canvas.getContext('2d')
  const rates = history.slice(1).map((s, i) => ({ in: s.in - history[i].in, out: s.out - history[i].out }))
  const max = Math.max(1, ...rates.map((r) => Math.max(r.in, r.out)))
  ctx.clearRect(0, 0, canvas.width, canvas.height)
  ctx.strokeStyle = '#eee'
  for (let y = 0; y <= 4; y++) { ctx.beginPath(); ctx.moveTo(0, y * 50); ctx.lineTo(640, y * 50); ctx.stroke() }
  for (const [key, colour] of [['in', '#1565c0'], ['out', '#c62828']]) {
    ctx.strokeStyle = colour; ctx.lineWidth = 2; ctx.beginPath()
    rates.forEach((r, i) => {
      const x = (i / Math.max(1, rates.length - 1)) * canvas.width
      const y = canvas.height - 4 - (r[key] / max) * (canvas.height - 8)
      i === 0 ? ctx.moveTo(x, y) : ctx.lineTo(x, y)
    })
    ctx.stroke()
  }
  ctx.fillStyle = '#555'; ctx.fillText('peak ' + max + ' B/s', 6, 14)
  canvas.dataset.samples = String(history.length)
}
async function poll() {
  try {
    const [peers, stats] = await Promise.all([fetch('/peers'), fetch('/stats')].map((p) => p.then((r) => r.json())))
    text('peer-id', peers.peerId)
    text('addrs', peers.addrs.join(', ') || 'nothing')
    text('peer-count', peers.peers.length)
    const body = document.getElementById('peers')
    body.replaceChildren(...peers.peers.flatMap((p) => p.connections.map((c) => row([p.peerId, c.remoteAddr, c.transport, c.rung, c.streams]))))
    const named = document.getElementById('named')
    named.replaceChildren(...peers.named.map((n) => { const li = document.createElement('li'); li.textContent = n.name + ' → ' + n.peer; return li }))
    text('bytes-in', stats.in); text('bytes-out', stats.out)
    draw(stats.history)
  } catch (err) { text('nat', 'daemon unreachable: ' + err.message) }
}
poll(); setInterval(poll, 1000)
</script>
</body>
</html>
`
