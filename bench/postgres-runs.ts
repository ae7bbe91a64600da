import { GatewayProcess } from "./gateway-process.js";
import type { LoadResult } from "./load.js";
import type { TurnsResult } from "./phases.js";
import { benchDatabase } from "./postgres-database.js";
import { settings } from "./settings.js";
import type { WorldUrls } from "./world.js";
import type { WorldClient } from "./world-client.js";

/** The accept and turns figures of one number of gateways sharing one PostgreSQL database. */
export interface PostgresRaw {
  instances: number;
  telegram: LoadResult[];
  slack: LoadResult[];
  turns: TurnsResult[];
  errorLines: number;
}

/** The instance counts measured on PostgreSQL. */
export const INSTANCE_COUNTS = [1, 2, 3] as const;

/**
 * The same accept and turns phases with the gateway on PostgreSQL, for 1, 2 and 3 gateways on one
 * database (made for each count and dropped after it), the load spread evenly over them.
 * Every gateway is stopped before its database is dropped, also when a phase fails: a gateway
 * left running would log "database … does not exist" once a second until the end of the run.
 */
export async function postgresRuns(
  urls: WorldUrls,
  world: WorldClient,
  take: (count: number) => number,
  queueCap: number,
): Promise<PostgresRaw[]> {
  const results: PostgresRaw[] = [];
  for (const instances of INSTANCE_COUNTS) {
    const raw: PostgresRaw = { instances, telegram: [], slack: [], turns: [], errorLines: 0 };
    const database = await benchDatabase();
    const gateways: GatewayProcess[] = [];
    try {
      // One after the other: the first migrates the new database, the others find it migrated.
      // Each may run every busy conversation's held turn of the accept phases at once (one gateway
      // alone gets them all), and 64 more as in the other runs.
      const maxTurns = Math.ceil(settings.ingressMessages / queueCap) + 64;
      for (let index = 0; index < instances; index++) {
        const gateway = await GatewayProcess.start({ urls, db: database.url, maxTurns });
        gateways.push(gateway);
        await gateway.ready();
      }
      const ports = gateways.map((gateway) => gateway.port);
      const port = ports[0] ?? 0;
      for (let run = 0; run < settings.runs; run++) {
        const count = settings.ingressMessages;
        const accept = {
          port,
          ports,
          count,
          conversations: Math.ceil(count / queueCap),
          load: { concurrency: settings.concurrency },
        };
        raw.telegram.push(
          await world.phase({ phase: "accept", platform: "telegram", ...accept, first: take(count * 2) }),
        );
        raw.slack.push(await world.phase({ phase: "accept", platform: "slack", ...accept, first: take(count * 2) }));
        raw.turns.push(
          await world.phase<TurnsResult>({
            phase: "turns",
            port,
            ports,
            count: settings.turns,
            concurrency: 64,
            first: take(settings.turns),
          }),
        );
        process.stdout.write(`PostgreSQL × ${instances} run ${run + 1}/${settings.runs} done\n`);
      }
    } finally {
      for (const gateway of gateways) raw.errorLines += gateway.errorLines;
      await Promise.all(gateways.map((gateway) => gateway.stop()));
      await database.drop();
    }
    results.push(raw);
  }
  return results;
}
