import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { launchChromium } from '../fixtures/workstation-page.js';

/**
 * `npm run screenshots`: the built headless host on 127.0.0.1 with the demo market and a fresh
 * data folder, every view opened in /usr/bin/chromium at 1600x1000 and 1280x800, one PNG per
 * view and size in docs/screenshots/. Also reports any element wider than the window (overflow
 * at 1280 px is what the Training panel's date field used to do), so a layout regression is
 * seen here and not by a user.
 */

const VIEWS = ['markets', 'data', 'features', 'backtests', 'training', 'signals', 'trading', 'settings'];
const SIZES = [
  { width: 1600, height: 1000 },
  { width: 1280, height: 800 },
];
/** The demo market needs a few seconds of book and trades before the charts have something to show. */
const WARM_UP_MS = 8_000;
const SETTLE_MS = 1_500;
/** On a machine shared with other work a click can wait for a busy page; generous, not endless. */
const ACTION_MS = 120_000;

/** The repository root: the folder above this file holding package.json (source or dist/). */
function repoRoot(): string {
  let dir = import.meta.dirname;
  while (!existsSync(path.join(dir, 'package.json')) || path.basename(dir) === 'dist') {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('screenshots: no package.json above this script');
    dir = parent;
  }
  return dir;
}

async function startHost(root: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tw-screens-'));
  const child = spawn(process.execPath, ['dist/main/serve.js', '--port', '0', '--data-dir', dataDir], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`screenshots: the headless host printed no URL in 30 s:\n${stderr}`));
    }, 30_000);
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      resolve(line.trim());
    });
  });
  return {
    url,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function main(): Promise<void> {
  const root = repoRoot();
  const out = path.join(root, 'docs/screenshots');
  mkdirSync(out, { recursive: true });
  const host = await startHost(root);
  const browser = await launchChromium();
  const overflows: string[] = [];
  try {
    for (const size of SIZES) {
      const context = await browser.newContext({ viewport: size });
      const page = await context.newPage();
      await page.goto(host.url);
      await page.getByTestId('view-markets').waitFor({ timeout: ACTION_MS });
      await page.waitForTimeout(WARM_UP_MS);
      for (const view of VIEWS) {
        await page.getByTestId(`view-${view}`).click({ timeout: ACTION_MS });
        await page.waitForTimeout(SETTLE_MS);
        const file = `${view}-${size.width}x${size.height}.png`;
        await page.screenshot({ path: path.join(out, file), timeout: ACTION_MS });
        const wide = await page.evaluate((width) => {
          const found: string[] = [];
          for (const element of document.querySelectorAll<HTMLElement>('body *')) {
            const box = element.getBoundingClientRect();
            if (box.width > 0 && box.right > width + 1)
              found.push(
                `${element.tagName.toLowerCase()}${element.dataset.testid === undefined ? '' : `[${element.dataset.testid}]`} ends at ${Math.round(box.right)} px`,
              );
          }
          return found.slice(0, 5);
        }, size.width);
        for (const w of wide) overflows.push(`${view} at ${size.width}x${size.height}: ${w}`);
        process.stdout.write(`wrote docs/screenshots/${file}\n`);
      }
      await context.close();
    }
  } finally {
    await browser.close();
    await host.stop();
  }
  if (overflows.length > 0) {
    process.stdout.write(`wider than the window:\n${overflows.join('\n')}\n`);
    process.exitCode = 1;
  }
}

await main();
