import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The example plans that `npm start` runs and the LangGraph server serves as graphs. */
export const EXAMPLES_DIR = resolve(fileURLToPath(new URL("../../examples", import.meta.url)));
