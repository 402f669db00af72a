/**
 * Progress events (`options.onProgress`, @libp2p/interface `ProgressOptions`).
 * Each interface call types its own union of events, while the host reports
 * js-libp2p's event names from steps shared by several calls (a dial's
 * queue, transport and upgrade steps): `reportProgress` is the one place
 * that bridges the two, instead of a cast at every call.
 *
 * @example
 * ```ts
 * reportProgress(options, 'dial-queue:start-dial')
 * reportProgress(options, 'connection:opened', connection)
 * ```
 */

/** Calls `options.onProgress` (when there is one) with `{ type, detail }`. */
export function reportProgress<Type extends string, Detail = undefined>(
  options: { onProgress?: (evt: never) => void } | undefined,
  type: Type,
  detail?: Detail,
): void {
  const onProgress = options?.onProgress as
    | ((evt: { type: Type; detail: Detail | undefined }) => void)
    | undefined
  onProgress?.({ type, detail })
}
