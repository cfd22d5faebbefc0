import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';

/**
 * Renders a kustomization for tests: with `kubectl kustomize` when kubectl is on PATH, else with
 * the small subset of kustomize that deploy/k8s uses (resources, configMapGenerator with
 * disableNameSuffixHash, strategic-merge patches from files). Anything outside the subset throws,
 * so the fallback can never silently differ from kustomize.
 */
export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; [key: string]: unknown }; [key: string]: unknown };
type Json = Record<string, unknown>;

const SUPPORTED = new Set(['apiVersion', 'kind', 'resources', 'patches', 'configMapGenerator', 'generatorOptions']);
/** merge keys of the lists deploy/k8s patches (from the Kubernetes OpenAPI patch metadata) */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  volumes: 'name',
  env: 'name',
  volumeMounts: 'mountPath',
  ports: 'containerPort',
};

export function kubectlAvailable(): boolean {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

export function renderWithKubectl(dir: string): K8sObject[] {
  const out = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', timeout: 30_000 });
  return parseAllDocuments(out)
    .map((d) => d.toJS() as K8sObject)
    .filter(Boolean);
}

function readYaml(file: string): unknown[] {
  return parseAllDocuments(fs.readFileSync(file, 'utf8'))
    .map((d) => {
      if (d.errors.length) throw new Error(`${file}: ${d.errors[0].message}`);
      return d.toJS();
    })
    .filter((d) => d !== null && d !== undefined);
}

function kustomizationFile(dir: string): string {
  for (const name of ['kustomization.yaml', 'kustomization.yml', 'Kustomization']) {
    if (fs.existsSync(path.join(dir, name))) return path.join(dir, name);
  }
  throw new Error(`no kustomization in ${dir}`);
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Strategic merge patch: maps merge, null deletes, lists with a merge key merge by it, other lists are replaced. */
export function strategicMerge(target: unknown, patch: unknown, field = ''): unknown {
  if (Array.isArray(patch)) {
    const key = MERGE_KEYS[field];
    if (!key || !Array.isArray(target)) return patch.map((p) => strategicMerge(undefined, p));
    const out = [...target];
    const added: unknown[] = [];
    for (const item of patch as Json[]) {
      const index = out.findIndex((t) => isObject(t) && t[key] === item[key]);
      if (item.$patch === 'delete') {
        if (index >= 0) out.splice(index, 1);
      } else if (index >= 0) out[index] = strategicMerge(out[index], item);
      else added.push(strategicMerge(undefined, item));
    }
    // kustomize puts the patch's new items first
    return [...added, ...out];
  }
  if (!isObject(patch)) return patch;
  const out: Json = isObject(target) ? { ...target } : {};
  for (const [name, value] of Object.entries(patch)) {
    if (name.startsWith('$')) throw new Error(`unsupported patch directive ${name}`);
    if (value === null) delete out[name];
    else out[name] = strategicMerge(out[name], value, name);
  }
  return out;
}

function sameObject(a: K8sObject, b: { kind?: unknown; metadata?: { name?: unknown } }): boolean {
  return a.kind === b.kind && a.metadata.name === b.metadata?.name;
}

export function renderWithSubset(dir: string): K8sObject[] {
  const kustomization = readYaml(kustomizationFile(dir))[0] as Json;
  for (const key of Object.keys(kustomization)) {
    if (!SUPPORTED.has(key)) throw new Error(`${dir}: kustomization field "${key}" is not supported by the test renderer`);
  }
  let objects: K8sObject[] = [];
  for (const resource of (kustomization.resources ?? []) as string[]) {
    const full = path.join(dir, resource);
    objects.push(...(fs.statSync(full).isDirectory() ? renderWithSubset(full) : (readYaml(full) as K8sObject[])));
  }

  const options = (kustomization.generatorOptions ?? {}) as { disableNameSuffixHash?: boolean; labels?: Record<string, string> };
  for (const generator of (kustomization.configMapGenerator ?? []) as Array<{ name: string; behavior?: string; files?: string[] }>) {
    const data: Record<string, string> = {};
    for (const file of generator.files ?? []) {
      const [key, source] = file.includes('=') ? file.split('=') : [path.basename(file), file];
      data[key] = fs.readFileSync(path.join(dir, source), 'utf8');
    }
    const behavior = generator.behavior ?? 'create';
    const existing = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === generator.name);
    if (behavior === 'create') {
      if (!options.disableNameSuffixHash) throw new Error('the test renderer needs generatorOptions.disableNameSuffixHash');
      if (existing) throw new Error(`ConfigMap ${generator.name} already exists`);
      objects.push({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: generator.name, ...(options.labels ? { labels: options.labels } : {}) },
        data,
      });
    } else if (existing && (behavior === 'merge' || behavior === 'replace')) {
      // like kustomize, the ConfigMap keeps the name and labels of the generator it replaces
      existing.data = behavior === 'merge' ? { ...(existing.data as Json), ...data } : data;
    } else {
      throw new Error(`ConfigMap ${generator.name}: behavior ${behavior} needs an existing ConfigMap`);
    }
  }

  for (const entry of (kustomization.patches ?? []) as Array<{ path?: string }>) {
    if (!entry.path || Object.keys(entry).length !== 1) throw new Error('the test renderer supports patches from files only');
    for (const patch of readYaml(path.join(dir, entry.path)) as Json[]) {
      const { $patch: directive, ...rest } = patch;
      const index = objects.findIndex((o) => sameObject(o, rest));
      if (index < 0) throw new Error(`patch ${entry.path}: no ${String(rest.kind)} to patch`);
      if (directive === 'delete') objects = objects.filter((_, i) => i !== index);
      else if (directive === undefined) objects[index] = strategicMerge(objects[index], rest) as K8sObject;
      else throw new Error(`unsupported $patch: ${String(directive)}`);
    }
  }
  return objects;
}

/** kubectl kustomize when available, else the subset renderer. */
export function renderKustomization(dir: string): { objects: K8sObject[]; renderer: 'kubectl' | 'subset' } {
  return kubectlAvailable() ? { objects: renderWithKubectl(dir), renderer: 'kubectl' } : { objects: renderWithSubset(dir), renderer: 'subset' };
}
