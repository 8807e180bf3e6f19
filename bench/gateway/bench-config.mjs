// Command-line flags and fixed settings of the gateway benchmark (flags documented in README.md).
import { parseArgs } from 'node:util';

export const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    reps: { type: 'string', default: '1' },
    conns: { type: 'string', default: '16,64' },
    'ttfb-requests': { type: 'string', default: '300' },
    'no-portkey': { type: 'boolean', default: false },
    // Another build's dist/ (e.g. from `git worktree add`): its gateway runs beside ours, interleaved.
    baseline: { type: 'string' },
    pin: { type: 'boolean', default: false },
    // Skip the max-load phase and run only the half-load comparison at this rate (req/s).
    'half-rate': { type: 'string' },
    // Only the Responses rows (POST /v1/responses, non-streamed and streamed), after the warm-up.
    'responses-only': { type: 'boolean', default: false },
    'no-responses': { type: 'boolean', default: false },
  },
});
export const DURATION = Number(args.duration);
export const REPS = Number(args.reps);
export const CONNS = args.conns.split(',').map(Number);
export const TTFB_REQUESTS = Number(args['ttfb-requests']);
export const KAFKA_BROKERS = process.env.KAFKA_BROKERS ?? '127.0.0.1:19092';
export const GATEWAY_PORT = Number(process.env.BENCH_GATEWAY_PORT ?? 18080);
export const PORTKEY_PORT = 8787;
export const MODEL = 'gpt-4o-mini';
export const PROMPT =
  'You are helping a small bakery plan its week. The oven runs from six in the morning until two in the ' +
  'afternoon, and the team wants to bake sourdough, rye and a few seasonal pastries. Suggest a schedule ' +
  'that keeps the oven busy, leaves time for cleaning, and explains which loaves should rest overnight. ' +
  'Keep the answer short, use plain language, and list the steps in order so a new apprentice can follow ' +
  'them without asking questions. Mention how to adjust if the flour delivery is late on Wednesday.';

/** The chat completion request every load client sends. */
export function requestBody(stream) {
  return JSON.stringify({
    model: MODEL,
    messages: [{ role: 'user', content: PROMPT }],
    ...(stream ? { stream: true } : {}),
  });
}

/**
 * The Responses API request of the Responses rows: the same prompt as input, with instructions, and
 * store off (the bench's mock would otherwise keep every response it made).
 */
export function responsesRequestBody(stream) {
  return JSON.stringify({
    model: MODEL,
    instructions: 'Answer as a patient baker.',
    input: [{ role: 'user', content: [{ type: 'input_text', text: PROMPT }] }],
    store: false,
    ...(stream ? { stream: true } : {}),
  });
}
