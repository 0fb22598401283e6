/** Imports the package with the optional peers hidden; prints what it could use. */
const out: Record<string, unknown> = {};
try {
  await import("piscina");
  out.peersHidden = false;
} catch {
  out.peersHidden = true;
}
const main = await import("flowcept-otel");
const instr = await import("flowcept-otel/instrumentations");
out.exports = [typeof instr.agentFlowceptTask, typeof instr.flowceptModel, typeof instr.instrumentPiscina, typeof instr.McpInstrumentation];
try {
  new instr.PiscinaInstrumentation({ enabled: false });
  out.instrumentation = "ok";
} catch (err) {
  out.instrumentation = (err as Error).message;
}
const fc = await new main.Flowcept({ workflowName: "no-peers" }).start();
const t = main.flowceptTask(function plain(x: number) {
  return x + 1;
});
out.result = t(1);
await fc.stop();
process.stdout.write(JSON.stringify(out));
