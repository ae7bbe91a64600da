import { loadConfig } from "../config/load-config.js";
import { NotFoundError, UsageError } from "../errors.js";
import type { Store } from "../store/store.js";
import { openConfiguredStore } from "./configured-store.js";
import { printJson, printTable } from "./output.js";
import { openExistingStore } from "./read-store.js";

const principalPattern = /^[a-z]+:[^\s,]+$/;

function checked(principal: string): string {
  if (!principalPattern.test(principal)) {
    throw new UsageError(`"${principal}" is not CHANNEL:ID (e.g. telegram:12345, slack:U0123, slack:C0456)`);
  }
  return principal;
}

/** `gateway access allow CHANNEL:ID`: admits a user or chat at once, also while the gateway runs. */
export async function accessAllow(principal: string): Promise<number> {
  const store = await openConfiguredStore(loadConfig());
  try {
    const added = await store.access.grant(checked(principal));
    process.stdout.write(added ? `allowed ${principal}\n` : `${principal} was already allowed\n`);
    return 0;
  } finally {
    await store.close();
  }
}

export async function accessRevoke(principal: string): Promise<number> {
  checked(principal);
  let store: Store;
  try {
    store = await openExistingStore(loadConfig(), "fail");
  } catch (error) {
    if (error instanceof NotFoundError) throw new NotFoundError(`${principal} has no grant: ${error.message}`);
    throw error;
  }
  try {
    if (!(await store.access.revoke(principal))) {
      throw new UsageError(`${principal} has no grant (allow lists in the YAML or GATEWAY_ALLOW are edited there)`);
    }
    process.stdout.write(`revoked ${principal}\n`);
    return 0;
  } finally {
    await store.close();
  }
}

/** Everyone admitted, and where from: the database, GATEWAY_ALLOW or the YAML. */
export async function accessList(options: { json?: boolean }): Promise<number> {
  const config = loadConfig();
  const store = await openExistingStore(config, "empty");
  try {
    const rows: { principal: string; source: string; admin: boolean }[] = [];
    const admin = (principal: string) => config.access.admins.includes(principal);
    for (const grant of await store.access.list()) {
      rows.push({ principal: grant.principal, source: "gateway access allow", admin: admin(grant.principal) });
    }
    for (const principal of config.access.allow) {
      rows.push({
        principal,
        source: process.env.GATEWAY_ALLOW ? "GATEWAY_ALLOW" : "access.allow",
        admin: admin(principal),
      });
    }
    for (const principal of config.access.admins) {
      if (!rows.some((row) => row.principal === principal))
        rows.push({ principal, source: "access.admins", admin: true });
    }
    for (const [channel, settings] of [
      ["telegram", config.telegram.settings?.allow],
      ["slack", config.slack.settings?.allow],
    ] as const) {
      if (!settings) continue;
      for (const [kind, ids] of Object.entries(settings)) {
        for (const id of ids)
          rows.push({ principal: `${channel}:${id}`, source: `channels.${channel}.allow.${kind}`, admin: false });
      }
    }
    if (options.json) printJson(rows);
    else if (rows.length === 0) process.stdout.write("nobody is admitted yet; see: gateway access allow CHANNEL:ID\n");
    else
      printTable([["PRINCIPAL", "ADMIN", "SOURCE"], ...rows.map((r) => [r.principal, r.admin ? "yes" : "", r.source])]);
    return 0;
  } finally {
    await store.close();
  }
}
