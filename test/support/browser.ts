/**
 * A real headless Chromium for page tests, driven by playwright-core over the DevTools protocol.
 * Debian's /usr/bin/chromium, with the flags that work in this sandbox; playwright gives each
 * launch a fresh profile directory of its own.
 */
import { chromium, type Browser } from 'playwright-core'
import { CHROMIUM } from './tools.js'

export const CHROMIUM_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync']

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS, timeout: 60_000 })
}
