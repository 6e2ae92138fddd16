#!/usr/bin/env node
// podnet/ingress-controller: the ingress-nginx controller pod's image.
import { withApiSocketArg } from './in-cluster.js';

process.argv = [process.argv[0]!, process.argv[1]!, ...withApiSocketArg(process.argv.slice(2))];
await import('../ingress/controller-main.js');
