/**
 * Priority routes (--overload-priority-routes): a path named there, and every path under it, skips
 * the adaptive limit. Asked only for a request that found the worker at its limit, so the common
 * request never pays for the lookup.
 */
export function priorityRoutes(paths: readonly string[]): (url: string) => boolean {
  if (paths.length === 0) return () => false
  const exact = new Set(paths.map((p) => (p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p)))
  return (url) => {
    const q = url.indexOf('?')
    const path = q < 0 ? url : url.slice(0, q)
    if (exact.has(path)) return true
    for (let i = path.indexOf('/', 1); i > 0; i = path.indexOf('/', i + 1)) if (exact.has(path.slice(0, i))) return true
    return exact.has('/')
  }
}
