// The CPU an empty Node timer costs a second: node empty-timer.mjs 25 (ms between ticks). Run
// `node -e "setTimeout(() => {}, 10000)"` beside it for the start-up part to take off.
const ms = Number(process.argv[2])
setInterval(() => {}, ms)
setTimeout(() => {
  const u = process.cpuUsage()
  console.log(`interval ${ms} ms: ${((u.user + u.system) / 1000 / 10).toFixed(2)} ms/s of CPU over 10 s (start-up included), ${(1000 / ms).toFixed(0)} wakeups/s`)
  process.exit(0)
}, 10000)
