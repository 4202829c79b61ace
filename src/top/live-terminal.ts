/**
 * Ink decides once, when it is first imported, whether it runs in CI (the is-in-ci package reads
 * CI and CONTINUOUS_INTEGRATION), and there it draws only its last frame, at exit: a watched
 * terminal would stay blank. `corral top` draws only on a terminal someone is watching, so on one
 * those variables are taken out before Ink loads.
 *
 * A call, not an import's side effect: a bundler hoists a package's import above the inlined code
 * of the modules imported before it (scripts/bundle-entries.mjs did, and CI's screen went blank
 * again), so the command calls this and only then imports Ink and the views that use it.
 */
export function forgetCi(): void {
  if (!process.stdout.isTTY) return
  for (const name of ['CI', 'CONTINUOUS_INTEGRATION']) delete process.env[name]
}
