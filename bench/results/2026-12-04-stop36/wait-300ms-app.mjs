export default { async fetch() { await new Promise((r) => setTimeout(r, 300)); return new Response('ok') } }
