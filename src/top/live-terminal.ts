/**
 * Ink decides once, when it is first imported, whether it runs in CI (the is-in-ci package reads
 * CI and CONTINUOUS_INTEGRATION), and there it draws only its last frame, at exit: a watched
 * terminal would stay blank. `corral top` draws only on a terminal someone is watching, so on one
 * those variables are taken out before Ink loads. Imported first by the command for that reason.
 */
if (process.stdout.isTTY) {
  for (const name of ['CI', 'CONTINUOUS_INTEGRATION']) delete process.env[name]
}
export {}
