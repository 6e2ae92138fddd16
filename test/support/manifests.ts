// The manifests tests and benchmarks keep writing: a Deployment of
// podnet/echo (named port `http` on 8080, readiness on /healthz every second)
// and the Service in front of it. YAML text, so that it goes through
// `podnet apply` like a user's file.

export interface EchoDeploymentOptions {
  name: string;
  namespace?: string;
  replicas?: number;
  /** the `app` label of the pods and the selector (default: the name) */
  app?: string;
  /** podnet/echo's arguments, e.g. ['--shutdown-delay', '4000'] */
  args?: string[];
}

export function echoDeployment(o: EchoDeploymentOptions): string {
  const app = o.app ?? o.name;
  const ns = o.namespace ? `, namespace: ${o.namespace}` : '';
  return `
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${o.name}${ns}}
spec:
  replicas: ${o.replicas ?? 1}
  selector: {matchLabels: {app: ${app}}}
  template:
    metadata: {labels: {app: ${app}}}
    spec:
      containers:
        - name: echo
          image: podnet/echo
${o.args ? `          args: ${JSON.stringify(o.args)}\n` : ''}          ports: [{name: http, containerPort: 8080}]
          readinessProbe: {httpGet: {path: /healthz, port: http}, periodSeconds: 1}
`;
}

export interface EchoServiceOptions {
  name: string;
  namespace?: string;
  app?: string;
  type?: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
  port?: number;
  /** more lines under `spec:`, indented by two spaces */
  extraSpec?: string;
}

export function echoService(o: EchoServiceOptions): string {
  const ns = o.namespace ? `, namespace: ${o.namespace}` : '';
  return `
apiVersion: v1
kind: Service
metadata: {name: ${o.name}${ns}}
spec:
${o.type ? `  type: ${o.type}\n` : ''}  selector: {app: ${o.app ?? o.name}}
  ports: [{name: http, port: ${o.port ?? 80}, targetPort: http}]
${o.extraSpec ?? ''}`;
}

/** A Deployment of podnet/echo and its Service, as one multi-document text. */
export function echoApp(o: EchoDeploymentOptions & Omit<EchoServiceOptions, 'name' | 'namespace' | 'app'>): string {
  return `${echoDeployment(o)}---${echoService({ ...o })}`;
}
