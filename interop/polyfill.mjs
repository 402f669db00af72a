// js-libp2p 3.x uses Promise.withResolvers (Node 22+). weft's own code does
// not; this file is loaded with --import only where js-libp2p runs on Node 20.
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function withResolvers() {
    let resolve
    let reject
    const promise = new this((res, rej) => {
      resolve = res
      reject = rej
    })
    return { promise, resolve, reject }
  }
}
