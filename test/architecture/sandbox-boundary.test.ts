import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SANDBOX_CREDENTIALS, startSandbox, type Sandbox } from '@jarvis/sandbox';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { SANDBOX_CONFIG_PATH } from '../../src/config.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SANDBOX_PACKAGE = join(ROOT, 'packages', 'sandbox');

/** Every TypeScript file under `dir`. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

interface ImportSite {
  /** The importing file, relative to the repository. */
  file: string;
  specifier: string;
  kind: 'static' | 'dynamic';
}

/**
 * The imports of `file` that load a module at run time: import and export declarations other than
 * `import type` and `export type` (an `import { type A }` still loads its module under
 * verbatimModuleSyntax), and import() calls.
 */
function runtimeImports(file: string): ImportSite[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const sites: ImportSite[] = [];
  const add = (specifier: ts.Expression | undefined, kind: ImportSite['kind']) => {
    const text = specifier && ts.isStringLiteralLike(specifier) ? specifier.text : '<computed>';
    sites.push({ file: relative(ROOT, file), specifier: text, kind });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && !node.importClause?.isTypeOnly) add(node.moduleSpecifier, 'static');
    if (ts.isExportDeclaration(node) && !node.isTypeOnly && node.moduleSpecifier) {
      add(node.moduleSpecifier, 'static');
    }
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node.arguments[0], 'dynamic');
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return sites;
}

/** Whether `site` names the sandbox package, by its name or by a path into packages/sandbox. */
function reachesSandbox(site: ImportSite): boolean {
  if (site.specifier === '@jarvis/sandbox' || site.specifier.startsWith('@jarvis/sandbox/')) return true;
  if (!site.specifier.startsWith('.')) return false;
  const target = resolve(ROOT, dirname(site.file), site.specifier);
  return target === SANDBOX_PACKAGE || target.startsWith(SANDBOX_PACKAGE + sep);
}

describe('the sandbox boundary, in the sources', () => {
  const sites = sources(join(ROOT, 'src')).flatMap(runtimeImports);

  it('finds the imports of src/ (the scan reads what it should)', () => {
    expect(sites.filter((s) => s.file === join('src', 'cli.ts')).length).toBeGreaterThan(3);
    expect(sites.some((s) => s.kind === 'dynamic')).toBe(true);
  });

  it('has no module under src/ load the sandbox package except loadSandbox, by a dynamic import()', () => {
    expect(sites.filter((s) => s.specifier === '<computed>')).toEqual([]);
    expect(sites.filter(reachesSandbox)).toEqual([
      { file: join('src', 'mode.ts'), specifier: '../packages/sandbox/src/index.js', kind: 'dynamic' },
    ]);
  });
});

/**
 * Node's module customization hooks (module.register): each module the process loads is appended to
 * the file named by `data.file`, as a URL. Observed, not patched: every load goes on to the next hook.
 */
const RECORDER_HOOKS = `import { appendFileSync } from 'node:fs';
let file;
export function initialize(data) {
  file = data.file;
}
export async function load(url, context, nextLoad) {
  appendFileSync(file, url + '\\n');
  return nextLoad(url, context);
}
`;

describe('the sandbox boundary, in a running jarvis serve', () => {
  let dir: string;
  let sandbox: Sandbox;
  let preload: string;
  let config: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'jarvis-boundary-'));
    // Stands in for AWS: Jarvis reaches it through the AWS SDK's endpoint settings, as it would AWS.
    sandbox = await startSandbox({ timeScale: 1 });
    const hooks = join(dir, 'record-hooks.mjs');
    writeFileSync(hooks, RECORDER_HOOKS);
    preload = join(dir, 'record.mjs');
    writeFileSync(
      preload,
      `import { register } from 'node:module';\n` +
        `register(${JSON.stringify(pathToFileURL(hooks).href)}, { data: { file: process.env.JARVIS_RECORD_LOADS } });\n`,
    );
    // The shipped configuration with the CloudWatch default for metrics: what runs against AWS.
    const shipped = parse(readFileSync(SANDBOX_CONFIG_PATH, 'utf8')) as Record<string, unknown>;
    delete shipped.metrics;
    config = join(dir, 'jarvis.config.yaml');
    writeFileSync(config, stringify(shipped));
  });
  afterAll(async () => {
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Runs `jarvis <command>` from the sources with the recorder and resolves with what it loaded: for
   * `serve`, once it serves and has then been left alone for `idleMs`; for any other command, once it
   * has exited by itself.
   */
  async function loadedBy(
    name: string,
    command: string[],
    env: Record<string, string>,
    idleMs = 0,
  ): Promise<string[]> {
    const loads = join(dir, `${name}.loads`);
    writeFileSync(loads, '');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--import', pathToFileURL(preload).href, 'src/cli.ts', ...command],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: dir,
          JARVIS_DATA_DIR: join(dir, name),
          JARVIS_RECORD_LOADS: loads,
          LOG_LEVEL: 'warn',
          PORT: '0',
          AWS_EC2_METADATA_DISABLED: 'true',
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    const serves = command[0] === 'serve';
    try {
      await new Promise<void>((ok, fail) => {
        const timer = setTimeout(
          () => fail(new Error(`jarvis ${command[0]} did not finish: ${out}`)),
          50_000,
        );
        child.stdout.on('data', () => {
          if (!serves || !/Metrics: http:\/\/\S+\/metrics/.test(out)) return;
          clearTimeout(timer);
          ok();
        });
        child.once('exit', (code) => {
          clearTimeout(timer);
          if (serves || code !== 0) fail(new Error(`jarvis ${command[0]} exited (${code}): ${out}`));
          else ok();
        });
      });
      await new Promise((r) => setTimeout(r, idleMs));
    } finally {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    }
    return readFileSync(loads, 'utf8')
      .split('\n')
      .filter((url) => url.startsWith('file:'))
      .map((url) => relative(ROOT, fileURLToPath(url)));
  }

  /** The settings of a run against AWS, the sandbox in this process reached over HTTP. */
  const awsEnv = () => ({
    JARVIS_CONFIG: config,
    AWS_ACCESS_KEY_ID: SANDBOX_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: SANDBOX_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2: sandbox.awsEndpoint,
    AWS_ENDPOINT_URL_EKS: sandbox.awsEndpoint,
    AWS_ENDPOINT_URL_CLOUDWATCH: sandbox.awsEndpoint,
    AWS_ENDPOINT_URL_ECR: sandbox.awsEndpoint,
  });

  const inSandbox = (file: string) => file.startsWith(join('packages', 'sandbox') + sep);

  /** What `jarvis serve` against AWS (the sandbox in this process, reached over HTTP) loaded, once. */
  let againstAws: Promise<string[]> | undefined;
  const loadedAgainstAws = () =>
    (againstAws ??= loadedBy(
      'aws',
      ['serve'],
      awsEnv(),
      // past the reconciler's first passes (every 5 s by default), which read every service's weights
      6_000,
    ));

  it('against AWS loads no module of the sandbox package', { timeout: 60_000 }, async () => {
    // Act
    const loaded = await loadedAgainstAws();

    // Assert
    expect(loaded).toContain(join('src', 'commands', 'serve.ts'));
    expect(loaded).toContain(join('src', 'mode.ts'));
    expect(loaded.filter(inSandbox)).toEqual([]);
  });

  it(
    'loads no client of what is not configured or not yet used: Slack, Claude, PostgreSQL, GitHub, the Kubernetes API',
    { timeout: 60_000 },
    async () => {
      // Arrange: no SLACK_BOT_TOKEN, no ANTHROPIC_API_KEY, the SQLite store, and nobody has asked anything
      const dependency = (name: string) => join('node_modules', ...name.split('/')) + sep;
      const lazy = [
        '@slack/bolt',
        '@slack/web-api',
        '@anthropic-ai/sdk',
        'pg',
        '@octokit/rest',
        '@kubernetes/client-node/dist/gen/models',
        '@kubernetes/client-node/dist/gen/types',
      ];

      // Act
      const loaded = await loadedAgainstAws();

      // Assert: the recorder sees dependencies (the ones every server needs), and none of the others
      expect(
        loaded.some((file) => file.startsWith(dependency('@aws-sdk/client-elastic-load-balancing-v2'))),
      ).toBe(true);
      expect(loaded).toContain(join('src', 'rollout', 'reconciler.ts'));
      expect(loaded.filter((file) => lazy.some((name) => file.startsWith(dependency(name))))).toEqual([]);
      const kube = join('node_modules', '@kubernetes', 'client-node', 'dist');
      expect(loaded).not.toContain(join(kube, 'index.js'));
      expect(loaded).not.toContain(join(kube, 'gen', 'apis', 'CoreV1Api.js'));
    },
  );

  it(
    "starts loading the Kubernetes client when a person's request arrives, before any tool needs it",
    { timeout: 60_000 },
    async () => {
      // Act: a request whose answer needs no Kubernetes call
      const loaded = await loadedBy('ask', ['ask', 'help'], awsEnv());

      // Assert: loaded while the request was planned, as the idle server above did not
      expect(loaded).toContain(join('src', 'platform', 'kube-api.ts'));
      expect(await loadedAgainstAws()).not.toContain(join('src', 'platform', 'kube-api.ts'));
    },
  );

  it(
    'with --sandbox loads the package (the recorder sees it when it is there)',
    { timeout: 60_000 },
    async () => {
      // Act
      const loaded = await loadedBy('sandbox', ['serve', '--sandbox'], {});

      // Assert
      expect(loaded).toContain(join('packages', 'sandbox', 'src', 'index.ts'));
      expect(loaded).toContain(join('packages', 'sandbox', 'src', 'kube', 'server.ts'));
    },
  );
});
