/** Dashboards to JSON text, deterministically (the repository's prettier settings), and the drift check. */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { DASHBOARDS, type DashboardDefinition } from './index.ts';

/** Where the rendered JSON lives; Grafana's dashboard provider reads this folder. */
export const DASHBOARDS_JSON_DIR = resolve(import.meta.dirname, 'json');

/** One dashboard as the text committed to dashboards/json/. */
export async function renderDashboard(definition: DashboardDefinition): Promise<string> {
  const path = join(DASHBOARDS_JSON_DIR, definition.file);
  const config = (await resolveConfig(path)) ?? {};
  return format(JSON.stringify(definition.build()), { ...config, parser: 'json', filepath: path });
}

/** Every dashboard: file name -> text. */
export async function renderAll(
  definitions: readonly DashboardDefinition[] = DASHBOARDS,
): Promise<Map<string, string>> {
  const rendered = new Map<string, string>();
  for (const definition of definitions) rendered.set(definition.file, await renderDashboard(definition));
  return rendered;
}

/** Writes every dashboard; returns the files written. */
export async function writeAll(dir = DASHBOARDS_JSON_DIR): Promise<string[]> {
  const rendered = await renderAll();
  for (const [file, text] of rendered) await writeFile(join(dir, file), text);
  return [...rendered.keys()];
}

/**
 * What differs between the code and the committed JSON: files out of date, missing, or left over
 * from a dashboard that no longer exists. Empty when they agree.
 */
export async function findDrift(dir = DASHBOARDS_JSON_DIR): Promise<string[]> {
  const rendered = await renderAll();
  const problems: string[] = [];
  const present = new Set((await readdir(dir)).filter((file) => file.endsWith('.json')));
  for (const [file, text] of rendered) {
    if (!present.has(file)) problems.push(`${file}: missing`);
    else if ((await readFile(join(dir, file), 'utf8')) !== text)
      problems.push(`${file}: differs from the code`);
  }
  for (const file of present) if (!rendered.has(file)) problems.push(`${file}: no dashboard renders it`);
  return problems;
}
