// Preloaded into a child with NODE_OPTIONS=--import=<this file>: records the URL of every module the
// ES module loader loads (ours, and each package's entry point) to the file named by LOAD_RECORD, one
// per line, so a test can say which packages a command pulled in. CommonJS files a package requires
// internally are not recorded; the package's entry, imported from our ES modules, is.
import { register } from "node:module";

register("./hooks.mjs", import.meta.url);
