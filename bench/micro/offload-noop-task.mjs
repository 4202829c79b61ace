/** The task bench/micro/offload-overhead.ts offloads: nothing, so only the offload itself is timed. */
export function noop(i) {
  return i
}
