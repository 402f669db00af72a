/**
 * Runs a compliance suite while marking the tests that fail for a documented
 * reason outside weft (see ../README.md, "Known failures"). Such a test still
 * runs in full: it passes only while it fails the way the entry describes, so
 * a change in weft or in the suite that removes the cause makes it fail and
 * the entry must go.
 */

/**
 * @typedef {object} KnownFailure
 * @property {string} title   the suite's test title
 * @property {RegExp} error   what the failure's message must match
 * @property {string} reason  one line: why it fails (details in the README)
 */

/**
 * @param {KnownFailure[]} known
 * @param {() => void} registerSuite  calls the suite, which declares its tests synchronously
 */
export function withKnownFailures(known, registerSuite) {
  const originalIt = globalThis.it
  const unused = new Set(known.map((entry) => entry.title))
  const wrapped = (title, fn) => {
    const entry = known.find((candidate) => candidate.title === title)
    if (entry == null || fn == null) return originalIt(title, fn)
    unused.delete(title)
    return originalIt(`${title} [known failure: ${entry.reason}]`, async function () {
      let failure
      try {
        await fn.call(this)
      } catch (err) {
        failure = err
      }
      if (failure == null) {
        throw new Error(`"${title}" passes now: remove it from the known failures`)
      }
      if (!entry.error.test(String(failure?.message))) throw failure
    })
  }
  Object.assign(wrapped, originalIt)
  globalThis.it = wrapped
  try {
    registerSuite()
  } finally {
    globalThis.it = originalIt
  }
  if (unused.size > 0) throw new Error(`known failures name tests the suite lacks: ${[...unused].join(', ')}`)
}
