// Tests over the manifests charts/email-relay renders (node --test; run by scripts/chart-check.sh).
// HELM names the helm binary (default: helm from PATH).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, mkdtempSync, cpSync, writeFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments, parse } from "yaml";

const here = path.dirname(fileURLToPath(import.meta.url));
const chart = path.resolve(here, "../../charts/email-relay");
const helm = process.env.HELM || "helm";
const allFeatures = path.join(chart, "ci/all-features-values.yaml");
const existingSecrets = path.join(chart, "ci/existing-secrets-values.yaml");
const appVersion = parse(readFileSync(path.join(chart, "Chart.yaml"), "utf8")).appVersion;

function helmTemplate(args) {
  const r = spawnSync(helm, ["template", "rel", chart, "--namespace", "mail", ...args], { encoding: "utf8" });
  return r;
}
function render(...args) {
  const r = helmTemplate(args);
  assert.equal(r.status, 0, `helm template ${args.join(" ")} failed:\n${r.stderr}`);
  return parseAllDocuments(r.stdout).map((d) => d.toJS()).filter(Boolean);
}
const renders = {
  defaults: render(),
  "all features": render("-f", allFeatures),
  "existing secrets": render("-f", existingSecrets),
};
const find = (objs, kind, suffix) => objs.filter((o) => o.kind === kind && (!suffix || o.metadata.name.endsWith(suffix)));
const one = (objs, kind, suffix) => {
  const found = find(objs, kind, suffix);
  assert.equal(found.length, 1, `expected one ${kind} *${suffix ?? ""}, found ${found.length}`);
  return found[0];
};
/** Every pod spec the chart makes: Deployments, the migration Job, the test Pod. */
function podSpecs(objs) {
  const out = [];
  for (const o of objs) {
    if (o.kind === "Deployment" || o.kind === "Job") out.push([`${o.kind}/${o.metadata.name}`, o.spec.template.spec, o.spec.template.metadata]);
    if (o.kind === "Pod") out.push([`Pod/${o.metadata.name}`, o.spec, o.metadata]);
  }
  return out;
}
const containers = (spec) => [...(spec.initContainers ?? []), ...spec.containers];
const seconds = (ts) => { const [h, m, s] = ts.split(":").map(Number); return h * 3600 + m * 60 + s; };

for (const [name, objs] of Object.entries(renders)) {
  test(`${name}: every pod and container runs non-root, read-only, without privilege escalation or capabilities`, () => {
    const pods = podSpecs(objs);
    assert.equal(pods.length, 5, "3 Deployments, the migration Job and the test Pod");
    for (const [id, spec] of pods) {
      const psc = spec.securityContext ?? {};
      assert.equal(psc.runAsNonRoot, true, `${id}: pod runAsNonRoot`);
      assert.equal(psc.runAsUser, 10001, `${id}: pod runAsUser`);
      assert.equal(psc.seccompProfile?.type, "RuntimeDefault", `${id}: pod seccompProfile`);
      assert.equal(spec.automountServiceAccountToken, false, `${id}: no API token`);
      for (const c of containers(spec)) {
        const sc = c.securityContext ?? {};
        const cid = `${id} container ${c.name}`;
        assert.equal(sc.runAsNonRoot, true, `${cid}: runAsNonRoot`);
        assert.equal(sc.runAsUser ?? psc.runAsUser, 10001, `${cid}: runAsUser`);
        assert.notEqual(sc.runAsUser ?? psc.runAsUser, 0, `${cid}: root`);
        assert.equal(sc.readOnlyRootFilesystem, true, `${cid}: readOnlyRootFilesystem`);
        assert.equal(sc.allowPrivilegeEscalation, false, `${cid}: allowPrivilegeEscalation`);
        assert.notEqual(sc.privileged, true, `${cid}: privileged`);
        assert.deepEqual(sc.capabilities?.drop, ["ALL"], `${cid}: capabilities.drop`);
        assert.equal(sc.capabilities?.add, undefined, `${cid}: capabilities.add`);
        assert.equal(sc.seccompProfile?.type, "RuntimeDefault", `${cid}: seccompProfile`);
        const tmp = (c.volumeMounts ?? []).find((m) => m.mountPath === "/tmp");
        assert.ok(tmp, `${cid}: /tmp is mounted`);
        assert.ok(spec.volumes.find((v) => v.name === tmp.name)?.emptyDir, `${cid}: /tmp is an emptyDir`);
      }
    }
  });

  test(`${name}: images are pinned by tag, never latest`, () => {
    for (const [id, spec] of podSpecs(objs)) {
      for (const c of containers(spec)) {
        const m = /^(.+?)(?::([^:/@]+))?(@sha256:[0-9a-f]{64})?$/.exec(c.image);
        assert.ok(m && (m[2] || m[3]), `${id}: image ${c.image} has no tag`);
        assert.notEqual(m[2], "latest", `${id}: image ${c.image}`);
      }
    }
  });

  test(`${name}: services have resources and startup, liveness and readiness probes on the health endpoints`, () => {
    for (const component of ["api", "sender", "tracking"]) {
      const d = one(objs, "Deployment", `-${component}`);
      const [c] = d.spec.template.spec.containers;
      assert.equal(c.startupProbe?.httpGet?.path, "/health/live", `${component}: startupProbe`);
      assert.equal(c.livenessProbe?.httpGet?.path, "/health/live", `${component}: livenessProbe`);
      assert.equal(c.readinessProbe?.httpGet?.path, "/health/ready", `${component}: readinessProbe`);
      for (const p of ["startupProbe", "livenessProbe", "readinessProbe"]) {
        const port = c[p].httpGet.port;
        assert.ok(c.ports.some((cp) => cp.name === port || cp.containerPort === port), `${component}: ${p} port ${port} is a container port`);
      }
      assert.ok(c.resources?.requests?.cpu && c.resources?.requests?.memory, `${component}: requests`);
      assert.ok(c.resources?.limits?.memory, `${component}: memory limit`);
      const ann = d.spec.template.metadata.annotations ?? {};
      assert.match(ann["checksum/config"] ?? "", /^[0-9a-f]{64}$/, `${component}: checksum/config`);
      assert.match(ann["checksum/secret"] ?? "", /^[0-9a-f]{64}$/, `${component}: checksum/secret`);
      assert.ok(find(objs, "PodDisruptionBudget", `-${component}`).length === 1, `${component}: PodDisruptionBudget`);
    }
  });

  test(`${name}: no secret is a plain env value or in a ConfigMap`, () => {
    const sensitive = /(password|secret|key|connectionstring|token|username)/i;
    for (const [id, spec] of podSpecs(objs)) {
      for (const c of containers(spec)) {
        for (const e of c.env ?? []) {
          if (!sensitive.test(e.name)) continue;
          if (/Path$/.test(e.name)) {
            // A file path (Submission__KeyPath): the file must come from a mounted Secret.
            const mount = (c.volumeMounts ?? []).find((m) => e.value?.startsWith(m.mountPath + "/"));
            assert.ok(mount && spec.volumes.find((v) => v.name === mount.name)?.secret, `${id}: env ${e.name} points into a mounted Secret`);
            continue;
          }
          assert.equal(e.value, undefined, `${id}: env ${e.name} has a literal value`);
          assert.ok(e.valueFrom?.secretKeyRef?.name && e.valueFrom.secretKeyRef.key, `${id}: env ${e.name} must come from a secretKeyRef`);
        }
        for (const src of c.envFrom ?? []) {
          assert.equal(src.secretRef, undefined, `${id}: envFrom a whole Secret`);
          const cm = objs.find((o) => o.kind === "ConfigMap" && o.metadata.name === src.configMapRef?.name);
          assert.ok(cm, `${id}: envFrom ConfigMap ${src.configMapRef?.name} is rendered`);
          for (const k of Object.keys(cm.data ?? {})) assert.doesNotMatch(k, /(password|secret|bootstrapkey|masterkey|connectionstrings__|username)/i, `ConfigMap ${cm.metadata.name}: ${k}`);
        }
      }
    }
  });

  test(`${name}: the migration runs as a pre-install,pre-upgrade hook Job with the api image`, () => {
    const job = one(objs, "Job");
    const a = job.metadata.annotations ?? {};
    assert.deepEqual(a["helm.sh/hook"].split(",").sort(), ["pre-install", "pre-upgrade"]);
    assert.match(a["helm.sh/hook-delete-policy"] ?? "", /before-hook-creation/);
    assert.ok(Number.isInteger(job.spec.backoffLimit), "backoffLimit");
    assert.ok(job.spec.activeDeadlineSeconds > 0, "activeDeadlineSeconds");
    const [c] = job.spec.template.spec.containers;
    assert.deepEqual(c.args, ["migrate"]);
    const api = one(objs, "Deployment", "-api").spec.template.spec.containers[0];
    assert.equal(c.image, api.image, "the migration runs the api image");
    const ref = c.env.find((e) => e.name === "ConnectionStrings__Postgres").valueFrom.secretKeyRef;
    // It runs before the release's own objects exist: its Secret must be a hook made before it, or an existing one.
    const hookSecret = objs.find((o) => o.kind === "Secret" && o.metadata.name === ref.name);
    if (hookSecret) {
      const sa = hookSecret.metadata.annotations ?? {};
      assert.match(sa["helm.sh/hook"] ?? "", /pre-install/, "the migration's Secret is a pre-install hook");
      assert.match(sa["helm.sh/hook"] ?? "", /pre-upgrade/, "the migration's Secret is a pre-upgrade hook");
      assert.ok(Number(sa["helm.sh/hook-weight"]) < Number(a["helm.sh/hook-weight"] ?? 0), "the Secret is made before the Job");
      assert.ok(hookSecret.data[ref.key], "the key exists");
    }
  });

  test(`${name}: the sender's termination grace outlasts its shutdown (grace + command timeout + 10 s)`, () => {
    const cm = one(objs, "ConfigMap", "email-relay");
    const need = seconds(cm.data.Sender__ShutdownGrace) + seconds(cm.data.Delivery__Smarthost__CommandTimeout) + 10;
    const grace = one(objs, "Deployment", "-sender").spec.template.spec.terminationGracePeriodSeconds;
    assert.ok(grace > need, `terminationGracePeriodSeconds ${grace} must exceed ${need}`);
    for (const c of ["api", "tracking"]) assert.ok(one(objs, "Deployment", `-${c}`).spec.template.spec.terminationGracePeriodSeconds >= 30, c);
  });

  test(`${name}: the helm test Pod sends through the API Service with the bootstrap key from a Secret`, () => {
    const pod = one(objs, "Pod");
    assert.equal(pod.metadata.annotations["helm.sh/hook"], "test");
    const env = Object.fromEntries(pod.spec.containers[0].env.map((e) => [e.name, e]));
    const svc = one(objs, "Service", "-api");
    assert.equal(env.API.value, `http://${svc.metadata.name}:${svc.spec.ports[0].port}`);
    assert.ok(env.BOOTSTRAP_KEY.valueFrom.secretKeyRef);
    const script = pod.spec.containers[0].args.join("\n");
    assert.match(script, /\/v1\/emails"/);
    assert.match(script, /\/v1\/emails\/\$id/);
  });
}

test("defaults: HPAs for api and sender, no KEDA, replicas left to the HPAs", () => {
  const objs = renders.defaults;
  assert.equal(find(objs, "HorizontalPodAutoscaler").length, 2);
  one(objs, "HorizontalPodAutoscaler", "-api");
  one(objs, "HorizontalPodAutoscaler", "-sender");
  assert.equal(find(objs, "ScaledObject").length, 0);
  assert.equal(one(objs, "Deployment", "-api").spec.replicas, undefined);
  assert.equal(one(objs, "Deployment", "-sender").spec.replicas, undefined);
  assert.equal(one(objs, "Deployment", "-tracking").spec.replicas, 2);
  assert.equal(one(objs, "Deployment", "-sender").spec.template.spec.terminationGracePeriodSeconds, 170);
  for (const [, spec] of podSpecs(objs)) for (const c of spec.containers) if (c.image.startsWith("emailrelay/")) assert.ok(c.image.endsWith(`:${appVersion}`), `${c.image} uses appVersion`);
});

test("keda.enabled: a ScaledObject on the deliver-message queue replaces the sender's HPA", () => {
  for (const objs of [renders["all features"], render("--set", "keda.enabled=true", "--set", "rabbitmq.host=mq", "--set", "rabbitmq.password=p")]) {
    assert.equal(find(objs, "HorizontalPodAutoscaler", "-sender").length, 0, "no sender HPA");
    one(objs, "HorizontalPodAutoscaler", "-api");
    const so = one(objs, "ScaledObject");
    assert.equal(so.spec.scaleTargetRef.name, one(objs, "Deployment", "-sender").metadata.name);
    assert.equal(so.spec.triggers[0].type, "rabbitmq");
    assert.equal(so.spec.triggers[0].metadata.queueName, "deliver-message");
    const ta = one(objs, "TriggerAuthentication");
    assert.equal(so.spec.triggers[0].authenticationRef.name, ta.metadata.name);
    const ref = ta.spec.secretTargetRef.find((r) => r.parameter === "host");
    const secret = one(objs, "Secret", "email-relay");
    const uri = Buffer.from(secret.data[ref.key], "base64").toString();
    assert.match(uri, /^amqp:\/\/[^:]+:[^@]+@[^:]+:5672\/.+$/);
  }
  const noHpa = render("--set", "sender.autoscaling.enabled=false");
  assert.equal(find(noHpa, "HorizontalPodAutoscaler", "-sender").length, 0);
  assert.equal(one(noHpa, "Deployment", "-sender").spec.replicas, 2);
});

test("all features: sender grace follows the configured grace and command timeout; secrets stay in Secrets", () => {
  const objs = renders["all features"];
  assert.equal(one(objs, "Deployment", "-sender").spec.template.spec.terminationGracePeriodSeconds, 30 + 300 + 10 + 20);
  const values = parse(readFileSync(allFeatures, "utf8"));
  const secrets = [values.postgres.password, values.rabbitmq.password, values.auth.bootstrapKey, values.delivery.smarthost.password,
    values.bounces.secret, values.dkim.masterKey, values.delivery.routes.partner.password, values.submission.tls.key];
  for (const o of objs.filter((x) => x.kind !== "Secret")) {
    const text = JSON.stringify(o);
    for (const s of secrets) {
      assert.ok(!text.includes(s), `${o.kind}/${o.metadata.name} contains a secret in plain text`);
      assert.ok(!text.includes(Buffer.from(s).toString("base64")), `${o.kind}/${o.metadata.name} contains a secret in base64`);
    }
  }
  const sender = one(objs, "Deployment", "-sender").spec.template.spec.containers[0];
  const names = sender.env.map((e) => e.name);
  for (const n of ["ConnectionStrings__Postgres", "RabbitMq__Username", "RabbitMq__Password", "Delivery__Smarthost__Username",
    "Delivery__Smarthost__Password", "Bounces__Secret", "Dkim__MasterKey", "Delivery__Routes__partner__Username",
    "Delivery__Routes__partner__Password"]) assert.ok(names.includes(n), `sender gets ${n}`);
  // A route without AUTH gets no credentials; route credentials reach only the sender.
  assert.ok(!names.some((n) => n.startsWith("Delivery__Routes__Internal_Lab__")), "Internal_Lab has no credentials");
  for (const c of ["-api", "-tracking"]) {
    const env = one(objs, "Deployment", c).spec.template.spec.containers[0].env.map((e) => e.name);
    assert.ok(!env.some((n) => n.startsWith("Delivery__Routes__")), `${c} gets no route credentials`);
  }
  const api = one(objs, "Deployment", "-api").spec.template.spec.containers[0];
  assert.ok(api.env.some((e) => e.name === "Auth__BootstrapKey"), "api gets Auth__BootstrapKey");
  const cs = Buffer.from(one(objs, "Secret", "email-relay").data["postgres-connection-string"], "base64").toString();
  assert.equal(cs, "Host=postgres.db.svc;Port=5432;Database=relay;Username=relay;Password='ci-placeholder-pg-pass;with''quote';SSL Mode=VerifyFull;GSS Encryption Mode=Disable;Maximum Pool Size=50");
  // The bounce listener: a Service of the configured type onto the tracking container's SMTP port.
  const bounces = one(objs, "Service", "-bounces");
  assert.equal(bounces.spec.type, "LoadBalancer");
  const tracking = one(objs, "Deployment", "-tracking").spec.template.spec.containers[0];
  const port = tracking.ports.find((p) => p.name === bounces.spec.ports[0].targetPort);
  assert.equal(port?.containerPort, 2525);
  assert.equal(one(objs, "ConfigMap", "email-relay").data.Bounces__Port, "2525");
  one(objs, "Ingress");
  one(objs, "ServiceMonitor");
  assert.equal(find(objs, "NetworkPolicy").length, 3);
});

test("existing secrets: the chart makes no Secret and references the given ones with their keys", () => {
  const objs = renders["existing secrets"];
  assert.equal(find(objs, "Secret").length, 0, "no Secret of the chart's own");
  const expected = {
    ConnectionStrings__Postgres: ["pg-conn", "uri"], RabbitMq__Username: ["mq-creds", "user"], RabbitMq__Password: ["mq-creds", "pass"],
    Auth__BootstrapKey: ["relay-keys", "bootstrap"], Delivery__Smarthost__Username: ["smtp-creds", "username"],
    Delivery__Smarthost__Password: ["smtp-creds", "password"], Bounces__Secret: ["relay-keys", "verp"], Dkim__MasterKey: ["relay-keys", "dkim"],
    Delivery__Routes__partner__Username: ["partner-smtp", "user"], Delivery__Routes__partner__Password: ["partner-smtp", "password"],
    BOOTSTRAP_KEY: ["relay-keys", "bootstrap"],
  };
  const seen = new Set();
  for (const [id, spec] of podSpecs(objs)) {
    for (const c of containers(spec)) {
      for (const e of c.env ?? []) {
        const ref = e.valueFrom?.secretKeyRef;
        if (!ref) continue;
        assert.deepEqual([ref.name, ref.key], expected[e.name], `${id}: ${e.name}`);
        seen.add(e.name);
      }
    }
  }
  assert.deepEqual([...seen].sort(), Object.keys(expected).sort());
  assert.deepEqual(one(objs, "TriggerAuthentication").spec.secretTargetRef, [{ parameter: "host", name: "keda-amqp", key: "host" }]);
  assert.equal(one(objs, "Service", "-bounces").spec.type, "ClusterIP");
});

test("values.schema.json catches typos, wrong types and unpinned images", () => {
  for (const args of [["--set", "api.replicsa=3"], ["--set", "sender.shutdownGrace=30"], ["--set", "image.tag=latest"],
    ["--set", "tests.image.tag=latest"], ["--set", "delivery.smarthost.tls=yes"], ["--set", "bounces.service.type=External"],
    ["--set", "postgres.port=five"], ["--set", "containerSecurityContext.readOnlyRootFilesystem=false"],
    ["--set", "extraConfig.Delivery__Smarthost__Password=x"], ["--set", "auth.bootstrapKey=short"],
    ["--set", "delivery.mode=mx"], ["--set", "delivery.direct.tls=maybe"], ["--set", "dkim.masterKey=not-base64-of-32-bytes"],
    ["--set", "delivery.routes.x.host=smtp.example.com"], ["--set", "delivery.routes.x.domains=a.example,delivery.routes.x.host=h,delivery.routes.x.prot=1"],
    ["--set", "senders.requireVerifiedDomain=maybe"], ["--set", "delivery.limits.backoffMax=1h"],
    ["--set", "delivery.limits.destinations.x.maxConnectionsPerHost=3"], ["--set", "submission.enabled=yes"],
    ["--set", "submission.service.type=External"], ["--set", "submission.containerPort=587"], ["--set", "submission.maxConections=5"],
    ["--set", "submission.failedAuthWindow=15m"], ["--set", "submission.tls.cert=not-a-pem"]]) {
    const r = helmTemplate(args);
    assert.notEqual(r.status, 0, `helm template ${args.join(" ")} should fail`);
    assert.match(r.stderr, /schema|not allowed|must|invalid|does not match/i, `${args.join(" ")}: ${r.stderr}`);
  }
});

test("contradictory settings stop the render with a message naming them", () => {
  for (const [args, message] of [
    [["--set", "bounces.domain=bounces.example.com"], /bounces\.secret/],
    [["--set", "delivery.smarthost.username=u", "--set", "delivery.smarthost.password=p"], /tls=required/],
    [["--set", "delivery.smarthost.username=u", "--set", "delivery.smarthost.tls=required"], /smarthost\.password/],
    [["--set", "keda.enabled=true", "--set", "rabbitmq.existingSecret=mq"], /keda\.hostSecret/],
    [["--set", "submission.enabled=true"], /submission\.tls\.existingSecret/],
    [["--set", "submission.enabled=true", "--set", "submission.tls.existingSecret=c", "--set-string", "submission.tls.key=-----BEGIN PRIVATE KEY-----"], /either existingSecret or cert \+ key/],
    [["--set", "delivery.routes.p.domains=p.example,delivery.routes.p.host=h,delivery.routes.p.username=u,delivery.routes.p.password=x"], /delivery\.routes\.p requires its tls=required/],
    [["--set", "delivery.routes.p.domains=p.example,delivery.routes.p.host=h,delivery.routes.p.tls=required,delivery.routes.p.username=u"], /delivery\.routes\.p\.username is set/],
  ]) {
    const r = helmTemplate(args);
    assert.notEqual(r.status, 0, args.join(" "));
    assert.match(r.stderr, message);
  }
});

test("NOTES.txt lists the settings a real install still lacks, and none once they are set", () => {
  // helm template does not print NOTES.txt: render it from a copy of the chart as a ConfigMap.
  const dir = mkdtempSync(path.join(os.tmpdir(), "notes-"));
  try {
    const copy = path.join(dir, "email-relay");
    cpSync(chart, copy, { recursive: true });
    const notes = readFileSync(path.join(copy, "templates/NOTES.txt"), "utf8");
    rmSync(path.join(copy, "templates/NOTES.txt"));
    writeFileSync(path.join(copy, "templates/_notes.tpl"), `{{- define "test.notes" -}}\n${notes}\n{{- end -}}\n`);
    writeFileSync(path.join(copy, "templates/notes.yaml"),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes\ndata:\n  notes: {{ include "test.notes" . | toJson }}\n');
    const text = (...args) => {
      const r = spawnSync(helm, ["template", "rel", copy, "--show-only", "templates/notes.yaml", ...args], { encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
      return parse(r.stdout).data.notes;
    };
    const bare = text();
    assert.match(bare, /ACTION REQUIRED/);
    for (const v of ["postgres.host", "postgres.password", "rabbitmq.host", "rabbitmq.password", "delivery.smarthost.host", "dkim.masterKey"]) assert.ok(bare.includes(`- ${v}`), v);
    // Direct delivery needs no smarthost.
    assert.ok(!text("--set", "delivery.mode=direct").includes("- delivery.smarthost.host"));
    assert.match(bare, /terminationGracePeriodSeconds=170/);
    for (const f of [allFeatures, existingSecrets]) assert.doesNotMatch(text("-f", f), /ACTION REQUIRED/);
    assert.match(text("-f", allFeatures), /MX of bounces\.example\.com/);
    assert.match(text("-f", allFeatures), /SMTP submission: Service rel-email-relay-submission, port 587 \(STARTTLS\) and 465 \(TLS\);\s+user apikey, password an API key/);
    assert.match(text("-f", existingSecrets), /port 587 \(STARTTLS\);\s+user apikey.*Secret submission-cert/);
    assert.doesNotMatch(bare, /SMTP submission/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("delivery settings: mode, direct port and TLS, DNS servers, routes and sending-domain settings reach the ConfigMap", () => {
  const cm = (objs) => one(objs, "ConfigMap", "rel-email-relay").data;
  const defaults = cm(renders.defaults);
  assert.equal(defaults.Delivery__Mode, "smarthost");
  assert.equal(defaults.Delivery__Direct__Port, "25");
  assert.equal(defaults.Delivery__Direct__Tls, "opportunistic");
  assert.equal(defaults.Senders__RequireVerifiedDomain, "true");
  assert.ok(!("Delivery__Dns__Servers" in defaults), "the pod's resolver unless servers are given");
  const all = cm(renders["all features"]);
  assert.equal(all.Delivery__Mode, "direct");
  assert.equal(all.Delivery__Dns__Servers, "10.96.0.10:53, [fd00::10]:5353");
  assert.equal(all.Delivery__Routes__partner__Domains, "partner.example,*.partner.example");
  assert.equal(all.Delivery__Routes__partner__Host, "smtp.partner.example");
  assert.equal(all.Delivery__Routes__partner__Port, "587");
  assert.equal(all.Delivery__Routes__partner__Tls, "required");
  assert.equal(all.Delivery__Routes__Internal_Lab__Port, "25");
  assert.equal(all.Delivery__Routes__Internal_Lab__Tls, "none");
  assert.equal(defaults.Delivery__Limits__MaxConnectionsPerHost, "10");
  assert.equal(defaults.Delivery__Limits__MessagesPerSecondPerDomain, "0");
  assert.equal(all.Delivery__Limits__MaxConnectionsPerHost, "20");
  assert.equal(all.Delivery__Limits__BackoffInitial, "00:02:00");
  assert.equal(all.Delivery__Limits__Destinations__gmail__Match, "gmail.com,*.google.com");
  assert.equal(all.Delivery__Limits__Destinations__gmail__MaxConnectionsPerHost, "5");
  assert.equal(all.Delivery__Limits__Destinations__gmail__MessagesPerSecondPerDomain, "2.5");
  assert.equal(all.Senders__RequireVerifiedDomain, "false");
  assert.equal(all.Domains__SpfMechanisms, "ip4:203.0.113.0/24");
  assert.equal(all.Domains__BounceMxHost, "relay-bounces.example.com");
  assert.equal(all.Domains__DkimRetireAfter, "14.00:00:00");
  // The API seals DKIM keys and the sender opens them: both get the master key.
  for (const c of ["-api", "-sender"]) {
    const env = one(renders["all features"], "Deployment", c).spec.template.spec.containers[0].env;
    assert.ok(env.some((e) => e.name === "Dkim__MasterKey" && e.valueFrom?.secretKeyRef), `${c} gets Dkim__MasterKey from a Secret`);
  }
});

// SMTP submission: the api pods' listener behind a Service of its own, the certificate a mounted
// kubernetes.io/tls Secret, the Submission__* settings only in the api container.
const submissionEnv = (objs) => Object.fromEntries(one(objs, "Deployment", "-api").spec.template.spec.containers[0].env
  .filter((e) => e.name.startsWith("Submission__")).map((e) => [e.name, e.value]));

test("submission off by default: no Service, Secret, ports, settings or mounts", () => {
  const objs = renders.defaults;
  assert.equal(find(objs, "Service", "-submission").length, 0);
  assert.equal(find(objs, "Secret", "-submission-tls").length, 0);
  const api = one(objs, "Deployment", "-api").spec.template.spec;
  assert.deepEqual(api.containers[0].ports.map((p) => p.name), ["http"]);
  assert.deepEqual(submissionEnv(objs), {});
  assert.ok(!api.volumes.some((v) => v.secret), "no secret volume");
  assert.ok(!JSON.stringify(one(objs, "ConfigMap", "email-relay").data).includes("Submission__"), "nothing in the shared ConfigMap");
});

test("all features: submission Service 587/465 onto the api's 2587/2465, certificate mounted read-only, limits set", () => {
  const objs = renders["all features"];
  const values = parse(readFileSync(allFeatures, "utf8"));
  const svc = one(objs, "Service", "-submission");
  assert.equal(svc.spec.type, "LoadBalancer");
  assert.equal(svc.spec.externalTrafficPolicy, "Local");
  assert.deepEqual(svc.spec.loadBalancerSourceRanges, ["198.51.100.0/24"]);
  assert.equal(svc.metadata.annotations["service.beta.kubernetes.io/aws-load-balancer-type"], "nlb");
  assert.deepEqual(svc.spec.selector, one(objs, "Deployment", "-api").spec.selector.matchLabels, "selects the api pods");
  const pod = one(objs, "Deployment", "-api").spec.template.spec;
  const api = pod.containers[0];
  const byPort = Object.fromEntries(svc.spec.ports.map((p) => [p.port, api.ports.find((c) => c.name === p.targetPort)?.containerPort]));
  assert.deepEqual(byPort, { 587: 2587, 465: 2465 });
  const env = submissionEnv(objs);
  assert.deepEqual(env, {
    Submission__Port: "2587", Submission__ImplicitTlsPort: "2465", Submission__ListenAddress: "0.0.0.0",
    Submission__CertificatePath: "/etc/emailrelay/submission-tls/tls.crt", Submission__KeyPath: "/etc/emailrelay/submission-tls/tls.key",
    Submission__Hostname: "smtp.relay.example.com", Submission__MaxConnections: "300", Submission__MaxConnectionsPerAddress: "10",
    Submission__FailedAuthLimit: "5", Submission__FailedAuthWindow: "00:30:00",
  });
  const mount = api.volumeMounts.find((m) => env.Submission__CertificatePath.startsWith(m.mountPath + "/"));
  assert.equal(mount?.readOnly, true, "the certificate directory is mounted read-only");
  const secret = one(objs, "Secret", "-submission-tls");
  assert.equal(pod.volumes.find((v) => v.name === mount.name).secret.secretName, secret.metadata.name);
  assert.equal(secret.type, "kubernetes.io/tls");
  assert.equal(Buffer.from(secret.data["tls.crt"], "base64").toString(), values.submission.tls.cert);
  assert.equal(Buffer.from(secret.data["tls.key"], "base64").toString(), values.submission.tls.key);
  for (const c of ["-sender", "-tracking"]) {
    const spec = one(objs, "Deployment", c).spec.template.spec;
    assert.ok(!(spec.containers[0].env ?? []).some((e) => e.name.startsWith("Submission__")), `${c} gets no submission settings`);
    assert.ok(!spec.volumes.some((v) => v.secret), `${c} mounts no certificate`);
  }
  // The NetworkPolicy lets the submission peers reach both container ports, and nothing else of theirs.
  const rule = one(objs, "NetworkPolicy", "-api").spec.ingress.find((r) => r.ports.some((p) => p.port === 2587));
  assert.deepEqual(rule.ports.map((p) => p.port).sort(), [2465, 2587]);
  assert.deepEqual(rule.from, values.networkPolicy.submissionFrom);
  // A new certificate restarts the api pods; the others are not touched.
  const annotations = (o) => one(o, "Deployment", "-api").spec.template.metadata.annotations["checksum/submission-tls"];
  const renewed = render("-f", allFeatures, "--set-string", "submission.tls.cert=-----BEGIN CERTIFICATE-----\nrenewed\n-----END CERTIFICATE-----");
  assert.ok(annotations(objs));
  assert.notEqual(annotations(renewed), annotations(objs));
});

test("existing secrets: submission certificate from the given kubernetes.io/tls Secret, NodePort, no 465 when implicitTls is off", () => {
  const objs = renders["existing secrets"];
  const pod = one(objs, "Deployment", "-api").spec.template.spec;
  const certVolume = pod.volumes.find((v) => v.secret);
  assert.equal(certVolume.secret.secretName, "submission-cert");
  const svc = one(objs, "Service", "-submission");
  assert.equal(svc.spec.type, "NodePort");
  assert.deepEqual(svc.spec.ports.map((p) => [p.port, p.targetPort, p.nodePort]), [[587, "submission", 30587]]);
  assert.deepEqual(pod.containers[0].ports.map((p) => p.name), ["http", "submission"]);
  assert.equal(submissionEnv(objs).Submission__ImplicitTlsPort, "0");
  assert.equal(pod.containers[0].env.find((e) => e.name === "Submission__Hostname"), undefined, "no hostname: the pod's own");
});
