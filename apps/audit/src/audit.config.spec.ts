import { ConfigError, loadConfig } from '@pgw/server-kit';
import { AuditConfig } from './audit.config';

const required = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/audit',
  ADMIN_TOKEN: 'admin-token-0123456789',
};

describe('AuditConfig', () => {
  it('applies the defaults', () => {
    const config = loadConfig(AuditConfig, required);
    expect(config).toMatchObject({
      PORT: 8082,
      HOST: '0.0.0.0',
      RUN_MIGRATIONS: true,
      AUDIT_PARTITION_DAYS_AHEAD: 7,
    });
    expect(config.kafkaBrokers).toEqual(['127.0.0.1:19092']);
  });

  it('reads typed values from the environment', () => {
    const config = loadConfig(AuditConfig, {
      ...required,
      PORT: '9002',
      RUN_MIGRATIONS: 'false',
      KAFKA_BROKERS: 'k1:9092,k2:9092',
      AUDIT_PARTITION_DAYS_AHEAD: '14',
    });
    expect(config).toMatchObject({ PORT: 9002, RUN_MIGRATIONS: false, AUDIT_PARTITION_DAYS_AHEAD: 14 });
    expect(config.kafkaBrokers).toEqual(['k1:9092', 'k2:9092']);
  });

  it('refuses to start without DATABASE_URL or ADMIN_TOKEN, or with a bad value, naming the variable', () => {
    expect(() => loadConfig(AuditConfig, { ADMIN_TOKEN: required.ADMIN_TOKEN })).toThrow(/DATABASE_URL/);
    expect(() => loadConfig(AuditConfig, { DATABASE_URL: required.DATABASE_URL })).toThrow(/ADMIN_TOKEN/);
    expect(() => loadConfig(AuditConfig, { ...required, AUDIT_PARTITION_DAYS_AHEAD: '0' })).toThrow(
      ConfigError,
    );
    expect(() => loadConfig(AuditConfig, { ...required, RUN_MIGRATIONS: 'maybe' })).toThrow(/RUN_MIGRATIONS/);
    expect(() => loadConfig(AuditConfig, { ...required, DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL/);
    const error = (() => {
      try {
        loadConfig(AuditConfig, { ...required, ADMIN_TOKEN: 'Zq9#k' });
      } catch (e) {
        return e as Error;
      }
      return null;
    })();
    expect(error?.message).toMatch(/ADMIN_TOKEN/);
    expect(error?.message).not.toContain('Zq9#k');
  });
});
