import * as fs from 'node:fs';
import * as path from 'node:path';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { startTestApp, type TestApp } from '../support/app';
import { waitFor } from '../support/time';
import { kubectlAvailable, renderKustomization, renderWithKubectl, renderWithSubset, type K8sObject } from '../support/kustomize';

const root = path.resolve(__dirname, '../..');
const monitoring = path.join(root, 'deploy/k8s/monitoring');

type Rule = { alert: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
type Dashboard = {
  uid: string;
  title: string;
  panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
  templating: { list: Array<{ query?: unknown }> };
};

const objects = renderKustomization(monitoring).objects;
const one = <T>(kind: string) => objects.find((o) => o.kind === kind) as unknown as T & K8sObject;
const rule = one<{ spec: { groups: Array<{ name: string; rules: Rule[] }> } }>('PrometheusRule');
const monitor = one<{ spec: { selector: { matchLabels: Record<string, string> }; endpoints: Array<{ port: string; path: string }> } }>('ServiceMonitor');
const dashboardMap = objects.find((o) => o.kind === 'ConfigMap') as unknown as K8sObject & {
  metadata: { labels: Record<string, string> };
  data: Record<string, string>;
};
const dashboard = JSON.parse(dashboardMap.data['mailroom.json']) as Dashboard;
const rules = rule.spec.groups.flatMap((g) => g.rules);

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan', 'e']);

/** Metric names a PromQL expression reads: identifiers left once strings, label matchers, groupings, functions and durations are removed. */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\$\w+/g, ' ');
  const names = [...stripped.matchAll(/(?<![\w.])[A-Za-z_:][\w:]*/g)].filter((m) => !/^\s*\(/.test(stripped.slice(m.index + m[0].length))).map((m) => m[0]);
  return [...new Set(names.filter((n) => !KEYWORDS.has(n.toLowerCase())))];
}

/** Series the running service exposes: its samples, and every family it declares (a counter nobody incremented yet has no sample). */
function exposedNames(exposition: string): { samples: Set<string>; all: Set<string> } {
  const lines = exposition.split('\n');
  const samples = new Set(lines.filter((l) => l && !l.startsWith('#')).map((l) => l.split(/[{ ]/)[0]));
  const all = new Set(samples);
  for (const [, name, type] of lines.map((l) => /^# TYPE (\S+) (\w+)$/.exec(l)).filter((m): m is RegExpExecArray => m !== null)) {
    if (type === 'histogram') for (const suffix of ['_bucket', '_count', '_sum']) all.add(name + suffix);
    else all.add(name);
  }
  return { samples, all };
}

describe('deploy/k8s/monitoring', () => {
  let t: TestApp;
  let exposed: { samples: Set<string>; all: Set<string> };

  beforeAll(async () => {
    // a handler queue with a dead-letter queue: one message completes, one fails into the DLQ, one is received and acked
    t = await startTestApp({
      files: {
        'queues/work.queue.json': { name: 'work', roles: { needsRole: false }, delivery: { maxAttempts: 1, deadLetterQueue: 'work-dlq' } },
        'queues/work.queue.js': 'module.exports = async (request) => { if (request.fail) throw new Error("failed on purpose"); return { ok: true }; };',
        'queues/work-dlq.queue.json': { name: 'work-dlq', roles: { needsRole: false } },
        'queues/pulled.queue.json': { name: 'pulled', roles: { needsRole: false } },
      },
    });
    const auth = `Bearer ${await t.token('alice', ['system_admin'])}`;
    const ids = [];
    for (const body of [{ fail: false }, { fail: true }])
      ids.push((await t.http.post('/api/v1/queues/work/messages').set('Authorization', auth).send(body).expect(201)).body.id);
    for (const id of ids) {
      await waitFor(
        async () => ['COMPLETE', 'ERROR'].includes((await t.http.get(`/api/v1/queues/work/messages/${id}`).set('Authorization', auth)).body.status),
        10_000,
      );
    }
    await t.http.post('/api/v1/queues/pulled/messages').set('Authorization', auth).send({ n: 1 }).expect(201);
    const received = await t.http.post('/api/v1/queues/pulled/messages/receive').set('Authorization', auth).send({ maxMessages: 1 });
    const [message] = received.body.messages ?? [];
    if (message)
      await t.http
        .post(`/api/v1/queues/pulled/messages/${message.id}/ack`)
        .set('Authorization', auth)
        .send({ receipt: message.receipt, outcome: 'complete' })
        .expect(200);
    exposed = await waitFor(async () => {
      const names = exposedNames((await t.http.get('/metrics').expect(200)).text);
      return names.samples.has('mailroom_messages_dead_lettered_total') && names.samples.has('mailroom_handler_duration_seconds_count') ? names : null;
    }, 10_000);
  });
  afterAll(() => t.close());

  it('renders a ServiceMonitor, a PrometheusRule and a dashboard ConfigMap that validate', () => {
    expect(objects.map((o) => `${o.apiVersion}/${o.kind}`).sort()).toEqual([
      'monitoring.coreos.com/v1/PrometheusRule',
      'monitoring.coreos.com/v1/ServiceMonitor',
      'v1/ConfigMap',
    ]);
    new ServiceMonitor(monitor).validate();
    new PrometheusRule(rule).validate();
    new ConfigMap(dashboardMap).validate();
    expect(dashboardMap.metadata.labels.grafana_dashboard).toBe('1');
    if (kubectlAvailable()) {
      const key = (o: K8sObject) => `${o.kind}/${o.metadata.name}`;
      const sort = (list: K8sObject[]) => [...list].sort((a, b) => key(a).localeCompare(key(b)));
      expect(sort(renderWithSubset(monitoring))).toEqual(sort(renderWithKubectl(monitoring)));
    }
  });

  it('the ServiceMonitor selects the Service of both overlays and scrapes its /metrics port', () => {
    for (const overlay of ['single', 'postgres']) {
      const rendered = renderKustomization(path.join(root, 'deploy/k8s/overlays', overlay)).objects;
      const service = rendered.find((o) => o.kind === 'Service') as unknown as {
        metadata: { labels: Record<string, string> };
        spec: { ports: Array<{ name: string }> };
      };
      for (const [key, value] of Object.entries(monitor.spec.selector.matchLabels)) expect(service.metadata.labels[key]).toBe(value);
      const deployment = rendered.find((o) => o.kind === 'Deployment') as unknown as {
        spec: {
          template: {
            spec: { containers: Array<{ name: string; env: Array<{ name: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }> }> };
          };
        };
      };
      const token = deployment.spec.template.spec.containers.find((c) => c.name === 'mailroom')!.env.find((e) => e.name === 'METRICS_TOKEN')!.valueFrom!
        .secretKeyRef!;
      for (const endpoint of monitor.spec.endpoints as Array<{ port: string; path: string; authorization?: { credentials: { name: string; key: string } } }>) {
        expect(service.spec.ports.map((p) => p.name)).toContain(endpoint.port);
        expect(endpoint.path).toBe('/metrics');
        // the scrape sends the token the pods require
        expect(endpoint.authorization?.credentials).toMatchObject({ name: token.name, key: token.key });
      }
    }
  });

  it('alerts on oldest pending age, dead-letter growth, handler error rate and storage down', () => {
    const reads = (metric: string) => rules.filter((r) => metricNames(r.expr).includes(metric));
    expect(reads('mailroom_queue_oldest_pending_age_seconds')).not.toHaveLength(0);
    expect(reads('mailroom_messages_dead_lettered_total')).not.toHaveLength(0);
    expect(reads('mailroom_handler_duration_seconds_count')).not.toHaveLength(0);
    expect(reads('mailroom_queue_storage_up')).not.toHaveLength(0);
    for (const r of rules) {
      expect(r.labels?.severity).toMatch(/^(warning|critical)$/);
      expect(r.annotations?.summary).toBeTruthy();
      if (r.for) expect(r.for).toMatch(/^\d+[smh]$/);
    }
  });

  it('the alert expressions and dashboard queries name only metrics the running service exports', () => {
    const expressions = [
      ...rules.map((r) => ({ where: `alert ${r.alert}`, expr: r.expr })),
      ...dashboard.panels.flatMap((p) => p.targets.map((target) => ({ where: `panel ${p.title}`, expr: target.expr }))),
      ...dashboard.templating.list.flatMap((v) =>
        typeof v.query === 'object' && v.query
          ? [{ where: 'variable', expr: String((v.query as { query: string }).query).replace(/^label_values\((.*),\s*\w+\)$/, '$1') }]
          : [],
      ),
    ];
    expect(expressions.length).toBeGreaterThanOrEqual(20);
    const unknown = expressions.flatMap(({ where, expr }) => {
      const names = metricNames(expr);
      expect(names.length).toBeGreaterThan(0);
      return names.filter((n) => !exposed.all.has(n)).map((n) => `${where}: ${n}`);
    });
    expect(unknown).toEqual([]);
    // the alerts' metrics have real series after one pass of traffic, not just declarations
    const alerted = new Set(rules.flatMap((r) => metricNames(r.expr)));
    expect([...alerted].filter((n) => !exposed.samples.has(n))).toEqual([]);
  });

  it('the metric-name extraction sees through functions, groupings, matchers and ranges', () => {
    expect(metricNames('histogram_quantile(0.95, sum by (queue, le) (rate(a_bucket{queue=~"x|y", b!="c"}[5m]))) / on (queue) b_total > bool 0.5')).toEqual([
      'a_bucket',
      'b_total',
    ]);
    expect(metricNames('max by (namespace, queue) (made_up_metric) > 900')).toEqual(['made_up_metric']);
  });

  it('ships the dashboard as plain JSON too, identical to the ConfigMap', () => {
    const file = JSON.parse(fs.readFileSync(path.join(monitoring, 'dashboards/mailroom.json'), 'utf8')) as Dashboard;
    expect(file).toEqual(dashboard);
    expect(file.uid).toBeTruthy();
    expect(file.panels.every((p) => p.targets.length > 0)).toBe(true);
  });
});
