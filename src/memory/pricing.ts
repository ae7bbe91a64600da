import type { ModelInfo } from "../config/file-schema.js";
import type { Pricing } from "../store/usage-repository.js";

/** Prices per model from the YAML (`models.NAME.input_usd_per_million`, `output_usd_per_million`). */
export function pricingFrom(models: Readonly<Record<string, ModelInfo>>): Pricing {
  return (model, promptTokens, completionTokens) => {
    const info = models[model];
    if (info?.input_usd_per_million === undefined && info?.output_usd_per_million === undefined) return undefined;
    return (
      (promptTokens * (info.input_usd_per_million ?? 0) + completionTokens * (info.output_usd_per_million ?? 0)) / 1e6
    );
  };
}
