/**
 * `corral top`'s end of the admin port: the dashboard's state document (admin/wire.ts) and its
 * actions, over TCP or the unix socket --admin-bind names. undici, as everywhere in corral.
 */
import { Agent, request } from 'undici'
import type { BindAddress } from '../config/parse.js'
import type { State } from '../admin/wire.js'

export interface ActionReply { status: number; ok: boolean; error?: string; generation?: number; target?: number }

export interface AdminClient {
  /** Where it reads from, as people write it. */
  readonly address: string
  state(since: number): Promise<State>
  act(name: 'reload' | 'scale', body: Record<string, unknown>): Promise<ActionReply>
  close(): Promise<void>
}

/** 0.0.0.0 and :: mean "every address" to a server; a client reaches them on loopback. */
const reachable = (host: string) => (host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '::1' : host)

/** A reload answers once the whole roll is done: each new worker has to boot and become ready. */
const ACTION_TIMEOUT_MS = 120_000

export function adminClient(bind: BindAddress, timeoutMs = 5000): AdminClient {
  const unix = bind.kind === 'unix'
  const origin = unix ? 'http://localhost' : `http://${reachable(bind.host).includes(':') ? `[${reachable(bind.host)}]` : reachable(bind.host)}:${bind.port}`
  const dispatcher = new Agent({ connections: 2, ...(unix ? { connect: { socketPath: bind.path } } : {}) })
  const address = unix ? `unix:${bind.path}` : origin

  const call = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
    const res = await request(origin + path, {
      method, dispatcher, signal: AbortSignal.timeout(method === 'POST' ? ACTION_TIMEOUT_MS : timeoutMs),
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await res.body.text()
    return { status: res.statusCode, text }
  }

  return {
    address,
    async state(since) {
      const { status, text } = await call('GET', `/dashboard/state${since > 0 ? `?since=${since}` : ''}`)
      if (status === 404) throw new Error('this server has no dashboard (it runs with --no-dashboard)')
      if (status !== 200) throw new Error(`the admin port answered ${status}: ${text.trim().slice(0, 200)}`)
      return JSON.parse(text) as State
    },
    async act(name, body) {
      const { status, text } = await call('POST', `/dashboard/actions/${name}`, body)
      try {
        return { status, ...(JSON.parse(text) as Omit<ActionReply, 'status'>) }
      } catch {
        return { status, ok: false, error: `the admin port answered ${status}` }
      }
    },
    close: () => dispatcher.close(),
  }
}
