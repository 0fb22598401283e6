#!/usr/bin/env node
/** The `flowcept-otel` executable. */
import { runCli } from "./program.js";

process.exitCode = await runCli();
