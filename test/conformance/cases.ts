/**
 * The conformance cases: data files in cases/, one per part of RFC 9112 / RFC 9110, each case
 * raw bytes (or steps), the responses expected and whether the connection must close. This
 * module loads them, expands the `{{text*count}}` shorthand for long inputs, and judges one
 * conversation against its case. The fuzzer (fuzz/) reuses both.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Conversation, Step, WireResponse } from '../support/http-wire.js'

type OneOf<T> = T | T[]

export interface Expected {
  status: OneOf<number>
  /** Fields of the echo app's JSON that must match (method, target, host, body, xEcho). */
  echo?: Record<string, string | null>
  /** The response must not be the echo app's (the request must not reach the app). */
  notEcho?: boolean
  /** Response headers (lowercase names); null means absent, a list means any of these. */
  headers?: Record<string, OneOf<string | null>>
  body?: string
}

export interface Case {
  id: string
  rfc: string
  send?: string
  steps?: Step[]
  expect: Expected[]
  /** true: the server closes after the last response; false: it stays open for another request; absent: either. */
  close?: boolean
  /** Indexes of the final responses that answer HEAD (they carry no body). */
  heads?: number[]
  /** Drop 1xx responses before comparing (a 100 Continue the server may or may not send). */
  ignoreInterim?: boolean
}

export interface CaseFile { file: string; title: string; cases: Case[] }

const DIR = fileURLToPath(new URL('./cases/', import.meta.url))

/** `{{abc*3}}` → `abcabcabc`: long request lines and many fields stay readable in the data. */
export const expand = (text: string) => text.replace(/\{\{([\s\S]+?)\*(\d+)\}\}/g, (_, unit: string, n: string) => unit.repeat(Number(n)))

export function loadCases(): CaseFile[] {
  return readdirSync(DIR).filter((f) => f.endsWith('.json')).sort().map((file) => {
    const data = JSON.parse(readFileSync(DIR + file, 'utf8')) as { title: string; cases: Case[] }
    for (const c of data.cases) {
      if (c.send !== undefined) c.send = expand(c.send)
      for (const s of c.steps ?? []) if ('send' in s) s.send = expand(s.send)
    }
    return { file, title: data.title, cases: data.cases }
  })
}

/** A request that the suite calls invalid: its first answer is a 4xx or 5xx. */
export const isInvalid = (c: Case) => [c.expect[0].status].flat().every((s) => s >= 400)

export const PROBE = 'GET /probe HTTP/1.1\r\nHost: probe.example\r\n\r\n'

/** The steps that play a case: its bytes, then either wait for the close or prove the connection still serves. */
export function stepsOf(c: Case): Step[] {
  const steps: Step[] = c.steps ? [...c.steps] : [{ send: c.send! }]
  const finals = c.expect.filter((e) => [e.status].flat().some((s) => s >= 200)).length
  if (c.close === false) steps.push({ responses: finals }, { send: PROBE }, { responses: finals + 1 })
  else if (c.close === true) steps.push({ responses: finals }, { closed: true })
  else steps.push({ responses: finals })
  return steps
}

const echoOf = (r: WireResponse): Record<string, unknown> | undefined => {
  try {
    const json = JSON.parse(r.body) as Record<string, unknown>
    return typeof json === 'object' && json !== null && 'method' in json ? json : undefined
  } catch { return undefined }
}

/** What is wrong with this conversation for this case; empty when it conforms. */
export function judge(c: Case, talk: Conversation): string[] {
  const problems: string[] = []
  let responses = talk.responses
  if (c.ignoreInterim) responses = responses.filter((r) => r.status >= 200)
  const got = c.close === false ? responses.slice(0, -1) : responses
  const seen = () => responses.map((r) => `${r.status} ${r.body.slice(0, 120)}`).join(' | ') || '(no response)'
  if (got.length !== c.expect.length) problems.push(`expected ${c.expect.length} response(s), got ${got.length}: ${seen()}${talk.rest ? ` rest=${JSON.stringify(talk.rest.slice(0, 80))}` : ''}`)
  c.expect.forEach((e, i) => {
    const r = got[i]
    if (!r) return
    if (![e.status].flat().includes(r.status)) problems.push(`response ${i}: status ${r.status}, expected ${JSON.stringify(e.status)} (${r.body.slice(0, 120)})`)
    const echo = echoOf(r)
    if (e.echo) {
      if (!echo) problems.push(`response ${i}: not the echo app's answer: ${r.body.slice(0, 120)}`)
      else for (const [k, v] of Object.entries(e.echo)) if (echo[k] !== v) problems.push(`response ${i}: app saw ${k}=${JSON.stringify(echo[k])}, expected ${JSON.stringify(v)}`)
    }
    if (e.notEcho && echo) problems.push(`response ${i}: reached the app as ${JSON.stringify(echo)}`)
    for (const [name, want] of Object.entries(e.headers ?? {})) {
      const have = r.headers[name]?.toLowerCase() ?? null
      if (![want].flat().includes(have)) problems.push(`response ${i}: header ${name}=${JSON.stringify(have)}, expected ${JSON.stringify(want)}`)
    }
    if (e.body !== undefined && r.body !== e.body) problems.push(`response ${i}: body ${JSON.stringify(r.body.slice(0, 80))}, expected ${JSON.stringify(e.body)}`)
  })
  if (c.close === true && !talk.closed) problems.push('the connection stayed open')
  if (c.close === false) {
    const probe = responses.at(-1)
    if (talk.closed && (!probe || responses.length <= c.expect.length)) problems.push('the connection closed; a further request on it was not answered')
    else if (probe && echoOf(probe)?.target !== '/probe') problems.push(`a further request on the connection was not answered: ${probe ? probe.status : 'none'}`)
  }
  return problems
}
