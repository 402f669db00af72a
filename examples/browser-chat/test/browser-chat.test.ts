/**
 * weft in a real browser (issue 5, acceptance 3): the page is built with
 * Vite, served from loopback, and opened in Debian's headless Chromium
 * driven by playwright-core. The page's host dials the Node host over
 * WebSocket, shows both peer ids, sends a chat message and shows the reply
 * the server sends back over the same connection. The test saves a
 * screenshot to examples/browser-chat/test-results/browser-chat.png.
 *
 * It needs /usr/bin/chromium (`apt-get install -y chromium`; the test
 * command installs it as root, scripts/system-tools.mjs). Without it the
 * test is not run and says so in its title, outside CI only: in CI a missing
 * browser is a failure.
 */
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { extname, join, normalize } from 'node:path'
import { notRunReason } from '@weft/testkit'
import { type Browser, chromium } from 'playwright-core'
import { build } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ChatServer, replyTo, startChatServer } from '../src/chat-server.js'
import { exampleRoot, pageConfig } from '../src/vite-config.js'

const CHROMIUM = '/usr/bin/chromium'

const why = notRunReason([CHROMIUM])

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
}

/** Serves the files under `root` on 127.0.0.1 (GET only, no directory listing). */
async function serveStatic(root: string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname))
    const file = join(root, path === '/' ? 'index.html' : path)
    if (!file.startsWith(root)) {
      res.writeHead(403).end()
      return
    }
    readFile(file).then(
      (body) =>
        res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body),
      () => res.writeHead(404).end(),
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return { server, url: `http://127.0.0.1:${port}/` }
}

describe.skipIf(why !== '')(`the browser chat in headless Chromium${why}`, () => {
  let chat: ChatServer
  let site: { server: Server; url: string }
  let browser: Browser
  let outDir: string
  const received: string[] = []

  beforeAll(async () => {
    outDir = await mkdtemp(join(tmpdir(), 'weft-browser-chat-'))
    await build({ ...pageConfig(), build: { outDir, emptyOutDir: true, target: 'es2022' } })
    site = await serveStatic(outDir)
    chat = await startChatServer({ onMessage: (text) => received.push(text) })
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    })
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await chat?.stop()
    site?.server.closeAllConnections()
    await new Promise((resolve) => site?.server.close(resolve))
    if (outDir != null) await rm(outDir, { recursive: true, force: true })
  })

  it('connects to the Node host, shows both peer ids, sends a message and shows the reply', async () => {
    const page = await browser.newPage()
    const errors: string[] = []
    page.on('pageerror', (err) => errors.push(err.message))
    try {
      await page.goto(`${site.url}?server=${encodeURIComponent(chat.address.toString())}`)
      // the page reports 'connected', or 'failed: <error>'
      await page.waitForFunction(
        () => /^(connected|failed)/.test(document.getElementById('status')?.textContent ?? ''),
        undefined,
        { timeout: 30_000 },
      )
      expect(await page.locator('#status').textContent()).toBe('connected')
      const self = await page.locator('#self').textContent()
      const remote = await page.locator('#remote').textContent()
      expect(remote).toBe(chat.host.peerId.toString())
      expect(self).toMatch(/^12D3KooW/)
      expect(self).not.toBe(remote)
      // the server sees the page's host as a peer
      expect(chat.host.getConnections().map((c) => c.remotePeer.toString())).toContain(self)

      await page.locator('#message').fill('hello from chromium')
      await page.locator('#send').click()
      await page
        .locator('#log .server')
        .filter({ hasText: replyTo('hello from chromium') })
        .waitFor({ timeout: 30_000 })
      expect(received).toEqual(['hello from chromium'])
      expect(await page.locator('#log li').allTextContents()).toEqual([
        'me: hello from chromium',
        `server: ${replyTo('hello from chromium')}`,
      ])
      expect(errors).toEqual([])
    } finally {
      const results = join(exampleRoot(), 'test-results')
      await mkdir(results, { recursive: true })
      await page.screenshot({ path: join(results, 'browser-chat.png'), fullPage: true })
      await page.close()
    }
  }, 90_000)
})
