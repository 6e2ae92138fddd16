// metadata and Pod validation, as rows of manifest → exact messages.

import { DNS1123_LABEL_MSG, DNS1123_SUBDOMAIN_MSG, LABEL_KEY_NAME_MSG, LABEL_VALUE_MSG, container, meta, pod, table } from './fixtures.js';

table('metadata', [
  { name: 'valid pod', obj: pod(), want: [] },
  { name: 'name required', obj: pod({}, { namespace: 'default' }), want: ['metadata.name: Required value: name or generateName is required'] },
  { name: 'generateName instead of name', obj: pod({}, { generateName: 'web-', namespace: 'default' }), want: [] },
  { name: 'bad generateName', obj: pod({}, { generateName: 'Web-', namespace: 'default' }), want: [`metadata.generateName: Invalid value: "Web-": ${DNS1123_SUBDOMAIN_MSG}`] },
  { name: 'name not a subdomain', obj: pod({}, meta('Web_1')), want: [`metadata.name: Invalid value: "Web_1": ${DNS1123_SUBDOMAIN_MSG}`] },
  { name: 'name too long', obj: pod({}, meta('a'.repeat(254))), want: [`metadata.name: Invalid value: "${'a'.repeat(254)}": must be no more than 253 characters`] },
  { name: 'label key invalid', obj: pod({}, meta('web', { labels: { 'bad key': 'x' } })), want: [`metadata.labels: Invalid value: "bad key": ${LABEL_KEY_NAME_MSG}`] },
  { name: 'label value too long', obj: pod({}, meta('web', { labels: { app: 'v'.repeat(64) } })), want: [`metadata.labels: Invalid value: "${'v'.repeat(64)}": must be no more than 63 characters`] },
  { name: 'label value bad chars', obj: pod({}, meta('web', { labels: { app: 'a b' } })), want: [`metadata.labels: Invalid value: "a b": ${LABEL_VALUE_MSG}`] },
  { name: 'annotation keys are case-insensitive but must be qualified', obj: pod({}, meta('web', { annotations: { 'Example.COM/Note': 'ok', 'no good': 'x' } })), want: [`metadata.annotations: Invalid value: "no good": ${LABEL_KEY_NAME_MSG}`] },
  { name: 'annotations too large', obj: pod({}, meta('web', { annotations: { big: 'x'.repeat(262142) } })), want: ['metadata.annotations: Too long: must have at most 262144 bytes'] },
  { name: 'update may not change name', obj: pod({}, meta('web2')), old: pod(), want: ['metadata.name: Invalid value: "web2": field is immutable'] },
  { name: 'update may not change uid', obj: pod({}, meta('web', { uid: 'b' })), old: pod({}, meta('web', { uid: 'a' })), want: ['metadata.uid: Invalid value: "b": field is immutable'] },
  { name: 'update without uid keeps it', obj: pod(), old: pod({}, meta('web', { uid: 'a' })), want: [] },
  { name: 'update may change labels', obj: pod({}, meta('web', { labels: { a: 'b' } })), old: pod(), want: [] },
]);

const REQ = 'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms';
const required = (...terms: object[]) => ({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } });

table('Pod hostAliases', [
  { name: 'valid', obj: pod({ hostAliases: [{ ip: '127.0.0.1', hostnames: ['foo.local', 'bar.local'] }] }), want: [] },
  { name: 'an entry is an object with an IP and DNS names', obj: pod({ hostAliases: [null, { ip: 'not-an-ip', hostnames: ['a\n10.0.0.9\tinjected'] }] }), want: [
    'spec.hostAliases[0]: Invalid value: null: must be an object',
    'spec.hostAliases[1].ip: Invalid value: "not-an-ip": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
    `spec.hostAliases[1].hostnames: Invalid value: "a\\n10.0.0.9\\tinjected": ${DNS1123_SUBDOMAIN_MSG}`,
  ] },
]);

table('Pod tolerations and node affinity', [
  { name: 'valid', obj: pod({ tolerations: [{ key: 'a', operator: 'Equal', value: 'b', effect: 'NoSchedule' }, { operator: 'Exists' }, { key: 'n', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 }], affinity: { ...required({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }, { key: 'gpu', operator: 'DoesNotExist' }], matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-1'] }] }), podAntiAffinity: {} } }), want: [] },
  { name: 'toleration operator', obj: pod({ tolerations: [{ key: 'a', operator: 'Bogus' }] }), want: ['spec.tolerations[0].operator: Unsupported value: "Bogus": supported values: "Equal", "Exists"'] },
  { name: 'empty key needs Exists', obj: pod({ tolerations: [{ value: 'x' }] }), want: ['spec.tolerations[0].operator: Invalid value: "": operator must be Exists when `key` is empty, which means "match all values and all keys"'] },
  { name: 'Exists takes no value; tolerationSeconds only with NoExecute', obj: pod({ tolerations: [{ key: 'a', operator: 'Exists', value: 'x' }, { key: 'b', effect: 'NoSchedule', tolerationSeconds: 5 }] }), want: ['spec.tolerations[0].operator: Invalid value: "x": value must be empty when `operator` is \'Exists\'', 'spec.tolerations[1].effect: Invalid value: "NoSchedule": effect must be \'NoExecute\' when `tolerationSeconds` is set'] },
  { name: 'affinity operator', obj: pod({ affinity: required({ matchExpressions: [{ key: 'a', operator: 'Foo' }] }) }), want: [`${REQ}[0].matchExpressions[0].operator: Invalid value: "Foo": not a valid selector operator`] },
  { name: 'affinity values per operator', obj: pod({ affinity: required({ matchExpressions: [{ key: 'a', operator: 'In' }, { key: 'b', operator: 'Exists', values: ['x'] }, { key: 'c', operator: 'Gt', values: ['1', '2'] }] }) }), want: [
    `${REQ}[0].matchExpressions[0].values: Required value: must be specified when \`operator\` is 'In' or 'NotIn'`,
    `${REQ}[0].matchExpressions[1].values: Forbidden: may not be specified when \`operator\` is 'Exists' or 'DoesNotExist'`,
    `${REQ}[0].matchExpressions[2].values: Required value: must be specified single value when \`operator\` is 'Lt' or 'Gt'`,
  ] },
  { name: 'no terms; matchFields only on metadata.name', obj: pod({ affinity: required() }), want: [`${REQ}: Required value: must have at least one node selector term`] },
  { name: 'field selector key', obj: pod({ affinity: required({ matchFields: [{ key: 'metadata.labels', operator: 'In', values: ['x'] }] }) }), want: [`${REQ}[0].matchFields[0].key: Unsupported value: "metadata.labels": supported values: "metadata.name"`] },
  { name: 'preferred weight', obj: pod({ affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 0, preference: { matchExpressions: [{ key: 'a', operator: 'Exists' }] } }] } } }), want: ['spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: Invalid value: 0: must be in the range 1-100'] },
]);

table('Pod', [
  { name: 'containers required', obj: pod({ containers: [] }), want: ['spec.containers: Required value'] },
  { name: 'container name required', obj: pod({ containers: [{ image: 'x' }] }), want: ['spec.containers[0].name: Required value'] },
  { name: 'container name DNS label', obj: pod({ containers: [container({ name: 'App_1' })] }), want: [`spec.containers[0].name: Invalid value: "App_1": ${DNS1123_LABEL_MSG}`] },
  { name: 'duplicate container names', obj: pod({ containers: [container(), container()] }), want: ['spec.containers[1].name: Duplicate value: "app"'] },
  { name: 'init container name clashes with container', obj: pod({ initContainers: [container()] }), want: ['spec.initContainers[0].name: Duplicate value: "app"'] },
  { name: 'image required without command', obj: pod({ containers: [{ name: 'app' }] }), want: ['spec.containers[0].image: Required value'] },
  { name: 'command without image is fine', obj: pod({ containers: [{ name: 'app', command: ['/bin/sleep', '1'] }] }), want: [] },
  { name: 'container port out of range', obj: pod({ containers: [container({ ports: [{ containerPort: 70000 }] })] }), want: ['spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive'] },
  { name: 'container port required', obj: pod({ containers: [container({ ports: [{ name: 'http' }] })] }), want: ['spec.containers[0].ports[0].containerPort: Required value'] },
  { name: 'container port protocol', obj: pod({ containers: [container({ ports: [{ containerPort: 80, protocol: 'ICMP' }] })] }), want: ['spec.containers[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"'] },
  { name: 'container port name IANA', obj: pod({ containers: [container({ ports: [{ containerPort: 80, name: '8080' }] })] }), want: ['spec.containers[0].ports[0].name: Invalid value: "8080": must contain at least one letter (a-z)'] },
  { name: 'duplicate container port names', obj: pod({ containers: [container({ ports: [{ containerPort: 80, name: 'http' }, { containerPort: 81, name: 'http' }] })] }), want: ['spec.containers[0].ports[1].name: Duplicate value: "http"'] },
  { name: 'restartPolicy', obj: pod({ restartPolicy: 'Sometimes' }), want: ['spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"'] },
  { name: 'dnsPolicy', obj: pod({ dnsPolicy: 'Cluster' }), want: ['spec.dnsPolicy: Unsupported value: "Cluster": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"'] },
  { name: 'dnsPolicy None needs dnsConfig', obj: pod({ dnsPolicy: 'None' }), want: ['spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None'] },
  { name: 'dnsPolicy None needs nameservers', obj: pod({ dnsPolicy: 'None', dnsConfig: { searches: ['a.b'] } }), want: ['spec.dnsConfig.nameservers: Required value: must provide at least one DNS nameserver when `dnsPolicy` is None'] },
  { name: 'dnsConfig nameserver must be an IP', obj: pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['dns.local'] } }), want: ['spec.dnsConfig.nameservers[0]: Invalid value: "dns.local": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'] },
  { name: 'dnsConfig search must be a subdomain', obj: pod({ dnsConfig: { searches: ['ok.local.', 'Bad_'] } }), want: [`spec.dnsConfig.searches[1]: Invalid value: "Bad_": ${DNS1123_SUBDOMAIN_MSG}`] },
  { name: 'readiness probe port out of range', obj: pod({ containers: [container({ readinessProbe: { httpGet: { port: 0 } } })] }), want: ['spec.containers[0].readinessProbe.httpGet.port: Invalid value: 0: must be between 1 and 65535, inclusive'] },
  { name: 'probe named port must be IANA', obj: pod({ containers: [container({ livenessProbe: { tcpSocket: { port: 'Http_Port' } } })] }), want: ['spec.containers[0].livenessProbe.tcpSocket.port: Invalid value: "Http_Port": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)'] },
  { name: 'probe needs a handler', obj: pod({ containers: [container({ readinessProbe: { periodSeconds: 5 } })] }), want: ['spec.containers[0].readinessProbe: Required value: must specify a handler type'] },
  { name: 'probe with two handlers', obj: pod({ containers: [container({ readinessProbe: { exec: { command: ['true'] }, tcpSocket: { port: 80 } } })] }), want: ['spec.containers[0].readinessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type'] },
  { name: 'liveness successThreshold must be 1', obj: pod({ containers: [container({ livenessProbe: { exec: { command: ['true'] }, successThreshold: 2 } })] }), want: ['spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1'] },
  { name: 'negative probe period', obj: pod({ containers: [container({ readinessProbe: { exec: { command: ['true'] }, periodSeconds: -1 } })] }), want: ['spec.containers[0].readinessProbe.periodSeconds: Invalid value: -1: must be greater than or equal to 0'] },
  { name: 'probe scheme', obj: pod({ containers: [container({ readinessProbe: { httpGet: { port: 80, scheme: 'FTP' } } })] }), want: ['spec.containers[0].readinessProbe.httpGet.scheme: Unsupported value: "FTP": supported values: "HTTP", "HTTPS"'] },
  { name: 'lifecycle hook needs a handler', obj: pod({ containers: [container({ lifecycle: { preStop: {} } })] }), want: ['spec.containers[0].lifecycle.preStop: Required value: must specify a handler type'] },
  { name: 'lifecycle hook with two handlers', obj: pod({ containers: [container({ lifecycle: { postStart: { exec: { command: ['true'] }, sleep: { seconds: 1 } } } })] }), want: ['spec.containers[0].lifecycle.postStart.sleep: Forbidden: may not specify more than 1 handler type'] },
  { name: 'preStop sleep beyond the grace period', obj: pod({ terminationGracePeriodSeconds: 5, containers: [container({ lifecycle: { preStop: { sleep: { seconds: 10 } } } })] }), want: ['spec.containers[0].lifecycle.preStop.sleep: Invalid value: 10: must be greater than 0 and less than terminationGracePeriodSeconds (5)'] },
  { name: 'lifecycle httpGet defaults path and scheme', obj: pod({ containers: [container({ lifecycle: { preStop: { httpGet: { port: 8080 } } } })] }), want: [] },
  { name: 'init container lifecycle without restartPolicy Always', obj: pod({ initContainers: [container({ name: 'init', lifecycle: { preStop: { exec: { command: ['true'] } } } })] }), want: ['spec.initContainers[0].lifecycle: Forbidden: may not be set for init containers without restartPolicy=Always'] },
  { name: 'init container probe without restartPolicy Always', obj: pod({ initContainers: [container({ name: 'init', readinessProbe: { exec: { command: ['true'] } } })] }), want: ['spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers without restartPolicy=Always'] },
  { name: 'env name with =', obj: pod({ containers: [container({ env: [{ name: 'A=B', value: '1' }] })] }), want: ["spec.containers[0].env[0].name: Invalid value: \"A=B\": a valid environment variable name must consist only of printable ASCII characters other than '='"] },
  { name: 'env name required', obj: pod({ containers: [container({ env: [{ value: '1' }] })] }), want: ['spec.containers[0].env[0].name: Required value'] },
  { name: 'env value and valueFrom', obj: pod({ containers: [container({ env: [{ name: 'A', value: '1', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }] })] }), want: ['spec.containers[0].env[0].valueFrom: Invalid value: "": may not be specified when `value` is not empty'] },
  { name: 'env fieldRef path', obj: pod({ containers: [container({ env: [{ name: 'A', valueFrom: { fieldRef: { fieldPath: 'status.phase' } } }] })] }), want: ['spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: Unsupported value: "status.phase": supported values: "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"'] },
  { name: 'env secretKeyRef key', obj: pod({ containers: [container({ env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 'creds' } } }] })] }), want: ['spec.containers[0].env[0].valueFrom.secretKeyRef.key: Required value'] },
  { name: 'env resourceFieldRef resource', obj: pod({ containers: [container({ env: [{ name: 'A', valueFrom: { resourceFieldRef: { containerName: 'app' } } }] })] }), want: ['spec.containers[0].env[0].valueFrom.resourceFieldRef.resource: Required value'] },
  { name: 'envFrom entry needs a source', obj: pod({ containers: [container({ envFrom: [{ prefix: 'APP_' }] })] }), want: ['spec.containers[0].envFrom: Invalid value: "": must specify one of: `configMapRef` or `secretRef`'] },
  { name: 'volume mount names a volume of the pod', obj: pod({ containers: [container({ volumeMounts: [{ name: 'data', mountPath: '/data' }] })] }), want: ['spec.containers[0].volumeMounts[0].name: Not found: "data"'] },
  { name: 'volumes are checked before containers', obj: pod({ volumes: [{ name: 'Data', emptyDir: {} }], containers: [container({ name: 'App' })] }), want: [`spec.volumes[0].name: Invalid value: "Data": ${DNS1123_LABEL_MSG}`, `spec.containers[0].name: Invalid value: "App": ${DNS1123_LABEL_MSG}`] },
  { name: 'a readiness gate names a qualified condition type', obj: pod({ readinessGates: [{ conditionType: 'example.com/lb-ready' }, { conditionType: 'not a/name/here' }] }),
    want: ['spec.readinessGates[1].conditionType: Invalid value: "not a/name/here": a valid label key must consist of alphanumeric characters, \'-\', \'_\' or \'.\', and must start and end with an alphanumeric character (e.g. \'MyName\',  or \'my.name\',  or \'123-abc\', regex used for validation is \'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]\') with an optional DNS subdomain prefix and \'/\' (e.g. \'example.com/MyName\')'] },
  { name: 'hostname must be a DNS label', obj: pod({ hostname: 'web.1' }), want: ['spec.hostname: Invalid value: "web.1": must not contain dots'] },
  { name: 'subdomain must be a DNS label', obj: pod({ subdomain: 'Svc' }), want: [`spec.subdomain: Invalid value: "Svc": ${DNS1123_LABEL_MSG}`] },
  { name: 'nodeSelector labels', obj: pod({ nodeSelector: { zone: 'a b' } }), want: [`spec.nodeSelector: Invalid value: "a b": ${LABEL_VALUE_MSG}`] },
  { name: 'wrong type for a port gives a field error', obj: pod({ containers: [container({ ports: [{ containerPort: '80' }] })] }), want: ['spec.containers[0].ports[0].containerPort: Invalid value: "80": must be an integer'] },
]);

const POD_FORBIDDEN = 'spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

table('Pod update', [
  { name: 'image may change', obj: pod({ containers: [container({ image: 'podnet/echo:2' })] }), old: pod({ containers: [container({ image: 'podnet/echo:1' })] }), want: [] },
  { name: 'status and labels may change', obj: { ...pod({}, meta('web', { labels: { a: 'b' } })), status: { phase: 'Running' } }, old: pod(), want: [] },
  { name: 'binding sets nodeName once', obj: pod({ nodeName: 'node-1' }), old: pod(), want: [] },
  { name: 'nodeName may not move', obj: pod({ nodeName: 'node-2' }), old: pod({ nodeName: 'node-1' }), want: [POD_FORBIDDEN] },
  { name: 'ports may not change', obj: pod({ containers: [container({ ports: [{ containerPort: 81 }] })] }), old: pod({ containers: [container({ ports: [{ containerPort: 80 }] })] }), want: [POD_FORBIDDEN] },
  { name: 'restartPolicy may not change', obj: pod({ restartPolicy: 'Never' }), old: pod(), want: [POD_FORBIDDEN] },
  { name: 'volumes may not change', obj: pod({ volumes: [{ name: 'v', emptyDir: {} }] }), old: pod({ volumes: [{ name: 'v', emptyDir: { medium: 'Memory' } }] }), want: [POD_FORBIDDEN] },
  { name: 'volume mounts may not change', obj: pod({ volumes: [{ name: 'v', emptyDir: {} }], containers: [container({ volumeMounts: [{ name: 'v', mountPath: '/b' }] })] }), old: pod({ volumes: [{ name: 'v', emptyDir: {} }], containers: [container({ volumeMounts: [{ name: 'v', mountPath: '/a' }] })] }), want: [POD_FORBIDDEN] },
]);
