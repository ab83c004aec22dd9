/**
 * Model providers and the environment variable each one's API key goes in (litellm's names).
 * Pure; the keys themselves live in SecretStorage (`secrets.ts`).
 */

export interface Provider {
  id: string;
  label: string;
  envVar: string;
}

export const PROVIDERS: readonly Provider[] = [
  { id: 'openai', label: 'OpenAI', envVar: 'OPENAI_API_KEY' },
  { id: 'anthropic', label: 'Anthropic', envVar: 'ANTHROPIC_API_KEY' },
  { id: 'azure', label: 'Azure OpenAI', envVar: 'AZURE_API_KEY' },
  { id: 'gemini', label: 'Google Gemini', envVar: 'GEMINI_API_KEY' },
  { id: 'mistral', label: 'Mistral', envVar: 'MISTRAL_API_KEY' },
  { id: 'groq', label: 'Groq', envVar: 'GROQ_API_KEY' },
  { id: 'deepseek', label: 'DeepSeek', envVar: 'DEEPSEEK_API_KEY' },
  { id: 'openrouter', label: 'OpenRouter', envVar: 'OPENROUTER_API_KEY' },
  { id: 'cohere', label: 'Cohere', envVar: 'COHERE_API_KEY' },
  { id: 'xai', label: 'xAI', envVar: 'XAI_API_KEY' },
  { id: 'together_ai', label: 'Together AI', envVar: 'TOGETHERAI_API_KEY' },
  { id: 'huggingface', label: 'Hugging Face', envVar: 'HUGGINGFACE_API_KEY' },
];

export function providerById(id: string): Provider | undefined {
  return PROVIDERS.find((p) => p.id === id);
}

/** The SecretStorage key a provider's API key is stored under. */
export function secretKey(provider: Provider): string {
  return `serviceCreator.apiKey.${provider.id}`;
}

/** The provider a litellm model string names ("anthropic/claude-…" → anthropic), if known. */
export function providerOfModel(model: string): Provider | undefined {
  const prefix = model.includes('/') ? model.slice(0, model.indexOf('/')) : '';
  return prefix ? providerById(prefix.toLowerCase()) : undefined;
}

/** The environment variables for the stored keys; empty keys set nothing. */
export function keysToEnv(keys: ReadonlyMap<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [id, key] of keys) {
    const provider = providerById(id);
    if (provider && key.trim()) env[provider.envVar] = key.trim();
  }
  return env;
}

/** Replace every occurrence of a secret in `text` (for anything that reaches a log). */
export function redact(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join('***');
  }
  return out;
}
