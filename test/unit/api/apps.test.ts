// Deployment and StatefulSet validation, as rows of manifest → exact messages.

import { DNS1035_LABEL_MSG, DNS1123_LABEL_MSG, container, deployment, meta, statefulSet, table, template } from './fixtures.js';

const MISMATCH = (labels: string) => `spec.template.metadata.labels: Invalid value: ${labels}: \`selector\` does not match template \`labels\``;

table('Deployment', [
  { name: 'valid', obj: deployment(), want: [] },
  { name: 'selector required', obj: deployment({ selector: undefined }), want: ['spec.selector: Required value', MISMATCH('map[string]string{"app":"web"}')] },
  { name: 'empty selector', obj: deployment({ selector: {} }), want: ['spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment'] },
  { name: 'selector does not match template', obj: deployment({ template: template({}, { app: 'api', tier: 'x' }) }), want: [MISMATCH('map[string]string{"app":"api", "tier":"x"}')] },
  { name: 'template without labels', obj: deployment({ template: { spec: { containers: [container()] } } }), want: [MISMATCH('map[string]string(nil)')] },
  { name: 'matchExpressions select too', obj: deployment({ selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'api'] }] } }), want: [] },
  { name: 'negative replicas', obj: deployment({ replicas: -1 }), want: ['spec.replicas: Invalid value: -1: must be greater than or equal to 0'] },
  { name: 'strategy type', obj: deployment({ strategy: { type: 'BlueGreen' } }), want: ['spec.strategy: Unsupported value: apps.DeploymentStrategy{Type:"BlueGreen", RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}: supported values: "Recreate", "RollingUpdate"'] },
  { name: 'Recreate with rollingUpdate', obj: deployment({ strategy: { type: 'Recreate', rollingUpdate: { maxSurge: 1 } } }), want: ["spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"] },
  { name: 'both zero', obj: deployment({ strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: '0%' } } }), want: ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"0%"}: may not be 0 when `maxSurge` is 0'] },
  { name: 'bad percent', obj: deployment({ strategy: { rollingUpdate: { maxSurge: '25' } } }), want: ["spec.strategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:\"25\"}: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"] },
  { name: 'maxUnavailable over 100%', obj: deployment({ strategy: { rollingUpdate: { maxUnavailable: '150%' } } }), want: ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"150%"}: must not be greater than 100%'] },
  { name: 'negative maxSurge', obj: deployment({ strategy: { rollingUpdate: { maxSurge: -1 } } }), want: ['spec.strategy.rollingUpdate.maxSurge: Invalid value: -1: must be greater than or equal to 0'] },
  { name: 'template restartPolicy must be Always', obj: deployment({ template: template({ restartPolicy: 'Never' }) }), want: ['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'] },
  { name: 'template pod spec is validated under spec.template.spec', obj: deployment({ template: template({ containers: [container({ name: 'Web' })] }) }), want: [`spec.template.spec.containers[0].name: Invalid value: "Web": ${DNS1123_LABEL_MSG}`] },
  { name: 'template needs containers', obj: deployment({ template: template({ containers: [] }) }), want: ['spec.template.spec.containers: Required value'] },
  // upstream's ValidatePodTemplateSpecForReplicaSet: Forbidden, worded for the ReplicaSets the Deployment makes
  { name: 'template activeDeadlineSeconds is forbidden', obj: deployment({ template: template({ activeDeadlineSeconds: 60 }) }), want: ['spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported'] },
  { name: 'progressDeadlineSeconds must exceed minReadySeconds', obj: deployment({ minReadySeconds: 700 }), want: ['spec.progressDeadlineSeconds: Invalid value: 600: must be greater than minReadySeconds'] },
  { name: 'bad selector operator stops template checks', obj: deployment({ selector: { matchExpressions: [{ key: 'app', operator: 'Is', values: ['web'] }] } }), want: [
    'spec.selector.matchExpressions[0].operator: Invalid value: "Is": not a valid selector operator',
    'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:"app", Operator:"Is", Values:[]string{"web"}}}}: invalid label selector',
  ] },
]);

table('Deployment update', [
  { name: 'replicas and template may change', obj: deployment({ replicas: 5, template: template({ containers: [container({ image: 'podnet/echo:2' })] }) }), old: deployment(), want: [] },
  { name: 'selector is immutable', obj: deployment({ selector: { matchLabels: { app: 'web', v: '2' } }, template: template({}, { app: 'web', v: '2' }) }), old: deployment(), want: ['spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web", "v":"2"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable'] },
]);

table('StatefulSet', [
  { name: 'valid', obj: statefulSet(), want: [] },
  { name: 'valid without serviceName', obj: statefulSet({ serviceName: undefined }), want: [] },
  { name: 'serviceName must be DNS-1035', obj: statefulSet({ serviceName: '9web' }), want: [`spec.serviceName: Invalid value: "9web": ${DNS1035_LABEL_MSG}`] },
  { name: 'podManagementPolicy', obj: statefulSet({ podManagementPolicy: 'Random' }), want: ["spec.podManagementPolicy: Invalid value: \"Random\": must be 'OrderedReady' or 'Parallel'"] },
  { name: 'updateStrategy type', obj: statefulSet({ updateStrategy: { type: 'Rolling' } }), want: ["spec.updateStrategy: Invalid value: apps.StatefulSetUpdateStrategy{Type:\"Rolling\", RollingUpdate:(*apps.RollingUpdateStatefulSetStrategy)(nil)}: must be 'RollingUpdate' or 'OnDelete'"] },
  { name: 'negative partition', obj: statefulSet({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: -1 } } }), want: ['spec.updateStrategy.rollingUpdate.partition: Invalid value: -1: must be greater than or equal to 0'] },
  { name: 'negative ordinals.start', obj: statefulSet({ ordinals: { start: -1 } }), want: ['spec.ordinals.start: Invalid value: -1: must be greater than or equal to 0'] },
  { name: 'ordinals.start 5', obj: statefulSet({ ordinals: { start: 5 } }), want: [] },
  { name: 'negative replicas', obj: statefulSet({ replicas: -3 }), want: ['spec.replicas: Invalid value: -3: must be greater than or equal to 0'] },
  { name: 'empty selector', obj: statefulSet({ selector: { matchLabels: {} } }), want: ['spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for statefulset'] },
  { name: 'selector does not match template', obj: statefulSet({ template: template({}, { app: 'db' }) }), want: [MISMATCH('map[string]string{"app":"db"}')] },
  { name: 'template restartPolicy', obj: statefulSet({ template: template({ restartPolicy: 'OnFailure' }) }), want: ['spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"'] },
]);

table('StatefulSet update', [
  { name: 'replicas, template and strategy may change', obj: statefulSet({ replicas: 3, updateStrategy: { type: 'OnDelete' }, template: template({ containers: [container({ image: 'podnet/echo:2' })] }) }), old: statefulSet(), want: [] },
  { name: 'serviceName may not change', obj: statefulSet({ serviceName: 'db' }), old: statefulSet(), want: ["spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"] },
  { name: 'name may not change', obj: statefulSet({}, meta('db')), old: statefulSet(), want: ['metadata.name: Invalid value: "db": field is immutable'] },
]);
