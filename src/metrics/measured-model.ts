import type { ModelChunk, ModelClient, ModelRequest } from "../agent/messages.js";
import type { Clock } from "../ids.js";
import type { Pricing } from "../store/usage-repository.js";
import type { PrometheusMetrics } from "./prometheus-metrics.js";

/**
 * The model client, timed: each request's latency (to its last chunk), tokens and estimated cost
 * reach the metrics, without the agent knowing about them.
 */
export function measuredModel(
  model: ModelClient,
  metrics: Pick<PrometheusMetrics, "modelCall">,
  options: { clock: Clock; pricing: Pricing },
): ModelClient {
  return {
    listModels: (signal) => model.listModels(signal),
    stream: (request, signal) => measured(model, request, signal, metrics, options),
  };
}

async function* measured(
  model: ModelClient,
  request: ModelRequest,
  signal: AbortSignal,
  metrics: Pick<PrometheusMetrics, "modelCall">,
  options: { clock: Clock; pricing: Pricing },
): AsyncIterable<ModelChunk> {
  const started = options.clock();
  let usage: { promptTokens: number; completionTokens: number } | undefined;
  let ok = false;
  try {
    for await (const chunk of model.stream(request, signal)) {
      if (chunk.type === "usage")
        usage = { promptTokens: chunk.promptTokens, completionTokens: chunk.completionTokens };
      yield chunk;
    }
    ok = true;
  } finally {
    const costUsd = usage ? options.pricing(request.model, usage.promptTokens, usage.completionTokens) : undefined;
    metrics.modelCall({
      model: request.model,
      seconds: (options.clock() - started) / 1000,
      ok,
      ...(usage ? { usage } : {}),
      ...(costUsd !== undefined ? { costUsd } : {}),
    });
  }
}
