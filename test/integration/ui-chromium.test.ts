/// <reference lib="dom" />
/**
 * The web UI as a person uses it, in headless Chromium (Debian's, driven by
 * playwright-core): the example workflow's pages and charts with no console
 * error, a running workflow updating in place, and 1 000- and 100 000-task
 * workflows opening fast and scrolling without loading every row. Screenshots go to
 * test-output/; figures are printed.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect } from "chai";
import type { Browser, Page } from "playwright-core";
import { CHILDREN, REPO_ROOT } from "../support/paths.js";
import { launchChromium } from "./support/jaeger-ui.js";
import { usePeers } from "./support/peers.js";

const run = promisify(execFile);
const EXAMPLE = fileURLToPath(new URL("../../examples/main-workflow.js", import.meta.url));
const CLI = fileURLToPath(new URL("../../lib/cli/main.js", import.meta.url));
const OUTPUT = join(REPO_ROOT, "test-output");

/** `flowcept-otel ui` in a child process; resolves with its address once the store is read. */
async function startUi(store: string, env: NodeJS.ProcessEnv): Promise<{ url: string; child: ChildProcess; readMillis: number }> {
  const t0 = performance.now();
  // Jaeger's address only makes links; nothing listens there.
  const child = spawn(process.execPath, [CLI, "ui", "--store", store, "--port", "0", "--jaeger-url", "http://127.0.0.1:16686"], { env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (err += c.toString()));
  while (!/workflow\(s\) read/.test(err)) {
    if (child.exitCode !== null) throw new Error(`flowcept-otel ui exited: ${out}${err}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return { url: /at (http:\/\/[^ ]+?)\/? \(/.exec(out)![1]!, child, readMillis: performance.now() - t0 };
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await exited;
}

/** The process's peak resident memory in MiB, from Linux's /proc ("?" elsewhere). */
function peakRssMiB(child: ChildProcess): string {
  const path = `/proc/${child.pid}/status`;
  if (!existsSync(path)) return "?";
  const kib = /VmHWM:\s+(\d+) kB/.exec(readFileSync(path, "utf8"))?.[1];
  return kib ? String(Math.round(Number(kib) / 1024)) : "?";
}

/** Whether a canvas in `selector` has something drawn on it (not one flat colour). */
async function drawn(page: Page, selector: string): Promise<boolean> {
  return page.locator(`${selector} canvas`).first().evaluate((c: HTMLCanvasElement) => {
    const ctx = c.getContext("2d");
    if (!ctx || c.width === 0 || c.height === 0) return false;
    const data = ctx.getImageData(0, 0, c.width, c.height).data;
    const colours = new Set<number>();
    for (let i = 0; i < data.length; i += 4 * 97) colours.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
    return colours.size > 3;
  });
}

describe("the web UI in headless Chromium", function () {
  const peers = usePeers("chromium");
  let dir: string;
  let browser: Browser;
  let env: NodeJS.ProcessEnv;
  let store: string;
  const children: ChildProcess[] = [];
  const errors: string[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "flowcept-ui-e2e-"));
    mkdirSync(OUTPUT, { recursive: true });
    store = join(dir, "flowcept_buffer.jsonl");
    const settings = join(dir, "settings.yaml");
    writeFileSync(settings, `project:\n  dump_buffer:\n    path: ${store}\ntelemetry_capture:\n  cpu: true\n  mem: true\n  process_info: true\n  interval_ms: 100\n`);
    env = { ...process.env, FLOWCEPT_MONGO_URI: "", MONGODB_URI: "", FLOWCEPT_SETTINGS_PATH: settings };
    await run(process.execPath, [EXAMPLE], { cwd: dir, env });
    browser = await launchChromium(peers.chromium);
  });
  after(async () => {
    for (const c of children) await stop(c);
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function newPage(): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1300, height: 950 } });
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") errors.push(`${page.url()}: ${m.text()}`);
    });
    page.on("pageerror", (e) => errors.push(`${page.url()}: ${e.stack ?? String(e)}`));
    return page;
  }

  it("opens the example workflow, filters its tasks, opens a task, follows its lineage, and draws every chart", async () => {
    const ui = await startUi(store, env);
    children.push(ui.child);
    const page = await newPage();
    await page.goto(`${ui.url}/`);
    const row = page.getByTestId("workflow-row").filter({ hasText: "example_pipeline" });
    await row.waitFor();
    await page.screenshot({ path: join(OUTPUT, "ui-workflows.png") });
    await page.getByTestId("workflow-search").fill("no such workflow");
    await row.waitFor({ state: "detached" });
    await page.getByTestId("workflow-search").fill("example_pipe");
    await row.waitFor();
    await row.getByRole("link").click();

    await page.getByTestId("task-total").filter({ hasText: "138 of 138 tasks" }).waitFor();
    await page.getByTestId("filter-activity").selectOption("normalize");
    await page.getByTestId("task-total").filter({ hasText: "20 of 138 tasks" }).waitFor();
    expect(await page.getByTestId("task-row").evaluateAll((rows) => rows.every((r) => r.textContent?.includes("normalize")))).to.equal(true);
    await page.getByTestId("filter-activity").selectOption("");
    await page.getByTestId("filter-status").selectOption("ERROR");
    await page.getByTestId("task-total").filter({ hasText: "1 of 138 tasks" }).waitFor();
    await page.getByTestId("filter-status").selectOption("");
    await page.getByTestId("filter-text").fill("loss");
    await page.getByTestId("task-total").filter({ hasText: /^(1[0-9]|[5-9]) of 138 tasks$/ }).waitFor();
    await page.getByTestId("filter-text").fill("");
    await page.getByTestId("task-total").filter({ hasText: "138 of 138 tasks" }).waitFor();
    await page.screenshot({ path: join(OUTPUT, "ui-workflow-tasks.png") });

    // A validate task used the loss an epoch iteration generated: open it and walk upstream.
    await page.getByTestId("filter-activity").selectOption("validate");
    await page.getByTestId("task-total").filter({ hasText: "5 of 138 tasks" }).waitFor();
    await page.getByTestId("task-row").nth(2).click();
    await page.getByTestId("task-title").filter({ hasText: "validate" }).waitFor();
    expect(await page.getByTestId("jaeger-link").getAttribute("href")).to.match(/^http:\/\/127\.0\.0\.1:16686\/trace\/[0-9a-f]{32}\?uiFind=[0-9a-f]{16}$/);
    await page.getByTestId("lineage-upstream").click();
    await page.getByTestId("lineage-graph").waitFor();
    expect(await drawn(page, '[data-testid="lineage-graph"]')).to.equal(true);
    const upstream = page.getByTestId("lineage-graph-tasks").locator("a").filter({ hasText: "epochs_iteration" });
    await page.locator("details.graph-tasks summary").click();
    await page.screenshot({ path: join(OUTPUT, "ui-task-lineage.png"), fullPage: true });
    await upstream.first().click();
    await page.getByTestId("task-title").filter({ hasText: "epochs_iteration" }).waitFor();
    await page.getByTestId("lineage-downstream").click();
    await page.getByTestId("lineage-graph-tasks").locator("a").filter({ hasText: "validate" }).first().waitFor({ state: "attached" });

    const wf = (await page.locator(".crumbs a").nth(1).getAttribute("href"))!;
    for (const [tab, testId, shot] of [
      ["timeline", "gantt", "ui-timeline"],
      ["telemetry", "telemetry-chart", "ui-telemetry"],
      ["stats", "durations", "ui-statistics"],
      ["graph", "task-graph", "ui-task-graph"],
      ["dataflow", "dataflow-graph", "ui-dataflow"],
    ] as const) {
      await page.goto(`${ui.url}/${wf}?tab=${tab}`);
      await page.getByTestId(testId).first().waitFor();
      await page.waitForFunction((id) => !!document.querySelector(`[data-testid="${id}"] canvas`), testId);
      expect(await drawn(page, `[data-testid="${testId}"]`), tab).to.equal(true);
      const box = await page.getByTestId(testId).first().boundingBox();
      expect(box!.width, tab).to.be.greaterThan(400);
      expect(box!.height, tab).to.be.greaterThan(100);
      await page.screenshot({ path: join(OUTPUT, `${shot}.png`), fullPage: true });
    }
    expect(await page.getByTestId("telemetry-chart").count()).to.equal(0); // left the telemetry tab
    await page.goto(`${ui.url}/${wf}?tab=telemetry`);
    await page.getByTestId("telemetry-chart").first().waitFor();
    expect(await page.getByTestId("telemetry-chart").count()).to.be.at.least(2);
    await page.goto(`${ui.url}/${wf}?tab=stats`);
    await page.getByTestId("activity-stats").waitFor();
    expect(await page.getByTestId("activity-stats").locator("tbody tr").count()).to.equal(8);
    expect(errors, "console errors").to.deep.equal([]);
    await page.close();
    await stop(ui.child);
  });

  it("shows a running workflow gaining tasks in place, without reloading", async function () {
    this.timeout(120_000);
    const ui = await startUi(store, env);
    children.push(ui.child);
    const page = await newPage();
    await page.goto(`${ui.url}/`);
    await page.getByTestId("workflow-row").first().waitFor();
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
    const app = spawn(process.execPath, [join(CHILDREN, "slow-workflow.js")], { cwd: dir, env: { ...env, STEPS: "14", PAUSE_MS: "350", NAME: "live_run" }, stdio: "ignore" });
    children.push(app);
    // It appears in the list while it runs…
    const row = page.getByTestId("workflow-row").filter({ hasText: "live_run" });
    await row.filter({ hasText: "RUNNING" }).waitFor({ timeout: 30_000 });
    await row.getByRole("link").click();
    const count = page.getByTestId("workflow-task-count");
    await count.waitFor();
    const tasksNow = async (): Promise<number> => Number((await count.textContent())!.split(" ")[0]);
    const first = await tasksNow();
    // …and its page gains tasks as they are written.
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid="workflow-task-count"]')!.textContent!.split(" ")[0]) >= n + 3, first, { timeout: 30_000 });
    await page.screenshot({ path: join(OUTPUT, "ui-live.png") });
    expect(await page.getByTestId("task-row").count()).to.be.greaterThan(first);
    await page.locator("h1 .status").filter({ hasText: "FINISHED" }).waitFor({ timeout: 60_000 });
    expect(await tasksNow()).to.equal(14);
    await page.getByTestId("task-total").filter({ hasText: "14 of 14 tasks" }).waitFor();
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).to.equal(true);
    expect(errors, "console errors").to.deep.equal([]);
    await page.close();
    await stop(ui.child);
  });

  // FLOWCEPT_UI_E2E_SIZES=1000,100000,1000000 adds the million-task workflow (a 250 MB store; a few minutes).
  const sizes = (process.env.FLOWCEPT_UI_E2E_SIZES ?? "1000,100000").split(",").map(Number);
  for (const size of sizes) {
    it(`opens a ${size.toLocaleString("en")}-task workflow fast and scrolls its table without loading every row`, async function () {
      this.timeout(120_000 + size / 2);
      const big = join(dir, `big-${size}.jsonl`);
      const W = `9b9b9b9b-0000-4000-8000-${String(size).padStart(12, "0")}`;
      const t0 = 1_800_000_000;
      writeFileSync(big, `${JSON.stringify({ type: "workflow", workflow_id: W, name: `big_${size}`, status: "FINISHED", started_at: t0, ended_at: t0 + size })}\n`);
      const activities = ["load", "transform", "train", "evaluate", "store"];
      const last = `task-${String(size - 1).padStart(7, "0")}`;
      const middle = Math.floor(size / 2);
      for (let chunk = 0; chunk < size; chunk += 10_000) {
        let text = "";
        for (let i = chunk; i < Math.min(size, chunk + 10_000); i++) {
          text += `${JSON.stringify({ type: "task", task_id: `task-${String(i).padStart(7, "0")}`, workflow_id: W, activity_id: activities[i % 5], used: { i, x: i * 0.5 }, generated: { y: i * 2 }, started_at: t0 + i, ended_at: t0 + i + (i % 7) * 0.1, status: i % 1000 === 0 ? "ERROR" : "FINISHED", hostname: `node-${i % 4}` })}\n`;
        }
        appendFileSync(big, text);
      }
      const ui = await startUi(big, env);
      children.push(ui.child);
      const page = await newPage();
      const apiCalls: string[] = [];
      page.on("request", (r) => {
        if (r.url().includes("/tasks?")) apiCalls.push(r.url());
      });
      const opened = performance.now();
      await page.goto(`${ui.url}/#/workflows/${W}`);
      const total = size.toLocaleString("en");
      await page.getByTestId("task-total").filter({ hasText: `${total} of ${total} tasks` }).waitFor();
      await page.getByTestId("task-row").first().waitFor();
      const openMillis = performance.now() - opened;
      const rowsInDom = await page.getByTestId("task-row").count();
      // Scroll to the middle and to the end.
      const scroller = page.getByTestId("task-scroller");
      await scroller.evaluate((el) => (el.scrollTop = el.scrollHeight / 2));
      await page.locator([-1, 0, 1].map((d) => `[data-task-id="task-${String(middle + d).padStart(7, "0")}"]`).join(", ")).first().waitFor();
      await scroller.evaluate((el) => (el.scrollTop = el.scrollHeight));
      await page.locator(`[data-task-id="${last}"]`).waitFor();
      const rowsAtEnd = await page.getByTestId("task-row").count();
      if (size === 100_000) await page.screenshot({ path: join(OUTPUT, "ui-100k-tasks.png") });
      const fetched = apiCalls.length;
      // The last task's page: its whole record is read from the store.
      const clicked = performance.now();
      await page.locator(`[data-task-id="${last}"]`).click();
      await page.getByTestId("task-title").waitFor();
      await page.getByText(`${size - 1}`, { exact: true }).first().waitFor();
      const taskMillis = performance.now() - clicked;
      process.stdout.write(
        `      ${total} tasks: store read by the server in ${Math.round(ui.readMillis)} ms (peak RSS ${peakRssMiB(ui.child)} MiB); workflow page with its first rows in ${Math.round(openMillis)} ms; ` +
          `${rowsInDom} rows in the page at the top, ${rowsAtEnd} at the end; ${fetched} windows of rows fetched to scroll top → middle → end; the last task's page in ${Math.round(taskMillis)} ms\n`,
      );
      expect(rowsInDom).to.be.lessThan(120);
      expect(rowsAtEnd).to.be.lessThan(120);
      expect(fetched).to.be.lessThan(10);
      expect(errors, "console errors").to.deep.equal([]);
      await page.close();
      await stop(ui.child);
    });
  }
});
