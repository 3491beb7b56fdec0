/**
 * What an endpoint would do with one message, without a peer and without sending anything: the
 * rule that fires and the payloads it renders. For the desktop window's "Try it".
 */
import {
  firstMatchingRule,
  oversizeProblem,
  type CompiledDelay,
  type CompiledEndpoint,
  type CompiledRule,
} from './definitions';
import { ReceivedMessage } from './scripted-endpoint';
import type { TemplateContext } from './templates';

/** The peer a tried message comes from, as templates see it. */
const TRY_PEER = Object.freeze({ id: 0, address: '127.0.0.1' });

export type TriedPayload = { binary: boolean; frame: Buffer } | { binary: boolean; problem: string };

export interface TriedMessage {
  /** The index of the rule that fires, or null when none does and the fallback answers. */
  rule: number | null;
  /** With no rule: what the fallback does with the message. */
  fallback: CompiledEndpoint['fallback'];
  /** What would be sent, in order: the frame, or why it could not be. */
  sends: TriedPayload[];
  to: CompiledRule['to'];
  delay: CompiledDelay;
  setState: string | null;
  close: CompiledRule['close'];
}

/** Tries `data` (a text or binary message) from a peer in `state` that has sent nothing before. */
export function tryMessage(
  endpoint: CompiledEndpoint,
  data: Buffer,
  binary: boolean,
  state: string,
  maxPayload: number,
): TriedMessage {
  const message = new ReceivedMessage(data, binary);
  const index = firstMatchingRule(endpoint.rules, message, state);
  const rule = endpoint.rules[index];
  if (rule === undefined) {
    const echoed = endpoint.fallback === 'echo' ? [{ binary, frame: data }] : [];
    return {
      rule: null,
      fallback: endpoint.fallback,
      sends: echoed,
      to: 'sender',
      delay: null,
      setState: null,
      close: null,
    };
  }
  const context: TemplateContext = {
    message: { text: message.text ?? '', json: message.json },
    peer: TRY_PEER,
    query: {},
    endpoint: endpoint.template,
    counter: 1,
  };
  const sends = rule.send.map((payload): TriedPayload => {
    try {
      const frame = 'template' in payload ? Buffer.from(payload.template(context)) : payload.bytes;
      const problem = oversizeProblem(frame, maxPayload);
      return problem === null ? { binary: payload.binary, frame } : { binary: payload.binary, problem };
    } catch (error) {
      return { binary: payload.binary, problem: (error as Error).message };
    }
  });
  return {
    rule: index,
    fallback: endpoint.fallback,
    sends,
    to: rule.to,
    delay: rule.delay,
    setState: rule.setState,
    close: rule.close,
  };
}
