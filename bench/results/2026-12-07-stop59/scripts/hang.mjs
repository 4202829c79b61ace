export default { fetch: (req) => new URL(req.url).pathname === '/hang' ? new Promise((r) => setTimeout(() => r(new Response('late')), 20000)) : new Response('ok') }
