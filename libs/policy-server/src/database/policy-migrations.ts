import { CreatePolicySchema1767225600000 } from './migrations/1767225600000-create-policy-schema';
import { BoundedColumns1796601600000 } from './migrations/1796601600000-bounded-columns';

export const POLICY_SCHEMA = 'policy';
/** The name of this service's TypeORM connection: inject with `@InjectDataSource(POLICY_CONNECTION)`. */
export const POLICY_CONNECTION = 'policy';
export const POLICY_MIGRATIONS = [CreatePolicySchema1767225600000, BoundedColumns1796601600000];
