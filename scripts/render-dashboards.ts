/**
 * Renders dashboards/*.ts to dashboards/json/*.json (`npm run dashboards`). With `--check`
 * (`npm run dashboards:check`, part of `npm test`) it writes nothing and fails when the committed
 * JSON differs from what the code renders.
 */
import { DASHBOARDS_JSON_DIR, findDrift, writeAll } from '../dashboards/render.ts';

if (process.argv.includes('--check')) {
  const problems = await findDrift();
  if (problems.length > 0) {
    console.error(
      `dashboards/json is out of date with dashboards/*.ts:\n  ${problems.join('\n  ')}\nRun \`npm run dashboards\` and commit the result.`,
    );
    process.exit(1);
  }
  console.log('dashboards/json matches dashboards/*.ts');
} else {
  const files = await writeAll();
  console.log(`wrote ${files.length} dashboards to ${DASHBOARDS_JSON_DIR}: ${files.join(', ')}`);
}
