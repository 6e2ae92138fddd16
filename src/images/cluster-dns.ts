#!/usr/bin/env node
// podnet/cluster-dns: the kube-system DNS pods' image (CoreDNS's role).
import { withApiSocketArg } from './in-cluster.js';

process.argv = [process.argv[0]!, process.argv[1]!, ...withApiSocketArg(process.argv.slice(2))];
await import('../dns/cluster-dns-main.js');
