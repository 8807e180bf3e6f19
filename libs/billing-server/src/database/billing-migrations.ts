import { CreateBillingTables1767225600000 } from './migrations/1767225600000-create-billing-tables';

export const BILLING_MIGRATIONS = [CreateBillingTables1767225600000];
