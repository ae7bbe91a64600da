import { join } from "node:path";
import { loadConfig } from "../config/load-config.js";
import { UsageError } from "../errors.js";
import { packageRoot } from "../paths.js";
import { assertWritable, ENV_FILE, type InitAnswers, writeSetup, YAML_FILE } from "./init-files.js";
import { probeModels, probeSlack, probeTelegram } from "./live-checks.js";
import { Prompter } from "./prompter.js";

const OPENAI = "https://api.openai.com/v1";
const TELEGRAM = "https://api.telegram.org";
const SLACK = "https://slack.com/api/";
const SHOWN_MODELS = 30;

/** Flags of `gateway init`; a token flag falls back to its environment variable (never on the command line in `ps`). */
export interface InitOptions {
  yes?: boolean;
  force?: boolean;
  baseUrl?: string;
  apiKey?: string;
  model?: string;
  telegram?: boolean;
  telegramToken?: string;
  telegramApiRoot?: string;
  slack?: boolean;
  slackBotToken?: string;
  slackAppToken?: string;
  slackApiUrl?: string;
}

/**
 * `gateway init`: a first configuration, checked live before anything is
 * written. Asks for the model endpoint and key (GET /models), a model from
 * the endpoint's list, and optionally Telegram (getMe) and Slack (auth.test);
 * writes `.env` (secrets, 0600) and `gateway.yml`, then prints the next
 * command. `--yes` asks nothing: flags and environment only, for scripts.
 */
export async function initCommand(options: InitOptions): Promise<number> {
  const dir = process.cwd();
  assertWritable(dir, options.force ?? false);
  const prompter = options.yes ? undefined : new Prompter(process.stdin, process.stdout);
  try {
    const answers = await collect(options, prompter);
    writeSetup(dir, answers);
    // The files must load as `start` will load them; a mistake here is ours, not the operator's.
    loadConfig({ cwd: dir, env: {} });
    // In a clone the package's own scripts run it; an installed package has `gateway` on the PATH.
    const inClone = dir === packageRoot();
    const channel = answers.telegram !== undefined || answers.slack !== undefined;
    const next = channel ? (inClone ? "npm start" : "gateway start") : inClone ? "npx gateway chat" : "gateway chat";
    const say = (text: string) => process.stdout.write(`${text}\n`);
    say(`\nwrote ${join(dir, ENV_FILE)} (secrets, mode 0600) and ${join(dir, YAML_FILE)}`);
    if (channel) {
      say("once it runs, message the bot: it answers once with the command that admits you (gateway access allow …)");
    } else {
      say("no channel yet, so talk to the model in the terminal; gateway init --force adds Telegram or Slack later");
    }
    say(`check everything with: gateway doctor\nnext, run:\n  ${next}`);
    return 0;
  } finally {
    prompter?.close();
  }
}

async function collect(options: InitOptions, prompter: Prompter | undefined): Promise<InitAnswers> {
  const env = process.env;
  let baseUrl = options.baseUrl ?? env.OPENAI_BASE_URL ?? OPENAI;
  let apiKey = options.apiKey ?? env.OPENAI_API_KEY;
  let models: string[] | undefined;
  while (!models) {
    if (prompter) {
      prompter.say("Model endpoint: any OpenAI-compatible Chat Completions API (Ollama: http://127.0.0.1:11434/v1)");
      baseUrl = await prompter.ask("endpoint URL", { default: baseUrl });
      apiKey = (await prompter.ask("API key (Enter for none)", { secret: true, optional: true })) || apiKey;
    }
    const problem = urlProblem("the endpoint URL", baseUrl);
    if (problem && !prompter) throw new UsageError(problem);
    const listed = problem ? { ok: false as const, reason: problem } : await probeModels(baseUrl, apiKey);
    if (listed.ok) models = listed.value;
    else if (!prompter) throw new UsageError(`${listed.reason}; check --base-url and the key`);
    else prompter.say(`  ${listed.reason}; try again`);
  }
  const model = await pickModel(models, options.model ?? env.GATEWAY_MODEL, prompter);
  prompter?.say(`  ${baseUrl} answers; model ${model}`);
  return {
    baseUrl,
    apiKey: apiKey || undefined,
    model,
    telegram: await telegram(options, prompter),
    slack: await slack(options, prompter),
  };
}

async function pickModel(
  models: string[],
  wanted: string | undefined,
  prompter: Prompter | undefined,
): Promise<string> {
  if (models.length === 0) throw new UsageError("the endpoint lists no models; pull or deploy one first");
  if (!prompter) {
    const model = wanted ?? (models.length === 1 ? models[0] : undefined);
    if (model === undefined) throw new UsageError(`pass --model, one of: ${models.slice(0, SHOWN_MODELS).join(", ")}`);
    if (!models.includes(model))
      throw new UsageError(`the endpoint does not list ${model}; it lists ${models.slice(0, SHOWN_MODELS).join(", ")}`);
    return model;
  }
  const sorted = [...models].sort();
  prompter.say("Models the endpoint lists:");
  for (const [index, name] of sorted.slice(0, SHOWN_MODELS).entries()) prompter.say(`  ${index + 1}. ${name}`);
  if (sorted.length > SHOWN_MODELS) prompter.say(`  … and ${sorted.length - SHOWN_MODELS} more (type a name)`);
  const fallback = wanted && models.includes(wanted) ? wanted : models.length === 1 ? models[0] : undefined;
  for (;;) {
    const answer = await prompter.ask("model (number or name)", fallback ? { default: fallback } : {});
    const picked = /^\d+$/.test(answer) ? sorted[Number(answer) - 1] : models.find((name) => name === answer);
    if (picked) return picked;
    prompter.say(`  ${answer} is not listed`);
  }
}

async function telegram(options: InitOptions, prompter: Prompter | undefined): Promise<InitAnswers["telegram"]> {
  let token = options.telegramToken ?? process.env.TELEGRAM_BOT_TOKEN;
  const apiRoot = options.telegramApiRoot ?? process.env.TELEGRAM_API_ROOT;
  if (apiRoot !== undefined) checkUrl("the Telegram API root", apiRoot);
  if (prompter) {
    if (!(await prompter.confirm("Set up Telegram?", token !== undefined || options.telegram === true)))
      return undefined;
    prompter.say("  Create a bot with @BotFather (/newbot) and paste its token.");
  } else if (token === undefined) {
    if (options.telegram) throw new UsageError("--telegram needs --telegram-token or TELEGRAM_BOT_TOKEN");
    return undefined;
  }
  for (;;) {
    if (prompter) token = (await secret(prompter, "bot token", token)) || token;
    const me = await probeTelegram((apiRoot ?? TELEGRAM).replace(/\/+$/, ""), token ?? "");
    if (me.ok) {
      prompter?.say(`  Telegram: @${me.value.username}`);
      return { token: token ?? "", apiRoot: apiRoot && apiRoot !== TELEGRAM ? apiRoot : undefined };
    }
    if (!prompter) throw new UsageError(`${me.reason}; check --telegram-token`);
    prompter.say(`  ${me.reason}; try again`);
  }
}

async function slack(options: InitOptions, prompter: Prompter | undefined): Promise<InitAnswers["slack"]> {
  let botToken = options.slackBotToken ?? process.env.SLACK_BOT_TOKEN;
  let appToken = options.slackAppToken ?? process.env.SLACK_APP_TOKEN;
  const apiUrl = options.slackApiUrl ?? process.env.SLACK_API_URL;
  if (apiUrl !== undefined) checkUrl("the Slack API URL", apiUrl);
  if (prompter) {
    if (!(await prompter.confirm("Set up Slack?", botToken !== undefined || options.slack === true))) return undefined;
    prompter.say(`  Create an app from ${join(packageRoot(), "manifest.yml")} (api.slack.com/apps → From a manifest),`);
    prompter.say(
      "  install it, and copy the Bot User OAuth Token (xoxb-…) and an app-level token (xapp-…, connections:write).",
    );
  } else if (botToken === undefined) {
    if (options.slack) throw new UsageError("--slack needs --slack-bot-token or SLACK_BOT_TOKEN");
    return undefined;
  }
  for (;;) {
    if (prompter) botToken = (await secret(prompter, "bot token (xoxb-…)", botToken)) || botToken;
    const auth = await probeSlack(withSlash(apiUrl ?? SLACK), botToken ?? "");
    if (auth.ok) {
      prompter?.say(`  Slack: ${auth.value.user} in ${auth.value.team}`);
      break;
    }
    if (!prompter) throw new UsageError(`${auth.reason}; check --slack-bot-token`);
    prompter.say(`  ${auth.reason}; try again`);
  }
  for (;;) {
    if (prompter) appToken = (await secret(prompter, "app-level token (xapp-…)", appToken)) || appToken;
    if (appToken?.startsWith("xapp-")) break;
    const reason =
      "the app-level token starts with xapp- (Basic Information → App-Level Tokens, scope connections:write)";
    if (!prompter) throw new UsageError(`${reason}; pass --slack-app-token or SLACK_APP_TOKEN`);
    prompter.say(`  ${reason}`);
  }
  return { botToken: botToken ?? "", appToken, apiUrl: apiUrl && apiUrl !== SLACK ? apiUrl : undefined };
}

/** Asks for a secret; with one already in the environment, Enter keeps it. */
function secret(prompter: Prompter, question: string, current: string | undefined): Promise<string> {
  const hint = current ? " (Enter keeps the one in the environment)" : "";
  return prompter.ask(`${question}${hint}`, { secret: true, optional: current !== undefined });
}

function urlProblem(what: string, value: string): string | undefined {
  if (URL.canParse(value) && /^https?:$/.test(new URL(value).protocol)) return undefined;
  return `${what} must be an http(s) URL (got "${value}")`;
}

function checkUrl(what: string, value: string): void {
  const problem = urlProblem(what, value);
  if (problem) throw new UsageError(problem);
}

function withSlash(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}
