import { loadConfig } from '../../engine/config/config.ts';
import { createClickHouse } from '../../engine/clients/clickhouse.ts';
import { checkServices } from '../../engine/clients/reachability.ts';
import { scanStatement } from '../../stack/clickhouse/sql-scan.ts';
import { StadionError } from '../../engine/errors.ts';
import { renderTable } from '../table.ts';
import { COMMON_HELP, COMMON_OPTIONS, configFlags, parseCommand } from '../args.ts';

export const SQL_HELP = `stadion sql "<query>": run SQL on the configured ClickHouse and print the result.

  Statements that return rows (SELECT, SHOW, DESCRIBE, EXPLAIN, EXISTS, WITH) print an aligned table,
  or the server's own output in the format given with --format; other statements (DDL, INSERT ... VALUES)
  print "ok".

Options:
  --format FORMAT   any ClickHouse output format, printed as the server sends it (e.g. JSONEachRow, CSV, TSV)
${COMMON_HELP}`;

const ROW_RETURNING = /^\s*(\(\s*)*(select|show|describe|desc|explain|exists|with|values)\b/i;

export async function sqlCommand(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommand('sql', {
    args: [...argv],
    options: { ...COMMON_OPTIONS, format: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help === true) {
    console.log(SQL_HELP);
    return 0;
  }
  const query = positionals.join(' ').trim();
  if (query === '')
    throw new StadionError('USAGE', 'sql: give the query as an argument, e.g. stadion sql "SELECT 1"');
  const config = loadConfig(configFlags(values));
  await checkServices(config, ['clickhouse']);
  const client = createClickHouse(config.clickhouse, { applicationName: 'stadion-sql' });
  try {
    if (!ROW_RETURNING.test(query)) {
      await client.command({ query });
      console.log('ok');
      return 0;
    }
    // A query that names its own output format is printed as the server sends it.
    const own = scanStatement(query).outputFormat;
    if (own !== undefined && values.format !== undefined && own !== values.format)
      throw new StadionError(
        'USAGE',
        `sql: the query says FORMAT ${own} and --format says ${values.format}; give one`,
      );
    const format = own === undefined ? values.format : undefined;
    if (own !== undefined || format !== undefined) {
      const text = format === undefined ? query : `${query}\nFORMAT ${format}`;
      const response = await client.exec({ query: text });
      for await (const chunk of response.stream) process.stdout.write(chunk as Buffer);
      return 0;
    }
    const result = await client.query({ query, format: 'JSONCompact' });
    const body = await result.json<unknown[]>();
    const columns = body.meta?.map((column) => column.name) ?? [];
    console.log(renderTable(columns, body.data));
    console.log(`(${body.rows ?? body.data.length} rows)`);
    return 0;
  } finally {
    await client.close();
  }
}
