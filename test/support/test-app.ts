import { Test, TestingModuleBuilder } from '@nestjs/testing';
import type { INestApplicationContext } from '@nestjs/common';
import { AppModule } from '../../src/app.module';
import type { AppConfig } from '../../src/config/app-config';

/** The whole AppModule without HTTP, initialised (migrations applied, boot checks run). */
export async function createTestApp(
  config: AppConfig,
  customize: (builder: TestingModuleBuilder) => TestingModuleBuilder = (b) => b,
): Promise<INestApplicationContext> {
  const moduleRef = await customize(Test.createTestingModule({ imports: [AppModule.forRoot(config)] })).compile();
  try {
    return await moduleRef.init();
  } catch (error) {
    // A failed boot check leaves the database connection open; close it so the test run can exit.
    await moduleRef.close().catch(() => undefined);
    throw error;
  }
}
