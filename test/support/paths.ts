/** Folders tests need, from this file's place in the build (`dist/test/support/`). */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

/** The repository root (where package.json is). */
export const REPO_ROOT = join(here, "..", "..", "..");
/** The build output's root (`dist/`). */
export const DIST = join(here, "..", "..");
/** Compiled child scripts (`dist/test/children/`). */
export const CHILDREN = join(DIST, "test", "children");
/** Fixture files (sources, not compiled: `test/fixtures/`). */
export const FIXTURES = join(REPO_ROOT, "test", "fixtures");
