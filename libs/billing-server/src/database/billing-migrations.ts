import { CreateBillingTables1767225600000 } from './migrations/1767225600000-create-billing-tables';
import { UsageEventsRequestId1795867200000 } from './migrations/1795867200000-usage-events-request-id';
import { IdentifierChecks1796601600000 } from './migrations/1796601600000-identifier-checks';

export const BILLING_MIGRATIONS = [
  CreateBillingTables1767225600000,
  UsageEventsRequestId1795867200000,
  IdentifierChecks1796601600000,
];
