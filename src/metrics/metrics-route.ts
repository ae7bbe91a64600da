import type { HttpResponse, HttpServer } from "../http/http-server.js";
import { sameSecret } from "../http/same-secret.js";
import type { PrometheusMetrics } from "./prometheus-metrics.js";

/**
 * `GET /metrics` for scrapers, read with `Authorization: Bearer <token>` as Prometheus sends it
 * (`authorization: { credentials: … }` in a scrape config). It answers while the gateway starts.
 */
export function mountMetrics(http: HttpServer, metrics: PrometheusMetrics, token: string): void {
  http.route(
    "GET",
    "/metrics",
    async (request): Promise<HttpResponse> => {
      const header = request.headers.authorization ?? "";
      const presented = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim();
      if (presented === undefined || !sameSecret(presented, token)) {
        return {
          status: 401,
          headers: { "www-authenticate": 'Bearer realm="metrics"' },
          body: { error: "a bearer token is required" },
        };
      }
      return {
        status: 200,
        headers: { "content-type": metrics.contentType, "cache-control": "no-store" },
        body: await metrics.render(),
      };
    },
    { beforeReady: true },
  );
}
