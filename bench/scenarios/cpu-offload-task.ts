/**
 * The task scenario `cpu-offload` offloads: the same PBKDF2 as scenario `cpu`, run on a thread of
 * the worker's pool. Loaded by offload() in each thread, never imported by the app.
 */
import { pbkdf2Sync } from 'node:crypto'

export function pbkdf2(iterations: number): string {
  return pbkdf2Sync('corral', 'bench', iterations, 32, 'sha256').toString('hex')
}
