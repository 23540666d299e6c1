// The strip chart and the scrub timeline, as a person uses them at normal speed: a shove's one-step Δz spike is
// held by the chart with its marker (and still drawn a second later), scrubbing back to a recorded step shows
// that step's frame, the previous-event button finds the shove, and a replay walks forward by itself. wasm is forced:
// the backend choice is not what these test, and timing every backend would cost each test ten seconds.
import { EVENT_COLORS } from '../src/ui/StripChart';
import { appState, engineReady, expect, pausePlayground, playgroundStep, test } from './helpers';
import { pixelStats } from './pixels';

const hexToRgb = (hex: string): [number, number, number] => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];

test('at 1× a shove spikes ‖Δz‖ in the strip chart with its marker, still there a second later', async ({ page }) => {
  await page.goto('/?backend=wasm');
  await engineReady(page);
  await playgroundStep(page, 5);
  const chart = page.getByTestId('strip-chart');
  const markers = () => pixelStats(page, chart, { shove: { rgb: hexToRgb(EVENT_COLORS.shove), tolerance: 30 } });
  expect((await markers()).classes.shove.n).toBe(0);

  await page.evaluate(() => window.__sagr!.shove(40, 0, 0));
  await page.waitForFunction(() => window.__sagr!.state().chart.events.length > 0, null, { timeout: 10_000 });
  await page.waitForTimeout(1000);
  const s = await appState(page);
  const event = s.chart.events[0];
  const i = s.chart.ticks.indexOf(event.tick);
  const deltaZ = s.chart.lanes[0].deltaZMax;
  // The block's tokens moved 40 px while Φ predicted the pusher's push: a spike far above the steps before.
  expect(deltaZ[i]).toBeGreaterThan(30);
  // The steps before it: contacts Φ mispredicts reach 11–20 px (measured; which steps come before the shove depends
  // on the page's timing at 1×), the shove spikes above them all.
  const before = deltaZ.slice(Math.max(0, i - 5), i) as number[];
  expect(Math.max(...before)).toBeLessThan(deltaZ[i] as number);
  expect(s.chart.ticks[s.chart.ticks.length - 1]).toBeGreaterThan(event.tick + 3); // the chart ran on past it
  // The marker is drawn: a vertical orange line the height of the plot.
  const stats = await markers();
  expect(stats.classes.shove.n).toBeGreaterThan(50);
});

test('scrubbing to a recorded step shows that step; previous event finds the shove; replay walks forward', async ({ page }) => {
  await page.goto('/?backend=wasm');
  await engineReady(page);
  await playgroundStep(page, 3);
  await pausePlayground(page);
  // Five single steps, a shove landing at the third; the lane summary after each is what scrubbing must show.
  const recorded: { step: number; coverage: number; block: unknown; tokens: unknown }[] = [];
  for (let k = 0; k < 5; k++) {
    if (k === 2) await page.evaluate(() => window.__sagr!.shove(0, 30, 0));
    const before = (await appState(page)).live!.lanes[0].step;
    await page.evaluate(() => window.__sagr!.step());
    await page.waitForFunction((n) => window.__sagr!.state().live!.lanes[0].step > n, before);
    const lane = (await appState(page)).live!.lanes[0];
    recorded.push({ step: lane.step, coverage: lane.coverage, block: lane.block, tokens: lane.tokens });
  }
  await page.evaluate(() => window.__sagr!.scrubOpen());
  await page.waitForFunction(() => window.__sagr!.state().scrub !== null);
  const { scrub } = await appState(page);
  const latest = scrub!.index;
  for (const k of [4, 1, 3]) {
    await page.evaluate((i) => window.__sagr!.scrubTo(i), latest - (4 - k));
    await expect.poll(async () => (await appState(page)).live!.lanes[0].step).toBe(recorded[k].step);
    const lane = (await appState(page)).live!.lanes[0];
    expect({ step: lane.step, coverage: lane.coverage, block: lane.block, tokens: lane.tokens }).toEqual(recorded[k]);
  }
  await expect(page.getByTestId('timeline-position')).toContainText(`step ${recorded[3].step}`);

  await page.evaluate((i) => window.__sagr!.scrubTo(i), latest);
  expect(await page.evaluate(() => window.__sagr!.scrubPreviousEvent())).toBe(true);
  expect((await appState(page)).scrub!.index).toBe(latest - 2);
  await expect(page.getByTestId('timeline-position')).toContainText('shove');

  await page.evaluate(() => window.__sagr!.scrubReplay());
  await expect.poll(async () => (await appState(page)).scrub!.index, { timeout: 5000 }).toBe(latest);
  await expect.poll(async () => (await appState(page)).scrub!.replaying).toBe(false);

  // Play leaves the record for the live frames.
  await page.evaluate(() => window.__sagr!.play());
  await expect.poll(async () => (await appState(page)).scrub).toBeNull();
  await playgroundStep(page, recorded[4].step + 2);
});

test('slow motion after a shove: ¼× for a few seconds, then the speed it had', async ({ page }) => {
  await page.goto('/?backend=wasm');
  await engineReady(page);
  await playgroundStep(page, 3);
  await page.getByLabel('slow motion after a shove').check();
  await page.evaluate(() => window.__sagr!.shove(30, 0, 0));
  await expect.poll(async () => (await appState(page)).live!.stepsPerSecond, { timeout: 5000 }).toBe(2.5);
  await expect.poll(async () => (await appState(page)).live!.stepsPerSecond, { timeout: 8000 }).toBe(10);
});
