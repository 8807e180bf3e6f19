import OpenAI from 'openai';
import { TOPICS, type DecisionPayload, type EventEnvelope } from '@pgw/contracts';
import { KafkaEventBus } from '@pgw/messaging';
import {
  MockUpstream,
  readTopicSince,
  TEST_KAFKA_BROKERS,
  topicEndOffsets,
  waitFor,
  type PartitionOffsets,
} from '@pgw/testing';
import { startGateway, StateSeeder, uniqueId, type RunningGateway } from './support/gateway-harness';
import { AWS_KEY, BLOCKED_TERM, blockTerm, redactSecretsAndEmails } from './support/policies';

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
const unb64 = (data: string): string => Buffer.from(data, 'base64').toString('utf8');

type Part = OpenAI.Chat.Completions.ChatCompletionContentPart;

/**
 * Media in requests (issue 15): text files inside data: URLs and `file_data` are decoded and judged like
 * any other text (redacted in place, re-encoded; or blocked); media the engine cannot read (images, audio,
 * other files) passes, or is refused when the policy says `media: block`. Through the official client.
 */
describe('gateway: media parts', () => {
  let mock: MockUpstream;
  let gateway: RunningGateway;
  let seedBus: KafkaEventBus;
  let seed: StateSeeder;
  let decisionsStart: PartitionOffsets;

  beforeAll(async () => {
    decisionsStart = await topicEndOffsets(TOPICS.decisions);
    mock = await MockUpstream.start({ apiKey: 'upstream-secret' });
    seedBus = new KafkaEventBus({ brokers: TEST_KAFKA_BROKERS, clientId: uniqueId('seed') });
    seed = new StateSeeder(seedBus);
    gateway = await startGateway({
      routes: { 'gpt-test': { baseUrl: mock.baseUrl, apiKey: 'upstream-secret' } },
      defaultUpstream: { baseUrl: mock.baseUrl, apiKey: 'upstream-secret' },
      upstream: { timeoutMs: 2_000 },
    });
  });

  afterAll(async () => {
    await gateway?.close();
    await seedBus?.close();
    await mock?.close();
  });

  beforeEach(() => {
    mock.requests.length = 0;
  });

  async function clientFor(policy: unknown): Promise<{ openai: OpenAI; projectId: string }> {
    const project = await seed.project({ allowed_models: [] });
    await seed.policy(project.project_id, policy);
    const { apiKey } = await seed.key(project.project_id);
    const openai = new OpenAI({ apiKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    await waitFor(async () => {
      try {
        await openai.models.list();
        return true;
      } catch {
        return false;
      }
    });
    return { openai, projectId: project.project_id };
  }

  const ask = (openai: OpenAI, content: Part[]) =>
    openai.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content }] });

  /** The error the gateway answered (the client throws an APIError for a 4xx). */
  async function refusal(call: Promise<unknown>): Promise<{ status: number; code: unknown }> {
    try {
      await call;
    } catch (error) {
      if (error instanceof OpenAI.APIError) return { status: error.status ?? 0, code: error.code };
      throw error;
    }
    return { status: 200, code: null };
  }

  const upstreamParts = (): Record<string, Record<string, string>>[] => {
    const body = mock.requests.at(-1)!.body as {
      messages: { content: Record<string, Record<string, string>>[] }[];
    };
    return body.messages[0].content;
  };

  it('redacts a secret inside a text file (data: URL and bare base64) and re-encodes it', async () => {
    const { openai } = await clientFor(redactSecretsAndEmails());
    await ask(openai, [
      { type: 'text', text: 'summarise these' },
      {
        type: 'file',
        file: {
          filename: 'env.json',
          file_data: `data:application/json;base64,${b64(`{"key":"${AWS_KEY}"}`)}`,
        },
      },
      { type: 'file', file: { filename: 'notes.txt', file_data: b64(`line one\nkey ${AWS_KEY}\n`) } },
    ]);
    const [, dataUrl, bare] = upstreamParts();
    expect(dataUrl.file.file_data.startsWith('data:application/json;base64,')).toBe(true);
    const json = unb64(dataUrl.file.file_data.split(',')[1]);
    const notes = unb64(bare.file.file_data);
    expect(json).not.toContain(AWS_KEY);
    expect(json).toContain('{"key":"');
    expect(notes).not.toContain(AWS_KEY);
    expect(notes.startsWith('line one\nkey ')).toBe(true);
    expect(JSON.stringify(mock.requests.at(-1)!.body)).not.toContain(b64(AWS_KEY).slice(0, 12));
  });

  it('blocks a request whose text file (an image_url data: URL of a text type too) holds a blocked term', async () => {
    const { openai } = await clientFor(blockTerm(BLOCKED_TERM, 'input'));
    for (const part of [
      { type: 'file', file: { filename: 'plan.md', file_data: b64(`# ${BLOCKED_TERM}`) } },
      {
        type: 'image_url',
        image_url: { url: `data:text/plain,${encodeURIComponent(`see ${BLOCKED_TERM}`)}` },
      },
    ] as Part[]) {
      expect(await refusal(ask(openai, [{ type: 'text', text: 'hi' }, part]))).toEqual({
        status: 403,
        code: 'denylist_match',
      });
    }
    expect(mock.requests).toHaveLength(0);
  });

  it('refuses a text file that is not canonical base64 (a provider could decode it differently)', async () => {
    const { openai } = await clientFor(blockTerm(BLOCKED_TERM, 'input'));
    const sloppy = `${b64(`x ${BLOCKED_TERM}`)}\n=`;
    expect(
      await refusal(ask(openai, [{ type: 'file', file: { filename: 'a.txt', file_data: sloppy } }])),
    ).toEqual({ status: 400, code: 'invalid_request' });
    expect(mock.requests).toHaveLength(0);
  });

  it('passes media it cannot read by default, unchanged', async () => {
    const { openai } = await clientFor(redactSecretsAndEmails());
    const png = `data:image/png;base64,${b64('\u0089PNG fake')}`;
    await ask(openai, [
      { type: 'image_url', image_url: { url: png } },
      { type: 'input_audio', input_audio: { data: b64('RIFF fake'), format: 'wav' } },
    ]);
    const [image, audio] = upstreamParts();
    expect(image.image_url.url).toBe(png);
    expect(audio.input_audio.data).toBe(b64('RIFF fake'));
  });

  it('refuses media it cannot read under `media: block`, and records the decision', async () => {
    const { openai, projectId } = await clientFor({
      ...(redactSecretsAndEmails() as object),
      media: 'block',
    });
    const parts: Part[][] = [
      [{ type: 'input_audio', input_audio: { data: b64('RIFF fake'), format: 'wav' } }],
      [{ type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }],
      [{ type: 'file', file: { file_id: 'file-abc' } }],
      [
        {
          type: 'file',
          file: { filename: 'scan.pdf', file_data: `data:application/pdf;base64,${b64('%PDF')}` },
        },
      ],
    ];
    for (const content of parts) {
      expect(await refusal(ask(openai, content))).toEqual({ status: 403, code: 'media_blocked' });
    }
    expect(mock.requests).toHaveLength(0);
    // A text file is still read, not refused, under media: block.
    await ask(openai, [{ type: 'file', file: { filename: 'a.txt', file_data: b64('plain words') } }]);
    expect(mock.requests).toHaveLength(1);

    const decisions = await waitFor(
      async () => {
        const found = (await readTopicSince(TOPICS.decisions, decisionsStart))
          .filter((m) => m.key === projectId && m.value)
          .map((m) => (JSON.parse(m.value as string) as EventEnvelope<string, DecisionPayload>).payload)
          .filter((p) => p.reason_code === 'media_blocked');
        return found.length >= parts.length ? found : null;
      },
      { timeoutMs: 20_000, description: 'media_blocked decisions' },
    );
    expect(decisions[0]).toMatchObject({
      decision: 'block',
      enforced: true,
      triggered_categories: ['media.opaque'],
      policy_target: 'input',
    });
  });
});
