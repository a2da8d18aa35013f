import { existsSync, writeFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

/** Debian's chromium package (the browser test's; `.ci/run` installs it). */
const CHROMIUM = '/usr/bin/chromium';
const WIDTH = 900;
const HEIGHT = 380;
const PAD = { left: 70, right: 70, top: 40, bottom: 45 };

interface Point {
  second: number;
  tail: number;
  searchP99?: number;
}

/**
 * The sustained part's chart: the unindexed tail (left axis) and the search p99 per window (right axis) over
 * time, each with its bound dashed. Drawn as SVG and photographed by headless Chromium into a PNG at `file`
 * (the SVG beside it when Chromium is missing).
 */
export async function renderChart(file: string, points: Point[], limits: { tailBound: number; p99Target: number; seconds: number }): Promise<void> {
  const svg = chartSvg(points, limits);
  if (!existsSync(CHROMIUM)) {
    writeFileSync(file.replace(/\.png$/, '.svg'), svg);
    return;
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: WIDTH, height: HEIGHT } });
    await page.setContent(`<body style="margin:0">${svg}</body>`);
    await page.screenshot({ path: file, clip: { x: 0, y: 0, width: WIDTH, height: HEIGHT } });
  } finally {
    await browser.close();
  }
}

function chartSvg(points: Point[], { tailBound, p99Target, seconds }: { tailBound: number; p99Target: number; seconds: number }): string {
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const tailMax = Math.max(tailBound * 1.25, ...points.map((p) => p.tail));
  const p99Max = Math.max(p99Target * 1.5, ...points.map((p) => p.searchP99 ?? 0));
  const x = (s: number) => PAD.left + (s / seconds) * plotW;
  const yTail = (v: number) => PAD.top + plotH - (v / tailMax) * plotH;
  const yP99 = (v: number) => PAD.top + plotH - (v / p99Max) * plotH;
  const line = (values: [number, number][], color: string) =>
    `<polyline fill="none" stroke="${color}" stroke-width="2" points="${values.map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`).join(' ')}"/>`;
  const label = (text: string, lx: number, ly: number, color: string, anchor = 'start') =>
    `<text x="${lx}" y="${ly}" fill="${color}" font-family="sans-serif" font-size="12" text-anchor="${anchor}">${text}</text>`;
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" style="background:#fff">
  <rect x="${PAD.left}" y="${PAD.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>
  ${ticks.map((t) => label(String(Math.round(t * tailMax)), PAD.left - 6, yTail(t * tailMax) + 4, '#1f5fbf', 'end')).join('\n  ')}
  ${ticks.map((t) => label(String(Math.round(t * p99Max)), WIDTH - PAD.right + 6, yP99(t * p99Max) + 4, '#c05a00')).join('\n  ')}
  ${ticks.map((t) => label(`${Math.round(t * seconds)} s`, x(t * seconds), HEIGHT - PAD.bottom + 18, '#333', 'middle')).join('\n  ')}
  <line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${yTail(tailBound)}" y2="${yTail(tailBound)}" stroke="#1f5fbf" stroke-dasharray="6 4"/>
  <line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${yP99(p99Target)}" y2="${yP99(p99Target)}" stroke="#c05a00" stroke-dasharray="6 4"/>
  ${line(
    points.map((p) => [x(p.second), yTail(p.tail)]),
    '#1f5fbf',
  )}
  ${line(
    points.filter((p) => p.searchP99 !== undefined).map((p) => [x(p.second), yP99(p.searchP99!)]),
    '#c05a00',
  )}
  ${label(`unindexed tail (chunks; dashed: bound ${tailBound})`, PAD.left, 24, '#1f5fbf')}
  ${label(`search p99 per 10 s (ms; dashed: target ${p99Target})`, WIDTH - PAD.right, 24, '#c05a00', 'end')}
</svg>`;
}
