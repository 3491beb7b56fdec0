/** The contract as the issue and docs/ENDPOINTS.md show it, shared by the tests of every layer. */
export const CONTRACT = {
  endpoints: [
    {
      path: '/prices',
      fallback: 'none',
      onConnect: [{ send: '{"type":"hello","peer":{{peer.id}},"room":{{json query.room}}}' }],
      streams: [{ everyMs: 200, send: '{"price":{{randomInt 100 200}}}' }],
      rules: [
        { match: { json: '/type', equals: 'subscribe' }, send: '{"ack":{{message.json.id}}}' },
        { match: { text: 'ping' }, send: 'pong', delayMs: 300 },
        { match: { regex: '^shout ' }, send: '{{message.text}}', to: 'all' },
        { match: { text: 'bye' }, close: { code: 4000, reason: 'bye' } },
      ],
    },
    {
      path: '/login',
      subprotocols: ['graphql-transport-ws'],
      rules: [
        { match: { text: 'secret', state: 'start' }, send: 'welcome', setState: 'in' },
        { match: { text: 'whoami', state: 'in' }, send: 'member {{peer.id}}' },
        { match: { text: 'whoami' }, send: 'nobody' },
      ],
    },
  ],
};
