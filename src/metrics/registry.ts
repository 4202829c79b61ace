/**
 * The process's prom-client registry, for code that uses prom-client's own metric classes (the
 * arbiter's series). Loading it brings every light family (families.ts) into it, so the process
 * still has one registry to scrape. Workers count in families.ts and load this module (and
 * prom-client, about 12 MB of RSS) only when something in them asks for it.
 */
import { Registry } from 'prom-client'
import { bridge } from './families.js'

export const registry = new Registry()
bridge(registry)

export { PREFIX } from './families.js'
