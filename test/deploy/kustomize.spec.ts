import * as fs from 'node:fs';
import * as path from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Service } from 'kubernetes-models/v1/Service';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import { loadConfig } from '@app/config/app.config';
import { kubectlAvailable, renderKustomization, renderWithKubectl, renderWithSubset, type K8sObject } from '../support/kustomize';

const root = path.resolve(__dirname, '../..');
const overlay = (name: string) => path.join(root, 'deploy/k8s/overlays', name);

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'batch/v1/Job': Job,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'v1/ConfigMap': ConfigMap,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'v1/Service': Service,
};

function validate(object: K8sObject): void {
  const Model = MODELS[`${object.apiVersion}/${object.kind}`];
  if (!Model) throw new Error(`no schema known for ${object.apiVersion} ${object.kind}`);
  new Model(object as never).validate();
}

const renders = new Map<string, K8sObject[]>();
function render(name: string): K8sObject[] {
  if (!renders.has(name)) renders.set(name, renderKustomization(overlay(name)).objects);
  return renders.get(name)!;
}
const find = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);
const deploymentOf = (objects: K8sObject[]) => {
  const [deployment] = find(objects, 'Deployment') as unknown as Array<{
    spec: {
      replicas: number;
      strategy?: { type: string };
      selector: { matchLabels: Record<string, string> };
      template: { metadata: { labels: Record<string, string> }; spec: IPodSpec };
    };
  }>;
  return deployment;
};
const mailroomContainer = (spec: IPodSpec): IContainer => spec.containers.find((c) => c.name === 'mailroom')!;
const envValue = (container: IContainer, name: string) => container.env?.find((e) => e.name === name);
const matches = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);

describe.each(['single', 'postgres'])('kustomize overlay %s', (name) => {
  it('renders objects that all validate against the Kubernetes schemas', () => {
    const objects = render(name);
    expect(objects.length).toBeGreaterThanOrEqual(5);
    for (const object of objects) expect(() => validate(object)).not.toThrow();
  });

  it('probes /readyz for readiness, /healthz for liveness and startup, on a declared port', () => {
    const container = mailroomContainer(deploymentOf(render(name)).spec.template.spec);
    const ports = (container.ports ?? []).map((p) => p.name);
    expect(container.readinessProbe?.httpGet?.path).toBe('/readyz');
    expect(container.livenessProbe?.httpGet?.path).toBe('/healthz');
    expect(container.startupProbe?.httpGet?.path).toBe('/healthz');
    for (const probe of [container.readinessProbe, container.livenessProbe, container.startupProbe]) {
      expect(ports).toContain(probe?.httpGet?.port);
    }
    expect(container.resources?.requests?.cpu).toBeDefined();
    expect(container.resources?.requests?.memory).toBeDefined();
    expect(container.resources?.limits?.memory).toBeDefined();
  });

  it('runs non-root with a read-only root filesystem, no privilege escalation and no capabilities', () => {
    const pod = deploymentOf(render(name)).spec.template.spec;
    const container = mailroomContainer(pod);
    expect(pod.securityContext?.runAsNonRoot).toBe(true);
    expect(pod.securityContext?.runAsUser).not.toBe(0);
    expect(container.securityContext?.readOnlyRootFilesystem).toBe(true);
    expect(container.securityContext?.allowPrivilegeEscalation).toBe(false);
    expect(container.securityContext?.capabilities?.drop).toEqual(['ALL']);
    const dockerUser = /^USER\s+(\d+)/m.exec(fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8'))?.[1];
    expect(String(pod.securityContext?.runAsUser)).toBe(dockerUser);
  });

  it('mounts writable volumes at DATA_DIR and /tmp, and the queue/topic ConfigMaps under CONFIG_DIR', () => {
    const objects = render(name);
    const pod = deploymentOf(objects).spec.template.spec;
    const container = mailroomContainer(pod);
    const volumeAt = (mountPath: string) => {
      const mount = container.volumeMounts?.find((m) => m.mountPath === mountPath);
      expect(mount).toBeDefined();
      return { mount: mount!, volume: pod.volumes!.find((v) => v.name === mount!.name)! };
    };
    for (const writable of [envValue(container, 'DATA_DIR')!.value!, '/tmp']) {
      const { mount, volume } = volumeAt(writable);
      expect(mount.readOnly).not.toBe(true);
      expect(volume.emptyDir ?? volume.persistentVolumeClaim).toBeDefined();
    }
    const configDir = envValue(container, 'CONFIG_DIR')!.value!;
    for (const [sub, suffix] of [
      ['queues', '.queue.json'],
      ['topics', '.topic.json'],
    ]) {
      const { volume } = volumeAt(`${configDir}/${sub}`);
      const configMap = find(objects, 'ConfigMap').find((c) => c.metadata.name === volume.configMap?.name) as { data: Record<string, string> } | undefined;
      expect(configMap).toBeDefined();
      const definitions = Object.entries(configMap!.data).filter(([key]) => key.endsWith(suffix));
      expect(definitions.length).toBeGreaterThan(0);
      for (const [key, content] of definitions) expect(JSON.parse(content).name).toBe(key.slice(0, -suffix.length));
    }
  });

  it('gives the pod longer to stop than the drain may take', () => {
    const pod = deploymentOf(render(name)).spec.template.spec;
    const container = mailroomContainer(pod);
    const grace = Number(envValue(container, 'SHUTDOWN_GRACE_SECONDS')?.value);
    const delay = Number(envValue(container, 'SHUTDOWN_DELAY_SECONDS')?.value ?? 0);
    expect(grace).toBeGreaterThan(0);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(delay + grace + 5);
  });

  it('sets only valid settings (loadConfig accepts the literal values)', () => {
    const container = mailroomContainer(deploymentOf(render(name)).spec.template.spec);
    const literal = Object.fromEntries(container.env!.filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
    const fromSecrets = container.env!.some((e) => e.name === 'DATABASE_URL') ? { DATABASE_URL: 'postgres://db/mailroom' } : {};
    const config = loadConfig({ ...literal, ...fromSecrets, AUTH_JWT_SECRET: 'x'.repeat(32) });
    expect(config.production).toBe(true);
    expect(config.dataDir).toBe(literal.DATA_DIR);
    expect(config.configDir).toBe(literal.CONFIG_DIR);
    expect(config.shutdownDelaySeconds).toBe(Number(literal.SHUTDOWN_DELAY_SECONDS));
    expect(() => loadConfig(literal)).toThrow(/AUTH_JWT_SECRET/);
  });

  it('takes secrets only from Secret references, and ships no Secret', () => {
    const objects = render(name);
    expect(find(objects, 'Secret')).toHaveLength(0);
    const container = mailroomContainer(deploymentOf(objects).spec.template.spec);
    const secretish = container.env!.filter((e) => /^(AUTH_|DATABASE_URL$|MAILROOM_SECRET__|METRICS_TOKEN$)/.test(e.name));
    expect(secretish.map((e) => e.name)).toEqual(expect.arrayContaining(['AUTH_JWT_SECRET', 'AUTH_JWKS_URL', 'METRICS_TOKEN']));
    for (const variable of secretish) {
      expect(variable.value).toBeUndefined();
      expect(variable.valueFrom?.secretKeyRef?.name).toBeTruthy();
    }
    const text = JSON.stringify(objects);
    expect(text).not.toMatch(/:\/\/[^/\s"]+:[^@/\s"]+@/);
  });

  it('selects the pods from the Service, PDB and HPA', () => {
    const objects = render(name);
    const deployment = deploymentOf(objects);
    const labels = deployment.spec.template.metadata.labels;
    expect(matches(deployment.spec.selector.matchLabels, labels)).toBe(true);
    const [service] = find(objects, 'Service') as unknown as Array<{ spec: { selector: Record<string, string>; ports: Array<{ targetPort: string }> } }>;
    expect(matches(service.spec.selector, labels)).toBe(true);
    expect(mailroomContainer(deployment.spec.template.spec).ports!.map((p) => p.name)).toContain(service.spec.ports[0].targetPort);
    const [pdb] = find(objects, 'PodDisruptionBudget') as unknown as Array<{ spec: { selector: { matchLabels: Record<string, string> } } }>;
    expect(matches(pdb.spec.selector.matchLabels, labels)).toBe(true);
    for (const hpa of find(objects, 'HorizontalPodAutoscaler') as unknown as Array<{ spec: { scaleTargetRef: { kind: string; name: string } } }>) {
      expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: find(objects, 'Deployment')[0].metadata.name });
    }
  });

  it('exposes the SQS endpoint (container and Service port) with its access keys from an optional Secret mounted as SQS_CREDENTIALS_FILE', () => {
    const objects = render(name);
    const pod = deploymentOf(objects).spec.template.spec;
    const container = mailroomContainer(pod);
    const sqsPort = Number(envValue(container, 'SQS_PORT')?.value);
    expect(container.ports).toContainEqual(expect.objectContaining({ name: 'sqs', containerPort: sqsPort }));
    const [service] = find(objects, 'Service') as unknown as Array<{ spec: { ports: Array<{ name: string; targetPort: string }> } }>;
    expect(service.spec.ports).toContainEqual(expect.objectContaining({ name: 'sqs', targetPort: 'sqs' }));
    const file = envValue(container, 'SQS_CREDENTIALS_FILE')?.value ?? '';
    const mount = container.volumeMounts?.find((m) => path.posix.dirname(file) === m.mountPath);
    expect(mount?.readOnly).toBe(true);
    const secret = pod.volumes?.find((v) => v.name === mount?.name)?.secret;
    expect(secret).toMatchObject({ secretName: 'mailroom-sqs', optional: true });
    expect(secret?.items).toContainEqual(expect.objectContaining({ path: path.posix.basename(file) }));
    // the Secret is optional: without it the file is absent, which the service takes as no keys
    expect(loadConfig({ SQS_PORT: String(sqsPort), SQS_CREDENTIALS_FILE: file }).sqs).toMatchObject({ port: sqsPort, credentials: [] });
  });

  it('the test renderer agrees with kubectl kustomize (compared when kubectl is installed)', () => {
    const key = (o: K8sObject) => `${o.kind}/${o.metadata.name}`;
    const sort = (objects: K8sObject[]) => [...objects].sort((a, b) => key(a).localeCompare(key(b)));
    const subset = sort(renderWithSubset(overlay(name)));
    expect(subset.length).toBeGreaterThanOrEqual(5);
    if (!kubectlAvailable()) {
      console.warn('kubectl is not on PATH: the overlays were rendered with the test renderer only');
      return;
    }
    expect(subset).toEqual(sort(renderWithKubectl(overlay(name))));
  });
});

/** Mebibytes of a Kubernetes quantity such as 640Mi or 1Gi. */
function mebibytes(quantity: string | number | undefined): number {
  const match = /^(\d+)(Mi|Gi)$/.exec(String(quantity));
  if (!match) throw new Error(`unexpected memory quantity ${String(quantity)}`);
  return Number(match[1]) * (match[2] === 'Gi' ? 1024 : 1);
}

/** Every peak RSS (MiB: VmRSS kB / 1024) a committed bench result file records for an engine, in any run or spread. */
function peakRssOf(engine: 'filesystem' | 'postgres'): number {
  const dir = path.join(root, 'bench', 'results');
  const peaks: number[] = [];
  const collect = (value: unknown, key: string | null): void => {
    if (typeof value === 'number' && key === 'peakRssMb') peaks.push(value);
    else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) collect(v, key === 'peakRssMb' ? key : k);
    }
  };
  const walk = (value: unknown): void => {
    if (!value || typeof value !== 'object') return;
    for (const [k, v] of Object.entries(value)) {
      if (k === 'engines' && v && typeof v === 'object' && engine in v) collect((v as Record<string, unknown>)[engine], null);
      else walk(v);
    }
  };
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'latest.json')) {
    walk(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')));
  }
  expect(peaks.length).toBeGreaterThan(3);
  return Math.max(...peaks);
}

describe('memory sizing from the measured peak RSS', () => {
  it.each([
    ['single', 'filesystem'],
    ['postgres', 'postgres'],
  ] as const)('%s: the limit covers the %s peak RSS plus one handler worker at its 512 MiB heap cap, the request the peak', (overlay, engine) => {
    const resources = mailroomContainer(deploymentOf(render(overlay)).spec.template.spec).resources!;
    const peak = peakRssOf(engine);
    expect(mebibytes(resources.limits!.memory as string)).toBeGreaterThanOrEqual(peak + 512);
    expect(mebibytes(resources.requests!.memory as string)).toBeGreaterThanOrEqual(Math.min(peak, 640) * 0.7);
    expect(mebibytes(resources.requests!.memory as string)).toBeLessThan(mebibytes(resources.limits!.memory));
  });
});

describe('handler packages and auth client settings (both overlays)', () => {
  it.each(['single', 'postgres'])(
    '%s: AUTH_CLIENT_SCOPE and AUTH_CLIENT_AUDIENCE come from optional keys of mailroom-auth, like the other AUTH_CLIENT_*',
    (name) => {
      const container = mailroomContainer(deploymentOf(render(name)).spec.template.spec);
      for (const variable of ['AUTH_CLIENT_TOKEN_URL', 'AUTH_CLIENT_ID', 'AUTH_CLIENT_SECRET', 'AUTH_CLIENT_SCOPE', 'AUTH_CLIENT_AUDIENCE']) {
        expect(envValue(container, variable)?.valueFrom?.secretKeyRef).toEqual({ name: 'mailroom-auth', key: variable, optional: true });
      }
    },
  );

  it.each(['single', 'postgres'])('%s: an init container installs handler packages where HANDLER_MODULES_DIR points by default', (name) => {
    const pod = deploymentOf(render(name)).spec.template.spec;
    const container = mailroomContainer(pod);
    const configDir = envValue(container, 'CONFIG_DIR')!.value!;
    const modulesDir = loadConfig({ CONFIG_DIR: configDir }).handlerModulesDir;
    const mount = container.volumeMounts!.find((m) => modulesDir.startsWith(`${m.mountPath}/`))!;
    expect(mount).toMatchObject({ mountPath: `${configDir}/handlers`, readOnly: true });
    expect(pod.volumes!.find((v) => v.name === mount.name)?.emptyDir).toBeDefined();
    const [init] = pod.initContainers!;
    expect(init.image).toBe(container.image);
    expect(init.volumeMounts!.find((m) => m.name === mount.name)?.readOnly).not.toBe(true);
    expect(init.securityContext).toEqual(container.securityContext);
    const packages = pod.volumes!.find((v) => v.name === init.volumeMounts!.find((m) => m.mountPath === '/packages')?.name);
    expect(packages?.configMap).toMatchObject({ name: 'mailroom-handler-packages', optional: true });
    expect(init.command!.join(' ')).toMatch(/npm ci --omit=dev --ignore-scripts/);
  });
});

describe('overlay differences', () => {
  it('single: one replica, Recreate, a PVC for DATA_DIR, no HPA, no DATABASE_URL', () => {
    const objects = render('single');
    const deployment = deploymentOf(objects);
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.strategy?.type).toBe('Recreate');
    expect(find(objects, 'HorizontalPodAutoscaler')).toHaveLength(0);
    const data = deployment.spec.template.spec.volumes!.find((v) => v.name === 'data')!;
    expect(data.emptyDir).toBeUndefined();
    expect(find(objects, 'PersistentVolumeClaim').map((p) => p.metadata.name)).toContain(data.persistentVolumeClaim?.claimName);
    expect(envValue(mailroomContainer(deployment.spec.template.spec), 'DATABASE_URL')).toBeUndefined();
  });

  it('postgres: three replicas, DATABASE_URL from a Secret, an HPA from 3, sql queues only', () => {
    const objects = render('postgres');
    const deployment = deploymentOf(objects);
    expect(deployment.spec.replicas).toBe(3);
    expect(deployment.spec.strategy?.type).toBe('RollingUpdate');
    const databaseUrl = envValue(mailroomContainer(deployment.spec.template.spec), 'DATABASE_URL');
    expect(databaseUrl?.valueFrom?.secretKeyRef).toMatchObject({ name: expect.any(String), key: expect.any(String) });
    expect(databaseUrl?.valueFrom?.secretKeyRef?.optional).not.toBe(true);
    const [hpa] = find(objects, 'HorizontalPodAutoscaler') as unknown as Array<{ spec: { minReplicas: number; maxReplicas: number } }>;
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(3);
    expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
    const queues = find(objects, 'ConfigMap').find((c) => c.metadata.name === 'mailroom-queues') as unknown as { data: Record<string, string> };
    const engines = Object.entries(queues.data)
      .filter(([k]) => k.endsWith('.queue.json'))
      .map(([, v]) => JSON.parse(v).storageEngine);
    expect(engines.length).toBeGreaterThan(0);
    expect(engines.every((e) => e === 'sql')).toBe(true);
    expect(envValue(mailroomContainer(deployment.spec.template.spec), 'STORAGE_ENGINES')?.value).toBe('sql');
  });

  it('postgres allows only sql queues; single allows the filesystem engine and defaults to it', () => {
    const engines = (overlayName: string, secrets: Record<string, string>) => {
      const container = mailroomContainer(deploymentOf(render(overlayName)).spec.template.spec);
      const literal = Object.fromEntries(container.env!.filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
      const config = loadConfig({ ...literal, ...secrets, AUTH_JWT_SECRET: 'x'.repeat(32) });
      return { allowed: config.storageEngines, default: config.defaultStorageEngine };
    };
    expect(engines('postgres', { DATABASE_URL: 'postgres://db/mailroom' })).toEqual({ allowed: ['sql'], default: 'sql' });
    expect(engines('single', {})).toEqual({ allowed: ['filesystem', 'sql'], default: 'filesystem' });
  });

  it('postgres: a migration Job with the same image and DATABASE_URL runs node dist/migrate.js; the Deployment does not migrate', () => {
    const objects = render('postgres');
    const container = mailroomContainer(deploymentOf(objects).spec.template.spec);
    expect(envValue(container, 'MIGRATIONS_RUN')?.value).toBe('false');
    const [job] = find(objects, 'Job') as unknown as Array<{ spec: { backoffLimit: number; template: { spec: IPodSpec } } }>;
    expect(job).toBeDefined();
    const pod = job.spec.template.spec;
    expect(pod.restartPolicy).toBe('Never');
    const [migrate] = pod.containers;
    expect(migrate.image).toBe(container.image);
    expect(migrate.command).toEqual(['node', 'dist/migrate.js']);
    expect(envValue(migrate, 'DATABASE_URL')?.valueFrom).toEqual(envValue(container, 'DATABASE_URL')?.valueFrom);
    expect(migrate.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, runAsNonRoot: true });
    expect(pod.securityContext?.runAsNonRoot).toBe(true);
    // dist/migrate.js is what nest build makes of src/migrate.ts (tsconfig.build.json compiles src/, minus specs)
    expect(fs.existsSync(path.join(root, 'src/migrate.ts'))).toBe(true);
    expect(fs.readFileSync(path.join(root, 'src/migrate.ts'), 'utf8')).toMatch(/require\.main === module/);
    expect(find(render('single'), 'Job')).toHaveLength(0);
  });

  it('the schema validation catches a wrongly typed or missing field', () => {
    const deployment = structuredClone(find(render('single'), 'Deployment')[0]) as K8sObject & {
      spec: { replicas: unknown; template: { spec: { containers: Array<Record<string, unknown>> } } };
    };
    deployment.spec.replicas = 'three';
    expect(() => validate(deployment)).toThrow();
    const nameless = structuredClone(find(render('single'), 'Deployment')[0]) as typeof deployment;
    delete nameless.spec.template.spec.containers[0].name;
    expect(() => validate(nameless)).toThrow();
  });
});
