// Cluster-wide constants (DESIGN.md's address plan) and where a cluster keeps
// its files. Every name podnet gives a kernel object starts with `pn-<cluster>-`
// so that `podnet down` can find all of it, even after a crash.

import path from 'node:path';

export const DEFAULT_CLUSTER = 'podnet';
/** nodes of a new cluster when `up` is not told (`--nodes`) */
export const DEFAULT_NODES = 2;
export const CLUSTER_DOMAIN = 'cluster.local';

export const POD_NETWORK = '10.244.0.0/16';
export const SERVICE_NETWORK = '10.96.0.0/12';
export const KUBERNETES_SERVICE_IP = '10.96.0.1';
export const KUBE_DNS_SERVICE_IP = '10.96.0.10';
/** the ingress controller's Deployment and its LoadBalancer Service (both of this name), made at `up` */
export const INGRESS_CONTROLLER = { namespace: 'ingress-nginx', name: 'ingress-nginx-controller' } as const;
/**
 * The GatewayClass made at `up` and the controllerName its Gateways are served
 * by: the ingress controller's NGINX, which serves HTTPRoutes from the same
 * route table as Ingresses (docs/gateway.md).
 */
export const GATEWAY_CLASS = 'podnet';
export const GATEWAY_CONTROLLER_NAME = 'podnet.dev/gateway-controller';
/** the cluster DNS's Service (at KUBE_DNS_SERVICE_IP), made at `up` unless --bare */
export const CLUSTER_DNS_SERVICE = { namespace: 'kube-system', name: 'kube-dns' } as const;
/** the cluster DNS's Deployment (its pods are CoreDNS's equivalent) */
export const CLUSTER_DNS_DEPLOYMENT = { namespace: 'kube-system', name: 'coredns' } as const;
export const NODE_PORT_MIN = 30000;
export const NODE_PORT_MAX = 32767;
export const NODE_NETWORK = '172.18.0.0/16';
export const NODE_ROUTER_IP = '172.18.0.1';
export const OUTSIDE_NETWORK = '198.51.100.0/24';
export const OUTSIDE_ROUTER_IP = '198.51.100.1';
export const EXTERNAL_DNS_IP = '198.51.100.53';
/** a node's resolv.conf: the external DNS, the "internet" resolver a cloud VM gets from its VPC */
export const NODE_RESOLV_CONF = `nameserver ${EXTERNAL_DNS_IP}\n`;
export const OUTSIDE_CLIENT_IP = '198.51.100.10';
export const LOAD_BALANCER_POOL = '203.0.113.0/24';
export const LOAD_BALANCER_FIRST = '203.0.113.10';

/** Cluster names become part of netns and file names: keep them short and DNS-1123. */
export const CLUSTER_NAME_PATTERN = /^[a-z0-9]([a-z0-9-]{0,14}[a-z0-9])?$/;

export function clusterName(flag?: string): string {
  return flag ?? process.env.PODNET_CLUSTER ?? DEFAULT_CLUSTER;
}

/** Absolute, so that every process of a cluster (started from any directory) names the same files and lock. */
export function stateRoot(): string {
  return path.resolve(process.env.PODNET_STATE_DIR ?? '/var/lib/podnet');
}

export interface ClusterPaths {
  dir: string;
  /** where clients connect: a link to `listenSocket` */
  socket: string;
  /**
   * where the API server listens: in a directory of its own, the only part
   * of the cluster's state a pod's root shows (its in-cluster clients'
   * socket; the rest holds every pod's Secrets, the store and the CA key)
   */
  listenSocket: string;
  database: string;
  daemonPid: string;
  daemonLog: string;
  /** per-pod files: logs, resolv.conf, pids */
  pods: string;
  /** CNI IPAM allocations, one directory per node network */
  ipam: string;
  /** network config files the node agents hand to podnet-cni */
  cniConf: string;
  /** pid files of every process podnet started, for `down` after a crash */
  procs: string;
  /** per-node files: the resolv.conf, hosts and mount table `podnet exec node/NAME` mounts */
  nodes: string;
  /** the directories podnet's provisioner makes for claims, `pvc-<uid>_<namespace>_<name>` (controllers/persistent-volume.ts) */
  claims: string;
}

/**
 * The FIFO pauses (and `registry.k8s.io/pause` containers) wait on, in a
 * directory of its own: a pod's root shows the cluster's state empty but for
 * the directories bound into it (agent/main.ts), and the pause container
 * opens the FIFO from inside the pod (read-write, through a read-only bind).
 */
export function holdFifoPath(clusterDir: string): string {
  return path.join(clusterDir, 'hold', 'pause-hold.fifo');
}

export function clusterPaths(cluster: string): ClusterPaths {
  const dir = path.join(stateRoot(), cluster);
  return {
    dir,
    socket: path.join(dir, 'api.sock'),
    listenSocket: path.join(dir, 'api', 'api.sock'),
    database: path.join(dir, 'store.db'),
    daemonPid: path.join(dir, 'daemon.pid'),
    daemonLog: path.join(dir, 'daemon.log'),
    pods: path.join(dir, 'pods'),
    ipam: path.join(dir, 'ipam'),
    cniConf: path.join(dir, 'cni'),
    procs: path.join(dir, 'procs'),
    nodes: path.join(dir, 'nodes'),
    claims: path.join(dir, 'claims'),
  };
}

export const netnsNames = {
  prefix: (cluster: string) => `pn-${cluster}-`,
  router: (cluster: string) => `pn-${cluster}-router`,
  outside: (cluster: string) => `pn-${cluster}-outside`,
  /** the external DNS server ("Route53") on the outside network */
  extdns: (cluster: string) => `pn-${cluster}-extdns`,
  node: (cluster: string, node: string) => `pn-${cluster}-${node}`,
  /** pod namespaces are keyed by uid so a re-created pod of the same name never collides */
  pod: (cluster: string, podUid: string) => `pn-${cluster}-pod-${podUid.replace(/-/g, '').slice(0, 12)}`,
};
