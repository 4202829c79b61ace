/**
 * `corral top`'s loop: ask the admin port for the dashboard's state at the pace the master samples
 * (only the points it lacks), keep the history, and take keys: q quits; with --dashboard-actions on
 * the server, r reloads (after a y to confirm) and + / - change the worker count.
 */
import { createElement as h, useEffect, useRef, useState, type ReactNode } from 'react'
import { useApp, useInput, useStdout } from 'ink'
import type { Point, Snapshot } from '../admin/wire.js'
import { clock } from '../admin/page/format.js'
import type { AdminClient } from './client.js'
import { TopView } from './view.js'

export function TopApp({ client }: { client: AdminClient }): ReactNode {
  const { exit } = useApp()
  const { stdout } = useStdout()
  const [snapshot, setSnapshot] = useState<Snapshot>()
  const [points, setPoints] = useState<Point[]>([])
  const [status, setStatus] = useState({ ok: false, text: `connecting to ${client.address}…` })
  const [message, setMessage] = useState('')
  const [size, setSize] = useState({ columns: stdout.columns ?? 100, rows: stdout.rows ?? 40 })
  const confirming = useRef(false)
  const busy = useRef(false)
  const last = useRef<Snapshot | undefined>(undefined)

  useEffect(() => {
    const onResize = () => setSize({ columns: stdout.columns ?? 100, rows: stdout.rows ?? 40 })
    stdout.on('resize', onResize)
    return () => { stdout.off('resize', onResize) }
  }, [stdout])

  useEffect(() => {
    let stopped = false
    let timer: NodeJS.Timeout | undefined
    let since = 0
    let failures = 0
    const poll = async () => {
      let next = 1000
      try {
        const state = await client.state(since)
        if (stopped) return
        since = state.points.at(-1)?.t ?? since
        last.current = state.snapshot
        setSnapshot(state.snapshot)
        setPoints((old) => old.concat(state.points).filter((p) => p.t >= state.snapshot.at - state.historyMs))
        setStatus({ ok: true, text: `live ${clock(state.snapshot.at)}` })
        failures = 0
        next = state.intervalMs
      } catch (err) {
        if (stopped) return
        failures++
        setStatus({ ok: false, text: `${client.address}: ${(err as Error).message}; retrying` })
        next = Math.min(5000, 1000 * failures)
      }
      if (!stopped) timer = setTimeout(() => void poll(), next)
    }
    void poll()
    return () => { stopped = true; clearTimeout(timer) }
  }, [client])

  const act = (name: 'reload' | 'scale', body: Record<string, unknown>, doing: string) => {
    if (busy.current) return
    busy.current = true
    setMessage(doing)
    client.act(name, body).then(
      (r) => setMessage(!r.ok ? `refused: ${r.error}` : r.generation !== undefined ? `reload done: generation ${r.generation} serving` : `workers: target ${r.target}`),
      (err: Error) => setMessage(`failed: ${err.message}`),
    ).finally(() => { busy.current = false })
  }

  useInput((input, key) => {
    if (confirming.current) {
      confirming.current = false
      if (input === 'y' || input === 'Y') act('reload', {}, 'reloading…')
      else setMessage('reload cancelled')
      return
    }
    if (input === 'q' || key.escape) return exit()
    const s = last.current
    if (!s || !['r', '+', '=', '-'].includes(input)) return
    if (!s.actions) return setMessage('actions are off on this server (start corral with --dashboard-actions)')
    if (input === 'r') {
      confirming.current = true
      setMessage('reload every worker? y / n')
    } else if (input === '+' || input === '=') act('scale', { to: s.target + 1 }, `scaling to ${s.target + 1}…`)
    else if (s.target > 1) act('scale', { to: s.target - 1 }, `scaling to ${s.target - 1}…`)
    else setMessage('one worker is the fewest')
  })

  return h(TopView, { snapshot, points, status, message, columns: size.columns, rows: size.rows })
}
