/**
 * The standard exports read and validated by the standards' own tools: the
 * example workflow and a workflow with a loop, nested tasks, an error, a
 * custom task, a file output and hostile values, each exported by the
 * `flowcept-otel export` program in all four formats, then
 * - PROV-JSON and PROV-O JSON-LD read by `prov` 3.2.x with the counts we
 *   wrote, and PROV-N printed from both;
 * - the RO-Crate (a zip) read by `rocrate` 0.16, validated by roc-validator
 *   against the Provenance Run Crate 0.5 profile with no REQUIRED issue, and
 *   reported on by `runcrate`, one action per task and the workflow run;
 * - the OpenLineage events validated against the official JSON schema and
 *   its facets' schemas, rebuilt by openlineage-python's model, and POSTed to
 *   a receiver in Marquez's shape (which fails at first, so retries happen).
 */
import { execFile } from "node:child_process";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect } from "chai";
import { CHILDREN, FIXTURES } from "../support/paths.js";
import { runCliProcess } from "../support/run-cli.js";
import { usePeers } from "./support/peers.js";
import { runPython } from "./support/python-flowcept.js";
import { outputDir } from "./support/stack.js";

const run = promisify(execFile);
const EXAMPLE = fileURLToPath(new URL("../../examples/main-workflow.js", import.meta.url));
const SPEC = join(FIXTURES, "standards", "openlineage");
const CONTEXT = join(FIXTURES, "standards", "ro-crate", "context-1.1.jsonld");

interface Counts {
  [k: string]: number;
}

async function check(program: string, cwd: string, args: string[]): Promise<Record<string, unknown>> {
  return JSON.parse(await runPython(program, "standards_check.py", args, { cwd })) as Record<string, unknown>;
}

async function cli(store: string, args: string[], env: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const r = await runCliProcess(["--buffer-path", store, "--json", ...args], env);
  expect(r.code, r.stderr).to.equal(0);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

/** The PROV record counts prov reports for our bundle, in our relation names. */
function provCounts(counts: Record<string, Counts>): Counts {
  const bundle = Object.entries(counts).find(([k]) => k !== "top")![1];
  const names: Record<string, string> = { ProvActivity: "activities", ProvEntity: "entities", ProvAgent: "agents", ProvUsage: "used", ProvGeneration: "wasGeneratedBy", ProvAssociation: "wasAssociatedWith", ProvCommunication: "wasInformedBy", ProvDerivation: "wasDerivedFrom" };
  return Object.fromEntries(Object.entries(bundle).map(([k, v]) => [names[k] ?? k, v]));
}

/** A lineage endpoint in Marquez's shape: POST /api/v1/lineage with a JSON RunEvent, 201 on success; the first `failFirst` requests get 503. */
class MarquezReceiver {
  readonly events: Record<string, unknown>[] = [];
  readonly requests: { path: string; auth?: string | undefined; contentType?: string | undefined }[] = [];
  private server: Server | undefined;
  url = "";
  constructor(
    private failFirst: number,
    private readonly apiKey: string,
  ) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req).then(([status, body]) => res.writeHead(status, { "content-type": "application/json" }).end(body)));
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    const addr = this.server.address() as { port: number };
    this.url = `http://127.0.0.1:${addr.port}`;
  }

  private async handle(req: IncomingMessage): Promise<[number, string]> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    this.requests.push({ path: req.url ?? "", auth: req.headers.authorization, contentType: req.headers["content-type"] });
    if (req.method !== "POST" || req.url !== "/api/v1/lineage") return [404, '{"code":404,"message":"HTTP 404 Not Found"}'];
    if (req.headers.authorization !== `Bearer ${this.apiKey}`) return [401, '{"code":401,"message":"unauthorized"}'];
    if (!String(req.headers["content-type"]).startsWith("application/json")) return [415, '{"code":415}'];
    if (this.failFirst > 0) {
      this.failFirst--;
      return [503, '{"code":503,"message":"starting"}'];
    }
    let event: Record<string, unknown>;
    try {
      event = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
    } catch {
      return [400, '{"code":400,"message":"Unable to process JSON"}'];
    }
    // Marquez's checks of a RunEvent: the fields its API model requires.
    const run = event.run as { runId?: unknown } | undefined;
    const job = event.job as { namespace?: unknown; name?: unknown } | undefined;
    if (typeof event.eventTime !== "string" || typeof event.producer !== "string" || typeof run?.runId !== "string" || typeof job?.namespace !== "string" || typeof job?.name !== "string") return [422, '{"code":422,"message":"missing fields"}'];
    this.events.push(event);
    return [201, ""];
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

describe("standard exports validated by the standards' own tools", function () {
  const peers = usePeers("standards", "runcrate");
  let dir: string;

  before(() => {
    dir = outputDir("standards");
  });

  const cases: { name: string; make: (cwd: string) => Promise<string> }[] = [
    {
      name: "the example workflow",
      make: async (cwd) => {
        await run(process.execPath, [EXAMPLE], { cwd, env: { ...process.env, FLOWCEPT_SETTINGS_PATH: "" } });
        return "";
      },
    },
    {
      name: "a workflow with a loop, nested tasks, an error, a custom task, a file output and hostile values",
      make: async (cwd) => (await run(process.execPath, [join(CHILDREN, "standards-workflow.js"), cwd], { cwd, env: { ...process.env, FLOWCEPT_SETTINGS_PATH: "" } })).stdout.trim(),
    },
  ];

  for (const c of cases) {
    describe(c.name, () => {
      let cwd: string;
      let store: string;
      let workflowId: string;

      before(async function () {
        this.timeout(120_000);
        cwd = join(dir, c.name.replace(/\W+/g, "-").slice(0, 40));
        mkdirSync(cwd, { recursive: true });
        const id = await c.make(cwd);
        store = join(cwd, "flowcept_buffer.jsonl");
        workflowId = id || String(((await cli(store, ["workflows", "--limit", "1"])) as unknown as { workflow_id: string }[])[0]!.workflow_id);
      });

      it("PROV-JSON and PROV-O JSON-LD: prov reads the counts we wrote and prints PROV-N", async () => {
        const json = await cli(store, ["export", workflowId, "--format", "prov-json", "--out", join(cwd, "run.prov.json")]);
        const jsonld = await cli(store, ["export", workflowId, "--format", "prov-jsonld", "--out", join(cwd, "run.prov.jsonld")]);
        expect(jsonld.counts).to.deep.equal(json.counts);
        const read = (await check(peers.standards, cwd, ["prov", join(cwd, "run.prov.json"), join(cwd, "run.prov.jsonld")])) as Record<string, { counts: Record<string, Counts>; provn_chars: number; provn_head: string }>;
        for (const form of ["json", "jsonld"]) {
          expect(provCounts(read[form]!.counts), form).to.deep.equal(json.counts);
          expect(read[form]!.counts.top).to.deep.equal({ ProvEntity: 1, ProvAgent: 1, ProvAttribution: 1 });
          expect(read[form]!.provn_head).to.match(/^document\n/);
          expect(read[form]!.provn_chars).to.be.greaterThan(1000);
        }
        expect((json.counts as Counts).activities).to.equal((json.tasks as number) + 1);
      });

      it("RO-Crate: rocrate reads it, roc-validator finds no REQUIRED issue of the Provenance Run Crate profile, runcrate reports the run", async () => {
        const zip = join(cwd, "run-crate.zip");
        const r = await cli(store, ["export", workflowId, "--format", "ro-crate", "--out", zip]);
        const crate = join(cwd, "run-crate");
        mkdirSync(crate);
        await run("unzip", ["-q", zip, "-d", crate]);
        const checked = (await check(peers.standards, cwd, ["ro-crate", crate, CONTEXT])) as { rocrate: { types: Counts; main_types: string[] }; validator: { passed: boolean; issues: unknown[]; requested: string[] } };
        expect(checked.validator.issues).to.deep.equal([]);
        expect(checked.validator.passed).to.equal(true);
        expect(checked.validator.requested).to.deep.equal(["https://w3id.org/ro/crate/1.1/context"]);
        const counts = r.counts as Counts;
        expect(checked.rocrate.types.CreateAction).to.equal(counts.CreateAction).and.to.equal((r.tasks as number) + 1);
        expect(checked.rocrate.types.ControlAction).to.equal(counts.ControlAction);
        expect(checked.rocrate.types.HowToStep).to.equal(counts.HowToStep);
        expect(checked.rocrate.types.OrganizeAction).to.equal(1);
        expect(checked.rocrate.main_types).to.include.members(["File", "SoftwareSourceCode", "ComputationalWorkflow", "HowTo"]);
        const report = await run(peers.runcrate, ["-c", "from runcrate.cli import cli; cli(prog_name='runcrate')", "report", crate], { maxBuffer: 256 * 1024 * 1024 });
        const actions = report.stdout.split("\n").filter((l) => l.startsWith("action: "));
        expect(actions.length).to.equal(counts.CreateAction);
        expect(report.stdout).to.include("action: #workflow-run");
      });

      it("OpenLineage: the events pass the official JSON schema and openlineage-python's model, and a Marquez-shaped receiver accepts them all", async function () {
        const file = join(cwd, "run.openlineage.jsonl");
        const r = await cli(store, ["export", workflowId, "--format", "openlineage", "--out", file, "--namespace", "lab"]);
        const checked = (await check(peers.standards, cwd, ["openlineage", file, SPEC])) as { events: number; errors: unknown[]; client_mismatches: unknown[]; format_checks: string[]; run_states: Counts; runs: number };
        expect(checked.format_checks).to.deep.equal(["date-time", "uri", "uuid"]);
        expect(checked.errors).to.deep.equal([]);
        expect(checked.client_mismatches).to.deep.equal([]);
        expect(checked.events).to.equal((r.counts as Counts).events);
        expect(checked.runs).to.equal((r.tasks as number) + 1);
        for (const states of Object.keys(checked.run_states)) expect(states).to.be.oneOf(["START COMPLETE", "START FAIL"]);

        const receiver = new MarquezReceiver(2, "s3cret-key");
        await receiver.start();
        try {
          const sent = await cli(store, ["export", workflowId, "--format", "openlineage", "--url", receiver.url, "--namespace", "lab"], { OPENLINEAGE_API_KEY: "s3cret-key" });
          expect(sent.url).to.equal(`${receiver.url}/api/v1/lineage`);
          const written = readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
          expect(receiver.events).to.deep.equal(written);
          expect(receiver.requests.length).to.equal(written.length + 2);
          expect(new Set(receiver.requests.map((q) => `${q.path} ${q.auth} ${q.contentType}`))).to.deep.equal(new Set(["/api/v1/lineage Bearer s3cret-key application/json"]));
          // A wrong key is refused at once (401 is not retried) and named in the error.
          const refused = await runCliProcess(["--buffer-path", store, "export", workflowId, "--format", "openlineage", "--url", receiver.url, "--api-key", "wrong"]);
          expect(refused.code).to.equal(1);
          expect(refused.stderr).to.match(/0 of \d+ events sent.*HTTP 401/);
        } finally {
          await receiver.stop();
        }
      });
    });
  }

});
