/**
 * API keys in VS Code's SecretStorage. They reach the server only through its environment and
 * are never written to settings or logged (the log masks them, see `log.ts`).
 */
import * as vscode from 'vscode';
import { setSecrets } from './log';
import { PROVIDERS, type Provider, secretKey } from './providers';

/** Every stored key, by provider id; also tells the log which values to mask. */
export async function loadKeys(storage: vscode.SecretStorage): Promise<Map<string, string>> {
  const keys = new Map<string, string>();
  for (const provider of PROVIDERS) {
    const value = await storage.get(secretKey(provider));
    if (value) keys.set(provider.id, value);
  }
  setSecrets([...keys.values()]);
  return keys;
}

async function pickProvider(stored: ReadonlyMap<string, string>, suggested?: Provider): Promise<Provider | undefined> {
  const items = PROVIDERS.map((p) => ({
    label: p.label,
    description: p.envVar,
    ...(stored.has(p.id) ? { detail: 'A key is stored' } : {}),
    provider: p,
  }));
  const active = items.find((i) => i.provider.id === suggested?.id);
  const pick = await vscode.window.showQuickPick(active ? [active, ...items.filter((i) => i !== active)] : items, {
    title: 'Service Creator: Set API Key',
    placeHolder: 'Which provider is the key for?',
    ignoreFocusOut: true,
  });
  return pick?.provider;
}

/**
 * "Set API Key": pick a provider, type the key (masked). An empty key removes the stored one.
 * Returns true when something changed.
 */
export async function setApiKey(storage: vscode.SecretStorage, suggested?: Provider): Promise<boolean> {
  const stored = await loadKeys(storage);
  const provider = await pickProvider(stored, suggested);
  if (!provider) return false;
  const key = await vscode.window.showInputBox({
    title: `Service Creator: ${provider.label} API key`,
    prompt: `Stored in VS Code's secret storage and passed to the server as ${provider.envVar}. Leave empty to remove the stored key.`,
    password: true,
    ignoreFocusOut: true,
    validateInput: (value) => (/\s/.test(value.trim()) ? 'An API key has no spaces.' : undefined),
  });
  if (key === undefined) return false;
  if (key.trim()) {
    await storage.store(secretKey(provider), key.trim());
    void vscode.window.showInformationMessage(`Service Creator: ${provider.label} API key stored.`);
  } else {
    await storage.delete(secretKey(provider));
    void vscode.window.showInformationMessage(`Service Creator: ${provider.label} API key removed.`);
  }
  return true;
}
