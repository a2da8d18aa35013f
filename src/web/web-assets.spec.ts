import { WebAssets } from './web-assets';

describe(WebAssets.name, () => {
  const sut = new WebAssets();
  beforeAll(() => sut.onModuleInit());

  it("should hold the console's files with their content types, read once", () => {
    expect(sut.get('index.html')?.contentType).toBe('text/html; charset=utf-8');
    expect(sut.get('main.js')?.contentType).toBe('text/javascript; charset=utf-8');
    expect(sut.get('app.css')?.contentType).toBe('text/css; charset=utf-8');
    expect(sut.get('favicon.svg')?.contentType).toBe('image/svg+xml');
    expect(sut.get('main.js')?.body.toString()).toContain("from './documents.js'");
  });

  it('should know no other name, and no path', () => {
    for (const name of ['nope.js', '../web.controller.ts', 'web-assets.ts', '', 'public/main.js']) expect(sut.get(name)).toBeUndefined();
  });
});
