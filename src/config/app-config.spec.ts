import { ConfigError, loadConfig } from './app-config';

describe(loadConfig.name, () => {
  it('should apply defaults for an empty environment', () => {
    const sut = loadConfig({});
    expect(sut.PORT).toBe(3000);
    expect(sut.DB_SCHEMA).toBe('ingestion_service');
    expect(sut.usesEmbeddedDatabase).toBe(true);
    expect(sut.runMigrationsOnBoot).toBe(true);
  });

  it('should listen on loopback without API keys and everywhere with them, unless HOST says otherwise', () => {
    expect(loadConfig({})).toMatchObject({ listenHost: '127.0.0.1', openBeyondLoopback: false });
    expect(loadConfig({ API_KEYS: 'a-key-of-sixteen-chars' })).toMatchObject({ listenHost: '0.0.0.0', openBeyondLoopback: false });
    expect(loadConfig({ HOST: '0.0.0.0' })).toMatchObject({ listenHost: '0.0.0.0', openBeyondLoopback: true });
    expect(loadConfig({ HOST: '::1' })).toMatchObject({ listenHost: '::1', openBeyondLoopback: false });
  });

  it('should parse numbers and booleans', () => {
    const sut = loadConfig({ PORT: '8080', POLLER_ENABLED: 'false', DATABASE_URL: 'postgres://u@h/db' });
    expect(sut.PORT).toBe(8080);
    expect(sut.POLLER_ENABLED).toBe(false);
    expect(sut.usesEmbeddedDatabase).toBe(false);
    expect(sut.runMigrationsOnBoot).toBe(false);
  });

  it('should name every bad variable', () => {
    expect(() => loadConfig({ PORT: 'abc', DATABASE_URL: 'mysql://x', POLLER_ENABLED: 'maybe' })).toThrow(ConfigError);
    try {
      loadConfig({ PORT: 'abc', DATABASE_URL: 'mysql://x', POLLER_ENABLED: 'maybe' });
    } catch (error) {
      expect((error as ConfigError).problems.map((p) => p.split('=')[0]).sort()).toEqual(['DATABASE_URL', 'POLLER_ENABLED', 'PORT']);
    }
  });

  it('should bound the keyword candidate set', () => {
    expect(loadConfig({}).SEARCH_KEYWORD_CANDIDATES).toBe(1000);
    expect(loadConfig({ SEARCH_KEYWORD_CANDIDATES: '50' }).SEARCH_KEYWORD_CANDIDATES).toBe(50);
    for (const bad of ['0', '9', '100001', 'many']) expect(() => loadConfig({ SEARCH_KEYWORD_CANDIDATES: bad })).toThrow(/SEARCH_KEYWORD_CANDIDATES/);
  });

  it('should read the idle time after which a small tail is indexed', () => {
    expect(loadConfig({}).INDEX_IDLE_SEAL_MS).toBe(30_000);
    expect(loadConfig({ INDEX_IDLE_SEAL_MS: '600000' }).INDEX_IDLE_SEAL_MS).toBe(600_000);
    for (const bad of ['5', '86400001', 'soon']) expect(() => loadConfig({ INDEX_IDLE_SEAL_MS: bad })).toThrow(/INDEX_IDLE_SEAL_MS/);
  });

  it('should reject an overlap not smaller than the chunk size', () => {
    expect(() => loadConfig({ CHUNK_SIZE: '100', CHUNK_OVERLAP: '100' })).toThrow(/CHUNK_OVERLAP/);
  });

  it('should require a base URL and a model for the openai provider', () => {
    expect(() => loadConfig({ EMBEDDING_PROVIDER: 'openai' })).toThrow(/EMBEDDING_BASE_URL.*EMBEDDING_MODEL/);
    expect(loadConfig({ EMBEDDING_PROVIDER: 'openai', EMBEDDING_BASE_URL: 'http://127.0.0.1:8000', EMBEDDING_MODEL: 'm' }).EMBEDDING_PROVIDER).toBe(
      'openai',
    );
  });

  it('should reject an unknown provider or chunking strategy', () => {
    expect(() => loadConfig({ EMBEDDING_PROVIDER: 'magic', CHUNK_STRATEGY: 'random' })).toThrow(
      /EMBEDDING_PROVIDER[\s\S]*CHUNK_STRATEGY|CHUNK_STRATEGY[\s\S]*EMBEDDING_PROVIDER/,
    );
  });

  it('should ignore unrelated variables', () => {
    expect(() => loadConfig({ HOME: '/root', PATH: '/bin' })).not.toThrow();
  });

  it('should read the operational settings', () => {
    const sut = loadConfig({
      API_KEYS: ' first-key-0123456789 ,second-key-0123456789:support|faq.v2',
      CORS_ORIGINS: 'https://a.example.com, http://localhost:5173',
      RATE_LIMIT_MAX: '0',
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://app:s%23cret@db:5432/app',
    });
    expect(sut.apiKeys).toEqual([
      { key: 'first-key-0123456789', collections: null },
      { key: 'second-key-0123456789', collections: ['support', 'faq.v2'] },
    ]);
    expect(sut.corsOrigins).toEqual(['https://a.example.com', 'http://localhost:5173']);
    expect(sut.RATE_LIMIT_MAX).toBe(0);
    expect(sut.logFormat).toBe('json');
    expect(loadConfig({}).logFormat).toBe('pretty');
    expect(sut.secrets).toEqual(['first-key-0123456789', 'second-key-0123456789', 's#cret']);
  });

  it('should name bad operational settings without echoing secrets', () => {
    const env = {
      API_KEYS: 'good-key-0123456789,short',
      DATABASE_URL: 'mysql://app:hunter2hunter2@db/app',
      RATE_LIMIT_WINDOW_MS: '10',
      CORS_ORIGINS: 'example.com',
      LOG_FORMAT: 'xml',
      TRUST_PROXY: 'perhaps',
      HEALTH_CHECK_TIMEOUT_MS: 'forever',
    };
    let problems: string[] = [];
    try {
      loadConfig(env);
    } catch (error) {
      problems = (error as ConfigError).problems;
    }
    expect(problems.map((p) => p.split('=')[0]).sort()).toEqual(Object.keys(env).sort());
    expect(problems.join('\n')).not.toMatch(/good-key|short|hunter2/);
  });

  it.each<[string, unknown]>([
    ['false', false],
    ['0', false],
    ['true', true],
    ['1', 1],
    ['2', 2],
    ['10.0.0.0/8, 127.0.0.1,::1/128', ['10.0.0.0/8', '127.0.0.1', '::1/128']],
    ['loopback,fd00::/8', ['loopback', 'fd00::/8']],
  ])('should read TRUST_PROXY=%s as Fastify takes it', (TRUST_PROXY, expected) => {
    expect(loadConfig({ TRUST_PROXY }).TRUST_PROXY).toEqual(expected);
  });

  it.each(['11', 'yes', '10.0.0.0/33', '300.1.1.1', 'proxy.internal', '10.0.0.1,', '10.0.0.0/8/1'])('should reject TRUST_PROXY=%s', (TRUST_PROXY) => {
    expect(() => loadConfig({ TRUST_PROXY })).toThrow(/TRUST_PROXY=.*must be false, a hop count/);
  });

  it.each([
    ['an empty collection list', 'good-key-0123456789:'],
    ['an empty collection name', 'good-key-0123456789:support||faq'],
    ['a collection name with a space', 'good-key-0123456789:sup port'],
    ['a short key with a collection', 'short:support'],
  ])('should reject API_KEYS with %s', (_case, API_KEYS) => {
    expect(() => loadConfig({ API_KEYS })).toThrow(/API_KEYS=<redacted>/);
  });
});
