// The loader hook register.mjs installs (it runs on the loader's own thread).
import { appendFileSync } from "node:fs";

const record = process.env.LOAD_RECORD;

export async function load(url, context, nextLoad) {
  if (record) appendFileSync(record, `${url}\n`);
  return nextLoad(url, context);
}
