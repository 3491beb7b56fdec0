/**
 * The scripted endpoints the benchmark measures against the station's own seed endpoint, on the
 * same station build: a reply rule, the same behind 100 rules that never match, and a stream
 * rendered for each peer on the ticks' schedule. Each greets a new peer (the load generator waits
 * for a first message) and sends what the seed's scenarios count: echoes of the same text, and
 * values shaped like ticks ("0.42").
 */
export const SCRIPTED_KINDS = ['reply-rule', 'after-100-rules', 'per-peer-stream'] as const;
export type ScriptedKind = (typeof SCRIPTED_KINDS)[number];

const greeting = [{ send: 'hello' }];
const reply = { send: '{{message.text}}' };

export const SCRIPTED_ENDPOINTS: Record<ScriptedKind, { path: string; definition: object }> = {
  'reply-rule': {
    path: '/bench/reply',
    definition: { path: '/bench/reply', fallback: 'none', onConnect: greeting, rules: [reply] },
  },
  'after-100-rules': {
    path: '/bench/rules',
    definition: {
      path: '/bench/rules',
      fallback: 'none',
      onConnect: greeting,
      rules: [...Array.from({ length: 100 }, (_, index) => ({ match: { text: `never ${index}` }, send: 'no' })), reply],
    },
  },
  'per-peer-stream': {
    path: '/bench/stream',
    definition: {
      path: '/bench/stream',
      onConnect: greeting,
      streams: [{ everyMs: 1000, send: '{{randomFloat 0 1 2}}' }],
    },
  },
};
