// Service validation, as rows of manifest → exact messages.

import { DNS1035_LABEL_MSG, DNS1123_LABEL_MSG, DNS1123_SUBDOMAIN_MSG, LABEL_VALUE_MSG, meta, service, table } from './fixtures.js';

const two = (a: object, b: object) => ({ ports: [{ name: 'http', port: 80, ...a }, { name: 'https', port: 443, ...b }] });

table('Service', [
  { name: 'valid ClusterIP', obj: service(), want: [] },
  { name: 'valid NodePort with nodePort', obj: service({ type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }), want: [] },
  { name: 'valid headless without ports', obj: service({ clusterIP: 'None', ports: [] }), want: [] },
  { name: 'valid ExternalName', obj: service({ type: 'ExternalName', externalName: 'db.example.com.', ports: [] }), want: [] },
  { name: 'name must be DNS-1035', obj: service({}, meta('1web')), want: [`metadata.name: Invalid value: "1web": ${DNS1035_LABEL_MSG}`] },
  { name: 'ports required', obj: service({ ports: [] }), want: ['spec.ports: Required value'] },
  { name: 'port out of range', obj: service({ ports: [{ port: 70000, targetPort: 8080 }] }), want: ['spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive'] },
  { name: 'port zero', obj: service({ ports: [{ port: 0, targetPort: 80 }] }), want: ['spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive'] },
  { name: 'protocol', obj: service({ ports: [{ port: 80, protocol: 'ICMP' }] }), want: ['spec.ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"'] },
  { name: 'targetPort number out of range', obj: service({ ports: [{ port: 80, targetPort: 65536 }] }), want: ['spec.ports[0].targetPort: Invalid value: 65536: must be between 1 and 65535, inclusive'] },
  { name: 'targetPort name without a letter', obj: service({ ports: [{ port: 80, targetPort: '8080' }] }), want: ['spec.ports[0].targetPort: Invalid value: "8080": must contain at least one letter (a-z)'] },
  { name: 'targetPort name too long and bad chars', obj: service({ ports: [{ port: 80, targetPort: 'Very_Long_Port_Name' }] }), want: [
    'spec.ports[0].targetPort: Invalid value: "Very_Long_Port_Name": must be no more than 15 characters',
    'spec.ports[0].targetPort: Invalid value: "Very_Long_Port_Name": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
  ] },
  { name: 'port names required with two ports', obj: service({ ports: [{ port: 80 }, { port: 443 }] }), want: ['spec.ports[0].name: Required value', 'spec.ports[1].name: Required value'] },
  { name: 'duplicate port names', obj: service(two({}, { name: 'http' })), want: ['spec.ports[1].name: Duplicate value: "http"'] },
  { name: 'port name must be a DNS label', obj: service(two({ name: 'HTTP' }, {})), want: [`spec.ports[0].name: Invalid value: "HTTP": ${DNS1123_LABEL_MSG}`] },
  { name: 'duplicate port and protocol', obj: service(two({}, { port: 80 })), want: ['spec.ports[1]: Duplicate value: core.ServicePort{Name:"", Protocol:"TCP", AppProtocol:(*string)(nil), Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}'] },
  { name: 'same port, other protocol is fine', obj: service(two({}, { port: 80, protocol: 'UDP' })), want: [] },
  { name: 'nodePort out of range', obj: service({ type: 'NodePort', ports: [{ port: 80, nodePort: 8080 }] }), want: ['spec.ports[0].nodePort: Invalid value: 8080: provided port is not in the valid range. The range of valid ports is 30000-32767'] },
  { name: 'nodePort on ClusterIP', obj: service({ ports: [{ port: 80, nodePort: 30080 }] }), want: ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"] },
  { name: 'duplicate nodePort', obj: service({ type: 'NodePort', ...two({ nodePort: 30080 }, { nodePort: 30080 }) }), want: ['spec.ports[1].nodePort: Duplicate value: 30080'] },
  { name: 'type', obj: service({ type: 'Internal' }), want: ['spec.type: Unsupported value: "Internal": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"'] },
  { name: 'clusterIP not an IP', obj: service({ clusterIP: '10.96.0.300' }), want: ['spec.clusterIPs[0]: Invalid value: "10.96.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'] },
  { name: 'clusterIP outside the service network', obj: service({ clusterIP: '10.0.0.1' }), want: ['spec.clusterIPs: Invalid value: []string{"10.0.0.1"}: failed to allocate IP 10.0.0.1: the provided IP (10.0.0.1) is not in the valid range. The range of valid IPs is 10.96.0.0/12'] },
  { name: 'clusterIP inside the service network', obj: service({ clusterIP: '10.111.0.5' }), want: [] },
  { name: 'clusterIPs must start with clusterIP', obj: service({ clusterIP: '10.96.0.20', clusterIPs: ['10.96.0.21'] }), want: ['spec.clusterIPs: Invalid value: []string{"10.96.0.21"}: first value must match `clusterIP`'] },
  { name: 'None on LoadBalancer', obj: service({ type: 'LoadBalancer', clusterIP: 'None' }), want: ["spec.clusterIPs[0]: Invalid value: \"None\": may not be set to 'None' for LoadBalancer services"] },
  { name: 'None on NodePort', obj: service({ type: 'NodePort', clusterIP: 'None' }), want: ["spec.clusterIPs[0]: Invalid value: \"None\": may not be set to 'None' for NodePort services"] },
  { name: 'ExternalName without externalName', obj: service({ type: 'ExternalName', ports: [] }), want: ['spec.externalName: Required value'] },
  { name: 'externalName must be a subdomain', obj: service({ type: 'ExternalName', externalName: 'db_host' }), want: [`spec.externalName: Invalid value: "db_host": ${DNS1123_SUBDOMAIN_MSG}`] },
  { name: 'ExternalName with a clusterIP', obj: service({ type: 'ExternalName', externalName: 'db.example.com', clusterIP: '10.96.0.9' }), want: ['spec.clusterIPs: Forbidden: may not be set for ExternalName services'] },
  { name: 'sessionAffinity', obj: service({ sessionAffinity: 'Cookie' }), want: ['spec.sessionAffinity: Unsupported value: "Cookie": supported values: "ClientIP", "None"'] },
  { name: 'ClientIP timeout too large', obj: service({ sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 86401 } } }), want: ['spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 86401: must be greater than 0 and less than 86400'] },
  { name: 'ClientIP timeout zero', obj: service({ sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 0 } } }), want: ['spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 0: must be greater than 0 and less than 86400'] },
  { name: 'externalTrafficPolicy on ClusterIP', obj: service({ externalTrafficPolicy: 'Local' }), want: ['spec.externalTrafficPolicy: Invalid value: "Local": may only be set for externally-accessible services'] },
  { name: 'externalTrafficPolicy value', obj: service({ type: 'NodePort', externalTrafficPolicy: 'Global' }), want: ['spec.externalTrafficPolicy: Unsupported value: "Global": supported values: "Cluster", "Local"'] },
  { name: 'internalTrafficPolicy value', obj: service({ internalTrafficPolicy: 'Node' }), want: ['spec.internalTrafficPolicy: Unsupported value: "Node": supported values: "Cluster", "Local"'] },
  { name: 'healthCheckNodePort needs LB+Local', obj: service({ type: 'NodePort', healthCheckNodePort: 30100 }), want: ["spec.healthCheckNodePort: Invalid value: 30100: may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"] },
  { name: 'selector values are label values', obj: service({ selector: { app: 'we b' } }), want: [`spec.selector: Invalid value: "we b": ${LABEL_VALUE_MSG}`] },
  { name: 'loadBalancerIP must be an IP', obj: service({ type: 'LoadBalancer', loadBalancerIP: 'lb.local' }), want: ['spec.loadBalancerIP: Invalid value: "lb.local": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'] },
  { name: 'externalIPs must be IPs', obj: service({ externalIPs: ['127.0.0.1'] }), want: ['spec.externalIPs[0]: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)'] },
  { name: 'IPv6 family not configured', obj: service({ ipFamilies: ['IPv6'] }), want: ['spec.ipFamilies[0]: Invalid value: "IPv6": not configured on this cluster'] },
  { name: 'appProtocol is a qualified name', obj: service({ ports: [{ port: 80, appProtocol: 'bad proto' }] }), want: ["spec.ports[0].appProtocol: Invalid value: \"bad proto\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"] },
  { name: 'string where a number belongs', obj: service({ ports: [{ port: '80' }] }), want: ['spec.ports[0].port: Invalid value: "80": must be an integer', 'spec.ports[0].targetPort: Invalid value: "80": must contain at least one letter (a-z)'] },
]);

table('Service update', [
  { name: 'clusterIP may be allocated', obj: service({ clusterIP: '10.96.0.20' }), old: service(), want: [] },
  { name: 'clusterIP may not change', obj: service({ clusterIP: '10.96.0.21' }), old: service({ clusterIP: '10.96.0.20' }), want: ['spec.clusterIPs[0]: Invalid value: []string{"10.96.0.21"}: may not change once set'] },
  { name: 'clusterIP may not be unset', obj: service(), old: service({ clusterIP: '10.96.0.20' }), want: ['spec.clusterIPs[0]: Invalid value: []string(nil): primary clusterIP can not be unset'] },
  { name: 'to ExternalName drops the clusterIP', obj: service({ type: 'ExternalName', externalName: 'x.example.com', ports: [] }), old: service({ clusterIP: '10.96.0.20' }), want: [] },
  { name: 'ports may change', obj: service({ ports: [{ port: 8080 }] }), old: service(), want: [] },
]);
