import { section } from '../setting.js'
import { bool, filePaths } from '../parse.js'

export const development = section('Development', {
  reload: {
    parse: bool, default: false,
    doc: `For development: watch the files the workers loaded (the app's whole module graph, .ts included, outside
          node_modules) and the config file, and on a change roll the workers onto the new code, surge first, as SIGHUP
          does. A new worker that fails to load (a syntax error) stops the roll: the old workers keep serving and the
          error is logged with its file and line. See docs/reload.md. Not for production: use SIGHUP there.`,
  },
  reloadExtraFiles: {
    parse: filePaths, default: [], repeatable: true, cli: ['--reload-extra-file'],
    doc: `With --reload, more files to watch than the workers load (a template, a .env read at startup).`,
  },
})
