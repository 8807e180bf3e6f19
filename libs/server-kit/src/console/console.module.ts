import { Logger, Module, type DynamicModule } from '@nestjs/common';
import { loadConsoleAssets } from './console-assets';
import { CONSOLE_ASSETS, ConsoleController } from './console.controller';

export interface ConsoleModuleOptions {
  /** The console's build output (dist/apps/console), holding index.html and assets/. */
  directory: string;
}

/** Mounts the admin console at /console next to the admin APIs, so both share one origin. */
@Module({})
export class ConsoleModule {
  static forRoot(options: ConsoleModuleOptions): DynamicModule {
    const assets = loadConsoleAssets(options.directory);
    if (assets.size === 0) {
      new Logger('Console').warn(`no admin console build in ${options.directory}; /console answers 404`);
    }
    return {
      module: ConsoleModule,
      controllers: [ConsoleController],
      providers: [{ provide: CONSOLE_ASSETS, useValue: assets }],
    };
  }
}
