import { Module } from '@nestjs/common';
import { ApiKeyAuthenticator } from './api-key.authenticator';

/** API-key authentication; its Fastify hook is installed by registerHttpSecurity (src/auth/http-security.ts). */
@Module({ providers: [ApiKeyAuthenticator], exports: [ApiKeyAuthenticator] })
export class AuthModule {}
