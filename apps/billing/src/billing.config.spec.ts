import { ConfigError, loadConfig } from '@pgw/server-kit';
import { BillingConfig } from './billing.config';

const required = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/billing',
  ADMIN_TOKEN: 'admin-token-0123456789',
};

describe('BillingConfig', () => {
  it('applies the defaults', () => {
    const config = loadConfig(BillingConfig, required);
    expect(config).toMatchObject({
      PORT: 8083,
      HOST: '0.0.0.0',
      RUN_MIGRATIONS: true,
      BILLING_RAW_RETENTION_DAYS: 30,
      BILLING_ROLLUP_RETENTION_DAYS: 400,
    });
    expect(config.kafkaBrokers).toEqual(['127.0.0.1:19092']);
  });

  it('reads typed values from the environment', () => {
    const config = loadConfig(BillingConfig, {
      ...required,
      PORT: '9000',
      RUN_MIGRATIONS: 'false',
      KAFKA_BROKERS: 'k1:9092,k2:9092',
      BILLING_RAW_RETENTION_DAYS: '7',
    });
    expect(config).toMatchObject({ PORT: 9000, RUN_MIGRATIONS: false, BILLING_RAW_RETENTION_DAYS: 7 });
    expect(config.kafkaBrokers).toEqual(['k1:9092', 'k2:9092']);
  });

  it('refuses to start without DATABASE_URL or ADMIN_TOKEN, or with a bad value, naming the variable', () => {
    expect(() => loadConfig(BillingConfig, { ADMIN_TOKEN: 'admin-token-0123456789' })).toThrow(
      /DATABASE_URL/,
    );
    expect(() => loadConfig(BillingConfig, { DATABASE_URL: required.DATABASE_URL })).toThrow(/ADMIN_TOKEN/);
    expect(() => loadConfig(BillingConfig, { ...required, BILLING_ROLLUP_RETENTION_DAYS: 'soon' })).toThrow(
      ConfigError,
    );
    expect(() => loadConfig(BillingConfig, { ...required, RUN_MIGRATIONS: 'maybe' })).toThrow(
      /RUN_MIGRATIONS/,
    );
    // A too-short secret is refused without echoing it.
    const error = (() => {
      try {
        loadConfig(BillingConfig, { ...required, ADMIN_TOKEN: 'Zq9#k' });
      } catch (e) {
        return e as Error;
      }
      return null;
    })();
    expect(error?.message).toMatch(/ADMIN_TOKEN/);
    expect(error?.message).not.toContain('Zq9#k');
  });
});
