/**
 * Resources the io toolkit opens inside a worker (pools, clients, queue consumers) register their
 * close function here. The worker drains requests first, then closes every resource, newest first,
 * before it exits; outside a worker (scripts, tests) call closeResources() yourself.
 */
type Close = () => Promise<void> | void

const closers: { name: string; close: Close }[] = []

export function onClose(name: string, close: Close): () => void {
  const entry = { name, close }
  closers.push(entry)
  return () => {
    const i = closers.indexOf(entry)
    if (i >= 0) closers.splice(i, 1)
  }
}

/** Close every registered resource, newest first. Errors are collected, not thrown one by one. */
export async function closeResources(): Promise<{ name: string; error: unknown }[]> {
  const failures: { name: string; error: unknown }[] = []
  while (closers.length > 0) {
    const { name, close } = closers.pop()!
    try { await close() } catch (error) { failures.push({ name, error }) }
  }
  return failures
}
