import { ServiceEnv } from '@pgw/server-kit';
import { IsNotEmpty, IsString } from 'class-validator';

/** The policy service's environment, validated at start (a bad value stops the app, naming the variable). */
export class PolicyConfig extends ServiceEnv {
  // (HTTP, DATABASE_URL, migrations, KAFKA_BROKERS and ADMIN_TOKEN come from ServiceEnv; schema `policy`.)
  override PORT = 8081;

  /** Consumer group that follows usage events to keep keys' last_used_at current (shared by replicas). */
  @IsString()
  @IsNotEmpty()
  KEY_USAGE_CONSUMER_GROUP = 'policy.key-last-used';
}
