// The cluster's own workloads, created at `up` like kubeadm's addons: cluster
// DNS (CoreDNS's role) in kube-system and the ingress controller in
// ingress-nginx. They are ordinary objects: `podnet get pods -A` shows them,
// and a user may scale or edit them.

import type { KubeObject, StorageClass } from '../api/types.js';
import {
  CLUSTER_DNS_DEPLOYMENT, CLUSTER_DNS_SERVICE, EXTERNAL_DNS_IP, GATEWAY_CLASS, GATEWAY_CONTROLLER_NAME, INGRESS_CONTROLLER, KUBE_DNS_SERVICE_IP,
} from '../config.js';
import { GATEWAY_GROUP } from '../api/gateway-types.js';
import { CLAIM_DIRECTORY_PROVISIONER } from '../controllers/persistent-volume.js';

/**
 * The default StorageClass, `standard` as kind's and minikube's: a claim
 * that names no class gets a directory of the cluster (persistent-volume.ts),
 * bound at once (minikube's Immediate; kind's waits for the first pod).
 * With or without --bare, as kind always has one; made while the cluster has
 * no StorageClass at all, so one the user deleted comes back only then.
 */
export function defaultStorageClass(): StorageClass {
  return {
    apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass',
    metadata: { name: 'standard', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
    provisioner: CLAIM_DIRECTORY_PROVISIONER,
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'Immediate',
  };
}

const DNS_LABELS = { 'k8s-app': 'kube-dns' };
const INGRESS_LABELS = { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' };

export function systemManifests(): KubeObject[] {
  return [
    {
      apiVersion: 'v1', kind: 'Service',
      metadata: { ...CLUSTER_DNS_SERVICE, labels: { ...DNS_LABELS, 'kubernetes.io/name': 'CoreDNS' } },
      spec: {
        selector: DNS_LABELS, clusterIP: KUBE_DNS_SERVICE_IP,
        ports: [
          { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
          { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
          { name: 'metrics', port: 9153, protocol: 'TCP', targetPort: 9153 },
        ],
      },
    },
    {
      apiVersion: 'apps/v1', kind: 'Deployment',
      metadata: { ...CLUSTER_DNS_DEPLOYMENT, labels: DNS_LABELS },
      spec: {
        replicas: 2,
        selector: { matchLabels: DNS_LABELS },
        template: {
          metadata: { labels: DNS_LABELS },
          spec: {
            // The node's resolver is the outside world's DNS, as on a cloud VM.
            dnsPolicy: 'Default',
            containers: [{
              name: 'coredns', image: 'podnet/cluster-dns',
              args: ['--listen', '0.0.0.0:53', '--upstream', `${EXTERNAL_DNS_IP}:53`],
              ports: [
                { name: 'dns', containerPort: 53, protocol: 'UDP' },
                { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
                { name: 'metrics', containerPort: 9153, protocol: 'TCP' },
              ],
              readinessProbe: { httpGet: { path: '/ready', port: 8181 }, periodSeconds: 1 },
              livenessProbe: { httpGet: { path: '/health', port: 8080 }, periodSeconds: 10, failureThreshold: 5 },
            }],
          },
        },
      },
    },
    {
      apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass',
      metadata: { name: 'nginx', labels: INGRESS_LABELS, annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } },
      spec: { controller: 'k8s.io/ingress-nginx' },
    },
    // Gateways of this class are served by the same controller's NGINX, as Ingresses of the class above
    {
      apiVersion: `${GATEWAY_GROUP}/v1`, kind: 'GatewayClass',
      metadata: { name: GATEWAY_CLASS, labels: INGRESS_LABELS },
      spec: { controllerName: GATEWAY_CONTROLLER_NAME, description: 'Served by the ingress controller\'s NGINX' },
    },
    {
      apiVersion: 'apps/v1', kind: 'Deployment',
      metadata: { ...INGRESS_CONTROLLER, labels: INGRESS_LABELS },
      spec: {
        replicas: 1,
        selector: { matchLabels: INGRESS_LABELS },
        template: {
          metadata: { labels: INGRESS_LABELS },
          spec: {
            containers: [{
              name: 'controller', image: 'podnet/ingress-controller',
              // Workers run as root: the pod's files live under the cluster's state
              // directory, which need not be traversable by nobody.
              args: ['--conf-dir', '/etc/nginx', '--http-port', '80', '--https-port', '443', '--worker-user', 'root'],
              ports: [{ name: 'http', containerPort: 80 }, { name: 'https', containerPort: 443 }],
              // The rendered nginx.conf is visible inside the pod at /etc/nginx/nginx.conf.
              volumeMounts: [{ name: 'nginx-conf', mountPath: '/etc/nginx' }],
              readinessProbe: { tcpSocket: { port: 80 }, periodSeconds: 1 },
            }],
            volumes: [{ name: 'nginx-conf', emptyDir: {} }],
          },
        },
      },
    },
    {
      apiVersion: 'v1', kind: 'Service',
      metadata: { ...INGRESS_CONTROLLER, labels: INGRESS_LABELS },
      spec: {
        // Local, as ingress-nginx recommends: the load balancer sends traffic
        // only to nodes running the controller, and NGINX sees the client's IP.
        type: 'LoadBalancer', externalTrafficPolicy: 'Local', selector: INGRESS_LABELS,
        ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }, { name: 'https', port: 443, targetPort: 'https', protocol: 'TCP' }],
      },
    },
  ];
}
