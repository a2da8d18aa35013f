import { EntityManager } from '@mikro-orm/core';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { DynamicModule, Module } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { createOrmOptions } from './mikro-orm.config';
import { SchemaGuard } from './schema-guard.service';
import { SqlEntityManager } from './sql';

/**
 * The ORM (PostgreSQL when DATABASE_URL is set, else embedded PGlite) and the boot-time schema checks.
 * Global: modules that write SQL inject SqlEntityManager without importing this module.
 */
@Module({})
export class DatabaseModule {
  static forRoot(config: AppConfig): DynamicModule {
    const options = createOrmOptions(config);
    return {
      module: DatabaseModule,
      global: true,
      imports: [MikroOrmModule.forRoot({ ...options, autoLoadEntities: true })],
      providers: [SchemaGuard, { provide: SqlEntityManager, useFactory: (em: EntityManager) => em, inject: [EntityManager] }],
      exports: [SqlEntityManager, SchemaGuard],
    };
  }
}
