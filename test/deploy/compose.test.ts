/**
 * docker-compose.yml and its provisioning files, checked without a Docker engine: the Compose
 * Specification schema, pinned images, the services table of the docs, health checks and dependency
 * order, no secrets in the file, and Grafana / Prometheus provisioning that points at things that exist.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, posix, resolve } from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { DASHBOARDS } from '../../dashboards/index.ts';
import { CLICKHOUSE, PROMETHEUS } from '../../dashboards/shared/datasources.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const obj = (value: unknown): Json => (isObject(value) ? value : {});
const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

const compose = obj(parse(read('docker-compose.yml')));
const services = obj(compose['services']);
const serviceNames = Object.keys(services);
const service = (name: string): Json => obj(services[name]);

/** `[host address:]host port:container port` entries of a service. */
function publishedPorts(name: string): Array<{ host: number; container: number }> {
  return strings(service(name)['ports']).map((entry) => {
    const parts = entry.split(':');
    return { host: Number(parts.at(-2)), container: Number(parts.at(-1)) };
  });
}

/** Environment as a map, whichever form the file uses. */
function environment(name: string): Record<string, string> {
  const env = service(name)['environment'];
  if (Array.isArray(env))
    return Object.fromEntries(strings(env).map((e) => [e.split('=')[0] ?? '', e.slice(e.indexOf('=') + 1)]));
  return Object.fromEntries(Object.entries(obj(env)).map(([k, v]) => [k, String(v)]));
}

/** Bind mounts (`./host:/container[:mode]`) of a service. */
function bindMounts(name: string): Array<{ host: string; container: string }> {
  return strings(service(name)['volumes'])
    .filter((v) => v.startsWith('./'))
    .map((v) => {
      const [host = '', container = ''] = v.split(':');
      return { host, container };
    });
}

/** The host path a container path of a service comes from, through its bind mounts. */
function hostPathOf(name: string, containerPath: string): string | undefined {
  for (const mount of bindMounts(name)) {
    if (containerPath === mount.container) return join(ROOT, mount.host);
    if (containerPath.startsWith(`${mount.container}/`))
      return join(ROOT, mount.host, posix.relative(mount.container, containerPath));
  }
  return undefined;
}

describe('docker-compose.yml', () => {
  it('validates against the Compose Specification schema', () => {
    const require = createRequire(import.meta.url);
    const schemaPath = join(dirname(require.resolve('dclint/package.json')), 'schemas/compose.schema.json');
    const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as Json;
    expect(schema['title']).toBe('Compose Specification');
    // The schema names its draft-07 meta-schema by an https URL Ajv does not know; the schema itself
    // is the upstream spec, so only compose.yml is validated, not the schema against its meta-schema.
    const validate = new Ajv({ allErrors: true, strict: false, validateSchema: false }).compile(schema);
    const valid = validate(compose);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(valid).toBe(true);
    // The validator is live: a misspelt key and ports that are not a list are refused.
    const broken = structuredClone(compose);
    Object.assign(obj(obj(broken['services'])['kafka']), { imagee: 'x', ports: 9092 });
    expect(validate(broken)).toBe(false);
    expect((validate.errors ?? []).length).toBeGreaterThanOrEqual(2);
  });

  it('passes the compose linter without errors', () => {
    const require = createRequire(import.meta.url);
    const packageDir = dirname(require.resolve('dclint/package.json'));
    const bin = obj(JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as unknown)['bin'];
    const script = typeof bin === 'string' ? bin : String(Object.values(obj(bin))[0]);
    const run = spawnSync(process.execPath, [join(packageDir, script), 'docker-compose.yml'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
  });

  it('pins every image to an exact version and builds the processors from the Dockerfile', () => {
    for (const name of serviceNames) {
      const image = service(name)['image'];
      if (typeof image !== 'string') {
        expect(service(name)['build'], `${name} has neither image nor build`).toBeDefined();
        continue;
      }
      expect(image, name).toMatch(/:v?\d+\.\d+\.\d+(\.\d+)?$/);
    }
    expect(service('stadion')['build']).toBe('.');
    const from = /^FROM\s+(\S+)/m.exec(read('Dockerfile'))?.[1];
    expect(from).toMatch(/:\d+\.\d+\.\d+-/);
    for (const match of read('Dockerfile').matchAll(/^COPY\s+(.+)\s+\S+$/gm)) {
      for (const source of (match[1] ?? '').split(/\s+/))
        expect(existsSync(join(ROOT, source)), source).toBe(true);
    }
  });

  it('matches the services table of the docs: every service with its image and port', () => {
    const docs = ['README.md', 'docs/deployment.md']
      .map((path) => ({ path, text: read(path) }))
      .filter(({ text }) => text.includes('| service | image | port |'));
    expect(docs.length, 'a services table in README.md or docs/deployment.md').toBeGreaterThan(0);
    for (const { path, text } of docs) {
      const after = text.slice(text.indexOf('| service | image | port |')).split('\n').slice(2);
      const end = after.findIndex((line) => !line.startsWith('|'));
      const rows = (end < 0 ? after : after.slice(0, end)).filter((line) => line.startsWith('| `'));
      const listed = rows.map((row) => {
        const [, name = '', image = '', port = ''] = row
          .split('|')
          .map((cell) => cell.trim().replace(/`/g, ''));
        return { name, image, port: Number(port) };
      });
      expect(listed.map((s) => s.name).sort(), path).toEqual([...serviceNames].sort());
      for (const { name, image, port } of listed) {
        const declared = service(name)['image'];
        if (typeof declared === 'string') expect(image, `${path}: ${name}`).toBe(declared);
        else expect(image, `${path}: ${name}`).toContain('Dockerfile');
        expect(publishedPorts(name), `${path}: ${name} port ${port}`).toContainEqual({
          host: port,
          container: port,
        });
      }
    }
    expect(docs.map((d) => d.text).join('\n')).toContain(
      `grafana-clickhouse-datasource\` ${environment('grafana')['GF_INSTALL_PLUGINS']?.split(' ')[1] ?? '?'}`,
    );
  });

  it('gives every service a health check and waits for healthy dependencies', () => {
    for (const name of serviceNames) {
      expect(service(name)['healthcheck'], `${name} health check`).toBeDefined();
      for (const [dependency, spec] of Object.entries(obj(service(name)['depends_on']))) {
        expect(serviceNames, `${name} depends on ${dependency}`).toContain(dependency);
        expect(['service_healthy', 'service_started']).toContain(obj(spec)['condition']);
      }
    }
    expect(Object.keys(obj(service('stadion')['depends_on'])).sort()).toEqual([
      'clickhouse',
      'kafka',
      'schema-registry',
    ]);
    expect(Object.keys(obj(service('grafana')['depends_on'])).sort()).toEqual(['clickhouse', 'prometheus']);
  });

  it('keeps data in declared volumes and bind-mounts only files that exist', () => {
    const declared = Object.keys(obj(compose['volumes']));
    for (const name of serviceNames) {
      for (const volume of strings(service(name)['volumes'])) {
        const source = volume.split(':')[0] ?? '';
        if (source.startsWith('./')) expect(existsSync(join(ROOT, source)), `${name}: ${source}`).toBe(true);
        else expect(declared, `${name}: volume ${source}`).toContain(source);
      }
    }
    for (const name of ['kafka', 'clickhouse', 'prometheus', 'grafana'])
      expect(
        strings(service(name)['volumes']).some((v) => !v.startsWith('./')),
        `${name} keeps its data`,
      ).toBe(true);
  });

  it('writes no secret into the file and takes every variable from .env.example', () => {
    const example = new Set(
      read('.env.example')
        .split('\n')
        .map((line) => /^([A-Z0-9_]+)=/.exec(line)?.[1])
        .filter((name): name is string => name !== undefined),
    );
    for (const name of serviceNames) {
      for (const [key, value] of Object.entries(environment(name))) {
        if (/PASSWORD|SECRET|TOKEN/.test(key))
          expect(value, `${name}.${key}`).toMatch(/^\$\{[A-Z0-9_]+(:[?-][^}]*)?\}$/);
      }
    }
    const used = [...read('docker-compose.yml').matchAll(/\$\{([A-Z0-9_]+)/g)].map((m) => m[1] ?? '');
    expect(used.length).toBeGreaterThan(0);
    for (const variable of used) expect(example, `${variable} in .env.example`).toContain(variable);
    expect(read('.gitignore')).toMatch(/^\.env$/m);
  });
});

describe('Grafana and Prometheus provisioning', () => {
  const grafanaHost = (containerPath: string): string => {
    const host = hostPathOf('grafana', containerPath);
    expect(host, `${containerPath} is mounted into grafana`).toBeDefined();
    return host ?? '';
  };
  const provisioning = grafanaHost('/etc/grafana/provisioning');

  it('provisions the data sources the dashboards use, pointing at the compose services', () => {
    const file = obj(parse(readFileSync(join(provisioning, 'datasources/stadion.yml'), 'utf8')));
    const sources = (Array.isArray(file['datasources']) ? file['datasources'] : []).map(obj);
    const clickhouse = sources.find((s) => s['uid'] === CLICKHOUSE.uid);
    const prometheus = sources.find((s) => s['uid'] === PROMETHEUS.uid);
    expect(clickhouse?.['type']).toBe(CLICKHOUSE.type);
    expect(prometheus?.['type']).toBe(PROMETHEUS.type);
    const chJson = obj(clickhouse?.['jsonData']);
    expect(chJson['protocol']).toBe('http');
    expect(serviceNames).toContain(chJson['host']);
    expect(publishedPorts(String(chJson['host'])).map((p) => p.container)).toContain(chJson['port']);
    const url = new URL(String(prometheus?.['url']));
    expect(serviceNames).toContain(url.hostname);
    expect(publishedPorts(url.hostname).map((p) => p.container)).toContain(Number(url.port));
    // Every ${VAR} Grafana expands in the file is in its environment.
    const grafanaEnv = environment('grafana');
    const text = readFileSync(join(provisioning, 'datasources/stadion.yml'), 'utf8');
    for (const match of text.matchAll(/\$\{([A-Z0-9_]+)\}/g))
      expect(grafanaEnv).toHaveProperty(match[1] ?? '');
    expect(grafanaEnv['GF_INSTALL_PLUGINS']).toMatch(/^grafana-clickhouse-datasource \d+\.\d+\.\d+$/);
  });

  it('provisions the dashboards from a folder that holds every rendered dashboard', () => {
    const file = obj(parse(readFileSync(join(provisioning, 'dashboards/stadion.yml'), 'utf8')));
    const providers = (Array.isArray(file['providers']) ? file['providers'] : []).map(obj);
    expect(providers).toHaveLength(1);
    const path = String(obj(providers[0]?.['options'])['path']);
    const host = grafanaHost(path);
    expect(statSync(host).isDirectory()).toBe(true);
    expect(host).toBe(join(ROOT, 'dashboards/json'));
    const files = readdirSync(host);
    for (const { file: dashboardFile } of DASHBOARDS) expect(files).toContain(dashboardFile);
    const home = environment('grafana')['GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH'] ?? '';
    expect(existsSync(grafanaHost(home)), home).toBe(true);
  });

  it("has Prometheus scrape the processors' metrics port", () => {
    const configPath = hostPathOf('prometheus', '/etc/prometheus/prometheus.yml');
    expect(configPath).toBeDefined();
    const config = obj(parse(readFileSync(configPath ?? '', 'utf8')));
    const targets = (Array.isArray(config['scrape_configs']) ? config['scrape_configs'] : [])
      .map(obj)
      .flatMap((job) => (Array.isArray(job['static_configs']) ? job['static_configs'] : []).map(obj))
      .flatMap((c) => strings(c['targets']));
    const command = strings(service('stadion')['command']);
    const port = command[command.indexOf('--metrics-port') + 1];
    expect(command[command.indexOf('--metrics-host') + 1]).toBe('0.0.0.0');
    expect(targets).toContain(`stadion:${port ?? '?'}`);
    expect(strings(service('prometheus')['command'])).toContain(
      '--config.file=/etc/prometheus/prometheus.yml',
    );
  });
});
