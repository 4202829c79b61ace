/**
 * The dashboard page in a real headless Chromium against a real corral: it loads with its own
 * assets, its numbers move under load, a killed worker shows up as a restart, and its buttons
 * reload and scale when --dashboard-actions allows them. Every wait is on what the page shows.
 */
import { after, before, describe, it, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Browser, Page } from 'playwright-core'
import { launchBrowser } from '../support/browser.js'
import { fixture, startCorral, type Running } from '../support/corral.js'
import { load } from '../support/load.js'
import { needTool } from '../support/tools.js'

let available = false
test('Chromium is installed for the page tests', (t) => { available = needTool(t, 'chromium') })

const text = async (page: Page, selector: string) => (await page.textContent(selector))?.trim() ?? ''
const status = async (s: Running) => (await fetch(s.admin + '/status')).json() as Promise<{ generation: number; target: number; workers: { pid: number; generation: number; state: string }[] }>
const shownPids = async (page: Page) => Promise.all((await page.locator('#workers tr[data-pid]').all()).map((r) => r.getAttribute('data-pid')))

describe('the dashboard page', () => {
  let browser: Browser
  let server: Running
  let page: Page
  const problems: string[] = []

  before(async () => {
    if (!available) return
    ;[browser, server] = await Promise.all([launchBrowser(), startCorral(undefined, fixture('fetch-app.ts'), { args: ['--workers', '2', '--dashboard-actions'] })])
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } })
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`) })
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`))
    page.setDefaultTimeout(30_000)
  })
  after(async () => {
    await browser?.close()
    await server?.stop()
  })

  it('loads with its own assets and shows every worker of /status, and its numbers move under load', async (t) => {
    if (!available) return t.skip('no Chromium')
    const answer = await page.goto(server.admin + '/')
    assert.equal(answer?.status(), 200)
    await page.waitForFunction(`document.querySelectorAll('#workers tr[data-pid]').length === 2 && document.querySelector('#live').textContent === 'live'`)
    const st = await status(server)
    assert.deepEqual((await shownPids(page)).sort(), st.workers.map((w) => String(w.pid)).sort())
    assert.ok(await page.locator('#chart-rps canvas').count() >= 1, 'uPlot drew the requests chart')

    const servedBefore = Number(await text(page, '#stat-total'))
    const traffic = load(server.url + '/', { concurrency: 4, maxRequests: 3000, maxMs: 25_000 })
    await page.waitForFunction(`Number(document.querySelector('#stat-rps').textContent) > 0 && document.querySelector('#stat-p99').textContent.endsWith('ms')`)
    const sent = await traffic.stop()
    assert.ok(sent.ok > 0, `the load got answers: ${JSON.stringify(sent)}`)
    await page.waitForFunction(`Number(document.querySelector('#stat-total').textContent) >= ${servedBefore + sent.ok}`)
    await page.waitForFunction(`Number(document.querySelector('#codes tr[data-code="200"] td:nth-child(2)').textContent) >= ${sent.ok}`)
    const served = await Promise.all((await page.locator('#workers tr[data-pid] td:nth-child(6)').all()).map(async (c) => Number(await c.textContent())))
    assert.ok(served.reduce((n, x) => n + x, 0) >= sent.ok, `the workers' served counts add up to the load: ${served}`)
    assert.deepEqual(problems, [])
  })

  it('shows a killed worker as a crash restart, and the worker that replaced it', async (t) => {
    if (!available) return t.skip('no Chromium')
    const victim = (await status(server)).workers[0].pid
    process.kill(victim, 'SIGKILL')
    await page.waitForFunction(`document.querySelector('#restarts tr[data-reason="crash"] td:last-child').textContent === '1'`)
    await page.waitForFunction(`!document.querySelector('#workers tr[data-pid="${victim}"]') && document.querySelectorAll('#workers tr.ready').length === 2`)
    assert.equal(await text(page, '#stat-restarts'), '1')
    assert.match(await text(page, '#events'), new RegExp(`pid ${victim}\\) exited: crash \\(SIGKILL\\)`))
    assert.deepEqual((await shownPids(page)).sort(), (await status(server)).workers.map((w) => String(w.pid)).sort())
  })

  it('reloads the workers and changes their count from its buttons when --dashboard-actions is on', async (t) => {
    if (!available) return t.skip('no Chromium')
    assert.ok(await page.isVisible('#actions'))
    await page.click('#reload')
    await page.waitForFunction(`document.querySelector('#action-result').textContent.includes('generation 2 serving')`, null, { timeout: 60_000 })
    const st = await status(server)
    assert.equal(st.generation, 2)
    assert.ok(st.workers.filter((w) => w.state === 'ready').every((w) => w.generation === 2))
    await page.click('#scale-up')
    await page.waitForFunction(`document.querySelector('#target').textContent === '3' && document.querySelectorAll('#workers tr.ready').length === 3`, null, { timeout: 60_000 })
    assert.equal((await status(server)).target, 3)
    assert.match(await text(page, '#events'), /workers: target 2 → 3/)
    assert.deepEqual(problems, [])
  })
})
