import { notRunReason } from '@weft/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bundleCli, type DaemonProcess, startDaemonProcess, tempDir } from './helpers.js'
import { REASONS } from './p2pd-differences.js'
import { IN_CI, type P2pdLab, prepareP2pd, startP2pdLab } from './p2pd-lab.js'
import { type Answer, differences, ECHO_TRIGGER, endpoint, runScript, STEPS } from './p2pd-script.js'

const TOOLS_NOT_RUN = notRunReason(['root', 'ip', 'python3', 'turnserver', 'mosquitto'])
const VENV_MISSING = TOOLS_NOT_RUN === '' ? await prepareP2pd() : ''
if (VENV_MISSING !== '' && IN_CI) throw new Error(`cannot prepare P2PD in CI: ${VENV_MISSING}`)
const NOT_RUN =
  TOOLS_NOT_RUN !== '' ? TOOLS_NOT_RUN : VENV_MISSING !== '' ? ` (not run: needs ${VENV_MISSING})` : ''

function cell(answer: Answer | undefined): string {
  if (answer == null) return '-'
  if (answer.kind !== 'json') return `${answer.status} ${String(answer.shape)}`
  const shape = answer.shape as Record<string, unknown>
  return `${answer.status} {${Object.keys(shape).join(',')}}`
}

describe.skipIf(NOT_RUN !== '')(
  `the P2PD request script against a real P2PD 3.1.9 and weft${NOT_RUN}`,
  () => {
    const temp = tempDir('p2pd-real')
    let lab: P2pdLab | undefined
    let alice: DaemonProcess | undefined
    let bob: DaemonProcess | undefined

    beforeAll(async () => {
      const bin = bundleCli(temp.dir)
      ;[lab, alice, bob] = await Promise.all([
        startP2pdLab(temp.dir),
        startDaemonProcess(bin, temp.dir, 'alice'),
        startDaemonProcess(bin, temp.dir, 'bob'),
      ])
    }, 120_000)

    afterAll(async () => {
      await lab?.stop()
      expect(await alice?.stop()).toBe(0)
      expect(await bob?.stop()).toBe(0)
      temp.remove()
    })

    it('answers the routes both have alike, or differs only as listed with the reason', async () => {
      const real = endpoint({ socketPath: lab!.socket })
      const p2pd = await runScript({ a: real, b: real, peerPath: '/self', text: ECHO_TRIGGER })
      const a = endpoint({ port: alice!.port, token: alice!.token })
      const b = endpoint({ port: bob!.port, token: bob!.token })
      const weft = await runScript({ a, b, peerPath: bob!.addrs[0]!, text: 'hello bob' })

      // the lab really carried traffic: P2PD opened, sent, and heard its echo
      expect(p2pd.get('open peer')?.shape).toMatchObject({ error: 'number', raddr: '["number"|"string"]' })
      expect(p2pd.get('recv text')?.shape).toMatchObject({ data: 'string', client_tup: expect.any(String) })
      expect(p2pd.get('binary get')).toEqual({
        status: 200,
        kind: 'bytes',
        shape: 'application/octet-stream',
      })

      const rows = STEPS.map((step) => {
        const found = differences(p2pd.get(step.id)!, weft.get(step.id)!)
        return { step: step.id, p2pd: cell(p2pd.get(step.id)), weft: cell(weft.get(step.id)), found }
      })
      const table = rows.map(
        (row) =>
          `| ${row.step} | ${row.p2pd} | ${row.weft} | ${row.found.length === 0 ? 'same' : row.found.join('; ')} | ${REASONS[row.step] ?? ''} |`,
      )
      console.log(
        [
          '| step | P2PD 3.1.9 | weft | differences | reason |',
          '| --- | --- | --- | --- | --- |',
          ...table,
        ].join('\n'),
      )

      expect(
        rows
          .filter((row) => row.found.length > 0 && REASONS[row.step] == null)
          .map((row) => `${row.step}: ${row.found.join('; ')}`),
      ).toEqual([])
      expect(
        rows.filter((row) => row.found.length === 0 && REASONS[row.step] != null).map((row) => row.step),
      ).toEqual([])
    }, 150_000)
  },
)
