/**
 * The stuck-worker report: a file, not a message, because it is written while the worker's event
 * loop is blocked and its IPC channel cannot send. The worker's watchdog thread writes it; the
 * arbiter reads and deletes it when it kills the worker for a missing heartbeat.
 *
 * File: <os tmpdir>/corral-stuck-<worker pid>.json, one JSON object:
 *   { "stack": "    at fn (file:line:col)\n…", "inFlight": [{ "method", "url", "ms", "id" }] }
 */
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { InFlightRequest } from './messages.js'

export interface StuckReport { stack: string; inFlight?: InFlightRequest[] }

export const stuckReportFile = (pid: number) => join(tmpdir(), `corral-stuck-${pid}.json`)
