/**
 * The order confirmation: a job per order, run by a consumer in every worker. Here it marks the
 * order confirmed (where a real shop would send the e-mail). The queue delivers at least once,
 * so running it twice for one order must change nothing the second time: confirm() only moves a
 * pending order.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { database, type Job } from 'corral/io'
import { confirm } from '../store/orders.js'

export const CONFIRMATION_QUEUE = 'order-confirmation'

export interface ConfirmationPayload { orderId: number }

export function confirmOrder(delayMs: number) {
  return async (job: Job<ConfirmationPayload>): Promise<void> => {
    // Stands in for the mail provider's round trip, so a job is briefly visible as active.
    if (delayMs > 0) await sleep(delayMs, undefined, { signal: job.signal })
    await confirm(database(), job.payload.orderId)
  }
}
