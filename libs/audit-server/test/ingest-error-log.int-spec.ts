import { TOPICS } from '@pgw/contracts';
import { KafkaEventBus } from '@pgw/messaging';
import { TEST_KAFKA_BROKERS, waitFor } from '@pgw/testing';
import { countRows, decisionMessage, startAudit, uniqueId, type AuditHarness } from './audit-harness';

/**
 * A batch the database refuses (not a row problem, so the bus retries it) is logged with describeError
 * only: Nest's default RPC filter would print the whole TypeORM error, its `query` and `parameters`
 * (client-supplied strings such as the project id) included. Issue 17 item 4.
 */
describe('decision ingest while the database refuses writes', () => {
  let bus: KafkaEventBus;
  let audit: AuditHarness;
  const busLog: string[] = [];
  const processOutput: string[] = [];
  let restoreOutput: () => void;

  beforeAll(async () => {
    // Everything the app prints (Nest's logger writes to stdout/stderr), passed through unchanged.
    const spies = (['stdout', 'stderr'] as const).map((stream) => {
      const write = process[stream].write.bind(process[stream]);
      return jest.spyOn(process[stream], 'write').mockImplementation(((chunk: unknown, ...rest: never[]) => {
        processOutput.push(String(chunk));
        return write(chunk as string, ...rest);
      }) as typeof process.stdout.write);
    });
    restoreOutput = () => spies.forEach((spy) => spy.mockRestore());
    bus = new KafkaEventBus({
      brokers: TEST_KAFKA_BROKERS,
      clientId: uniqueId('audit-error-log-test'),
      lingerMs: 1,
      logger: (message) => busLog.push(message),
    });
    audit = await startAudit(bus, 'errlog');
  });

  afterAll(async () => {
    restoreOutput?.();
    await audit?.close();
    await bus?.close();
  });

  it('logs the refusal by name, message and code, never the query or its parameters', async () => {
    // Refuse every insert with a SQLSTATE that is no row rejection (55P03 lock_not_available).
    await audit.pg.query(`
      CREATE FUNCTION audit.refuse_writes() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'writes refused by the test' USING ERRCODE = '55P03'; END $$;
      CREATE TRIGGER refuse_writes BEFORE INSERT ON audit.decisions
        FOR EACH ROW EXECUTE FUNCTION audit.refuse_writes();`);
    const projectId = uniqueId('proj_clientstring');
    bus.publish(TOPICS.decisions, [decisionMessage(projectId)]);

    const failure = await waitFor(
      () => busLog.find((line) => line.includes('failed (attempt') && line.includes('55P03')),
      { timeoutMs: 45_000, description: 'the bus logging the refused batch' },
    );
    expect(failure).toContain('QueryFailedError (SQLSTATE 55P03)');

    // Once the database takes writes again the retried batch lands.
    await audit.pg.query('DROP TRIGGER refuse_writes ON audit.decisions');
    await waitFor(async () => (await countRows(audit.pg, 'project_id = $1', [projectId])) === 1, {
      timeoutMs: 45_000,
      description: 'the retried batch',
    });

    const printed = [...processOutput, ...busLog].join('\n');
    expect(printed).not.toMatch(/parameters|PARAMETERS/);
    expect(printed).not.toMatch(/INSERT INTO/i);
    expect(printed).not.toContain(projectId);
  });
});
