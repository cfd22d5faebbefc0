import * as fs from 'node:fs';
import * as path from 'node:path';
import { DockerfileParser, type Arg, type Copy, type Instruction, type JSONInstruction } from 'dockerfile-ast';
import { loadConfig } from '@app/config/app.config';

const root = path.resolve(__dirname, '../..');
const dockerfile = DockerfileParser.parse(fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8'));

interface Stage {
  name: string | null;
  instructions: Instruction[];
}

function stages(): Stage[] {
  const out: Stage[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    if (instruction.getKeyword() === 'FROM') {
      const stageName = dockerfile
        .getFROMs()
        .find((f) => f.getRange().start.line === instruction.getRange().start.line)
        ?.getBuildStage();
      out.push({ name: stageName ?? null, instructions: [] });
    } else if (out.length) {
      out[out.length - 1].instructions.push(instruction);
    }
  }
  return out;
}

const all = stages();
const runtime = all[all.length - 1];
const of = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.getKeyword() === keyword);
const text = (i: Instruction) => i.getArgumentsContent() ?? '';
const json = (i: Instruction) => (i as JSONInstruction).getJSONStrings().map((s) => s.getJSONValue());

/** ENV instructions of a stage as a map (both `ENV A=b C=d` and `ENV A b`). */
function envOf(stage: Stage): Map<string, string> {
  const env = new Map<string, string>();
  for (const instruction of of(stage, 'ENV')) {
    const args = instruction.getArguments().map((a) => a.getValue());
    if (args.length === 2 && !args[0].includes('=')) env.set(args[0], args[1]);
    else for (const pair of args) env.set(pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1));
  }
  return env;
}

describe('Dockerfile', () => {
  it('parses without problems and is multi-stage', () => {
    expect(all.length).toBeGreaterThanOrEqual(2);
    expect(all.every((s) => s.name)).toBe(true);
  });

  it('builds and runs every stage on the Node major of .nvmrc, one the engines field accepts', () => {
    const args = new Map<string, string>();
    for (const instruction of dockerfile.getInstructions()) {
      if (instruction.getKeyword() === 'FROM') break;
      const property = instruction.getKeyword() === 'ARG' ? (instruction as Arg).getProperty() : null;
      if (property?.getValue()) args.set(property.getName(), property.getValue()!);
    }
    const images = dockerfile.getFROMs().map((from) => (from.getImage() ?? '').replace(/^\$\{(\w+)\}$/, (_, name: string) => args.get(name) ?? ''));
    const nvmrc = fs.readFileSync(path.join(root, '.nvmrc'), 'utf8').trim();
    expect(nvmrc).toMatch(/^\d+$/);
    for (const image of images) expect(image).toBe(`node:${nvmrc}-bookworm-slim`);
    const engines = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).engines.node as string;
    expect(engines).toMatch(new RegExp(`^>=${nvmrc}(\\.\\d+){0,2}$`));
  });

  it('builds with dev dependencies in an earlier stage', () => {
    const builder = all.slice(0, -1).find((s) => of(s, 'RUN').some((r) => /npm run build/.test(text(r))));
    expect(builder).toBeDefined();
    expect(of(builder!, 'RUN').some((r) => /npm ci(?![^&]*--omit=dev)/.test(text(r)))).toBe(true);
  });

  it('runs with production dependencies only, copied from an `npm ci --omit=dev` stage', () => {
    const copies = of(runtime, 'COPY') as Copy[];
    const modules = copies.filter((c) => c.getArguments().some((a) => /node_modules/.test(a.getValue())));
    expect(modules).toHaveLength(1);
    const from = modules[0].getFromFlag()?.getValue();
    const source = all.find((s) => s.name === from);
    expect(source).toBeDefined();
    expect(of(source!, 'RUN').some((r) => /npm ci\b[^&]*--omit=dev/.test(text(r)))).toBe(true);
    expect(of(source!, 'RUN').some((r) => /npm run build/.test(text(r)))).toBe(false);
  });

  it('sets NODE_ENV=production in the runtime stage', () => {
    expect(envOf(runtime).get('NODE_ENV')).toBe('production');
  });

  it('exposes the REST port and the SQS endpoint port it sets', () => {
    const env = envOf(runtime);
    const exposed = of(runtime, 'EXPOSE').flatMap((e) => e.getArguments().map((a) => a.getValue()));
    expect(exposed).toEqual(expect.arrayContaining([env.get('PORT'), env.get('SQS_PORT')]));
    expect(loadConfig({ SQS_PORT: env.get('SQS_PORT') }).sqs.port).toBe(Number(env.get('SQS_PORT')));
  });

  it('runs as a non-root user', () => {
    const users = of(runtime, 'USER');
    expect(users.length).toBeGreaterThan(0);
    const user = text(users[users.length - 1]).split(':')[0];
    expect(['root', '0', '']).not.toContain(user);
    const lastUserLine = users[users.length - 1].getRange().start.line;
    expect(of(runtime, 'CMD')[0].getRange().start.line).toBeGreaterThan(lastUserLine);
  });

  it('starts node dist/main.js in exec form so SIGTERM reaches Node', () => {
    const [cmd] = of(runtime, 'CMD');
    const entrypoint = of(runtime, 'ENTRYPOINT')[0];
    const argv = [...(entrypoint ? json(entrypoint) : []), ...json(cmd)];
    expect(json(cmd).length).toBeGreaterThan(0);
    if (entrypoint) {
      expect(json(entrypoint).length).toBeGreaterThan(0);
      expect(argv[0]).toMatch(/(^|\/)(tini|dumb-init)$/);
    }
    expect(argv.slice(-2)).toEqual(['node', 'dist/main.js']);
  });

  it('has a HEALTHCHECK on /healthz with node (no curl needed)', () => {
    const [healthcheck] = of(runtime, 'HEALTHCHECK');
    expect(healthcheck).toBeDefined();
    const content = text(healthcheck);
    expect(content).toMatch(/CMD\s+\[\s*"node"/);
    expect(content).toContain('/healthz');
    expect(content).not.toMatch(/\b(curl|wget)\b/);
  });

  it('copies config/ and declares DATA_DIR as a volume', () => {
    const copies = of(runtime, 'COPY') as Copy[];
    expect(copies.some((c) => !c.getFromFlag() && c.getArguments()[0]?.getValue() === 'config')).toBe(true);
    const dataDir = envOf(runtime).get('DATA_DIR');
    expect(dataDir).toMatch(/^\//);
    const volumes = of(runtime, 'VOLUME').flatMap((v) => json(v));
    expect(volumes).toContain(dataDir);
  });

  it('bakes in no secrets', () => {
    const secretish = /SECRET|PASSWORD|TOKEN|DATABASE_URL|PRIVATE|API_KEY/i;
    for (const stage of all) {
      for (const [key] of envOf(stage)) expect(key).not.toMatch(secretish);
      for (const arg of of(stage, 'ARG')) expect(text(arg)).not.toMatch(secretish);
      for (const copy of of(stage, 'COPY').concat(of(stage, 'ADD'))) {
        expect(text(copy)).not.toMatch(/\.env\b|\bdata\b|\.pem\b|dev-jwt-secret/);
      }
    }
    const ignore = fs
      .readFileSync(path.join(root, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim());
    for (const entry of ['**/node_modules', 'data', '.git', '**/.env', '**/.env.*']) expect(ignore).toContain(entry);
  });
});
