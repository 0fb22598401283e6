/**
 * The calling side: a workflow whose task calls the service of
 * `http-server.ts` over instrumented `node:http`. Prints the workflow and
 * campaign ids. No id is passed to the server by hand.
 */
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { createRequire } from "node:module";
import { configure, Flowcept, flowceptTask, registerFlowcept } from "flowcept-otel";

configure({ project: { dump_buffer: { path: process.env.BUFFER_PATH! } } });
registerFlowcept({ instrumentations: [new HttpInstrumentation()] });
const http = createRequire(import.meta.url)("node:http") as typeof import("node:http");

const fetchUser = flowceptTask(function fetch_user(url: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString()));
        res.on("end", () => resolve(JSON.parse(body)));
      })
      .on("error", reject);
  });
});

const ids = await Flowcept.run({ workflowName: "two_processes" }, async (fc) => {
  await fetchUser(`${process.env.SERVER_URL}/users/42`);
  return { workflowId: fc.workflowId, campaignId: fc.campaignId };
});
process.stdout.write(`${JSON.stringify(ids)}\n`);
