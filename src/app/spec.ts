/** An app spec, `path` or `path:exportName` (Gunicorn's module:app): the master reads the path without loading the app. */
export function splitSpec(spec: string): { path: string; exportName?: string } {
  const m = /^(.*?)(?::([A-Za-z_$][\w$]*))?$/.exec(spec)!
  return { path: m[1], exportName: m[2] }
}
