import { randomUUID } from 'node:crypto';
import { TOPICS, uncheckedEncoded } from '@pgw/contracts';
import {
  checkKafkaSecurity,
  KafkaEventBus,
  KafkaSecurityError,
  kafkaSecurityFromEnv,
  ThreadedKafkaEventBus,
  type IncomingMessage,
} from '@pgw/messaging';
import { startSecureTestKafka, waitFor, type SecureTestKafka } from '@pgw/testing';

/**
 * The event bus against the SASL_SSL test broker (scripts/kafka/kafka.sh, KAFKA_SECURITY=sasl_ssl): the
 * idempotent producer, a consumer group and a follower all authenticate with the same settings, and the
 * start-up check tells credentials and trust problems apart from a broker that is away.
 */
describe('Kafka over SASL_SSL (real secured broker)', () => {
  let kafka: SecureTestKafka;
  beforeAll(() => {
    kafka = startSecureTestKafka();
  }, 240_000);
  afterAll(() => kafka?.stop(), 60_000);

  const securityWith = (overrides: Record<string, string>) =>
    kafkaSecurityFromEnv({ ...kafka.env, ...overrides });

  it('produces, consumes and follows with SCRAM-SHA-512 over TLS', async () => {
    const security = securityWith({});
    const run = randomUUID();
    const bus = new KafkaEventBus({ brokers: kafka.brokers, clientId: `secure-${run}`, security });
    try {
      const received: IncomingMessage<unknown>[] = [];
      await bus.consume({
        topic: TOPICS.deadLetter,
        groupId: `secure-${run}`,
        fromBeginning: true,
        handler: async (batch) => {
          received.push(...batch.filter((m) => m.key === run));
        },
      });
      for (let i = 0; i < 20; i++)
        bus.publish(TOPICS.deadLetter, [{ key: run, value: uncheckedEncoded(`${i}`) }]);
      await bus.flush();
      expect(bus.health()).toMatchObject({ buffered: 0, spilled: 0 });
      await waitFor(() => received.length >= 20, { description: 'the consumer to get the 20 messages' });
      expect(received.map((m) => m.value?.toString())).toEqual(Array.from({ length: 20 }, (_, i) => `${i}`));
      // Idempotent producer: the broker stored them with a producer id and consecutive sequence numbers,
      // which is what lets it drop a retried request's duplicate instead of appending it again.
      const stored = kafka
        .storedRecords(TOPICS.deadLetter, received[0].partition)
        .filter((r) => r.key === run);
      expect(stored).toHaveLength(20);
      expect(stored.every((r) => r.producerId >= 0 && r.producerId === stored[0].producerId)).toBe(true);
      const sequences = stored.map((r) => r.sequence);
      expect(sequences).toEqual(Array.from({ length: 20 }, (_, i) => sequences[0] + i));

      await bus.publishAndWait(TOPICS.projectState, [{ key: run, value: uncheckedEncoded('state') }]);
      const followed: string[] = [];
      const follower = await bus.follow({
        topics: [TOPICS.projectState],
        onMessage: (m) => {
          if (m.key === run) followed.push(String(m.value));
        },
      });
      await follower.caughtUp;
      expect(followed).toEqual(['state']);
    } finally {
      await bus.close();
    }
  });

  it("the gateway's threaded bus takes the same settings to its Kafka thread", async () => {
    const run = randomUUID();
    const bus = new ThreadedKafkaEventBus({
      brokers: kafka.brokers,
      clientId: `secure-thread-${run}`,
      security: securityWith({}),
      logger: () => undefined,
    });
    try {
      await bus.publishAndWait(TOPICS.projectState, [{ key: run, value: uncheckedEncoded('threaded') }]);
      const followed: string[] = [];
      const follower = await bus.follow({
        topics: [TOPICS.projectState],
        onMessage: (m) => {
          if (m.key === run) followed.push(String(m.value));
        },
      });
      await follower.caughtUp;
      expect(followed).toEqual(['threaded']);
    } finally {
      await bus.close();
    }
  });

  // Functions: the broker's files are known only once beforeAll ran.
  it.each<[string, () => Record<string, string>]>([
    ['SCRAM-SHA-256', () => ({ KAFKA_SASL_MECHANISM: 'scram-sha-256' })],
    ['PLAIN inside TLS', () => ({ KAFKA_SASL_MECHANISM: 'plain' })],
    [
      'a client certificate (mTLS) besides SCRAM',
      () => ({ KAFKA_SSL_CERT_FILE: kafka.clientCertFile, KAFKA_SSL_KEY_FILE: kafka.clientKeyFile }),
    ],
  ])('connects with %s', async (_label, overrides) => {
    await expect(
      checkKafkaSecurity({
        brokers: kafka.brokers,
        clientId: 'secure-check',
        security: securityWith(overrides()),
      }),
    ).resolves.toMatchObject({ reachable: true });
  });

  it('stops at once on a wrong password, naming the user and the variables but not the password', async () => {
    const wrong = `wrong-${randomUUID()}`;
    const failure = await checkKafkaSecurity({
      brokers: kafka.brokers,
      clientId: 'secure-check',
      security: securityWith({ KAFKA_SASL_PASSWORD_FILE: '', KAFKA_SASL_PASSWORD: wrong }),
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(KafkaSecurityError);
    expect((failure as Error).message).toBe(
      `Kafka refused the SASL SCRAM-SHA-512 login of user "${kafka.username}": check KAFKA_SASL_USERNAME ` +
        'and KAFKA_SASL_PASSWORD (or their _FILE secrets) and the mechanism',
    );
    expect((failure as Error).message).not.toContain(wrong);
  });

  it('stops at once when the broker certificate is not signed by the configured CA', async () => {
    const failure = await checkKafkaSecurity({
      brokers: kafka.brokers,
      clientId: 'secure-check',
      security: securityWith({ KAFKA_SSL_CA_FILE: kafka.untrustedCaFile }),
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(KafkaSecurityError);
    expect((failure as Error).message).toContain(
      `TLS to Kafka at ${kafka.brokers[0]} failed: the broker's certificate is not trusted (SELF_SIGNED_CERT_IN_CHAIN)`,
    );
  });

  it('reports a broker that does not answer as unreachable, not as a security failure (the bus retries)', async () => {
    await expect(
      checkKafkaSecurity({
        brokers: ['127.0.0.1:1'],
        clientId: 'secure-check',
        security: securityWith({}),
        timeoutMs: 1_000,
      }),
    ).resolves.toMatchObject({
      reachable: false,
      protocol: 'SASL_SSL (scram-sha-512, user pgw)',
      detail: expect.stringContaining('ECONNREFUSED'),
    });
  });

  it('says why when TLS meets a plaintext listener, and when a plaintext client meets the TLS one', async () => {
    const plaintextBroker = (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',');
    await expect(
      checkKafkaSecurity({ brokers: plaintextBroker, clientId: 'secure-check', security: { ssl: {} } }),
    ).resolves.toMatchObject({ reachable: false, protocol: 'SSL', detail: expect.stringContaining('TLS') });
    await expect(
      checkKafkaSecurity({
        brokers: kafka.brokers,
        clientId: 'secure-check',
        security: {},
        timeoutMs: 2_000,
      }),
    ).resolves.toMatchObject({ reachable: false, protocol: 'PLAINTEXT', detail: expect.any(String) });
  });
});
