/** The conformance echo app in Express: what the app saw, as JSON. */
import express from 'express'

export const app = express()
app.use(express.text({ type: () => true, limit: '10mb' }))
app.use((req, res) => {
  res.json({ method: req.method, target: req.originalUrl, host: req.headers.host, body: typeof req.body === 'string' ? req.body : '', xEcho: req.headers['x-echo'] ?? null })
})
