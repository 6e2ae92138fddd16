// The string rules, as rows of value → upstream messages.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  isConfigMapKey, isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isEnvVarName, isLabelValue, isQualifiedName,
  isValidPercent, isValidPortName, isWildcardDNS1123Subdomain, nameIsDNSSubdomain,
} from '../../../src/api/validation/names.js';
import { CONFIG_KEY_MSG, DNS1035_LABEL_MSG, DNS1123_LABEL_MSG, DNS1123_SUBDOMAIN_MSG, LABEL_KEY_NAME_MSG, LABEL_VALUE_MSG } from './fixtures.js';

const rows: [string, (v: string) => string[], string, string[]][] = [
  ['subdomain ok', isDNS1123Subdomain, 'web.example.com', []],
  ['subdomain upper case', isDNS1123Subdomain, 'Web', [DNS1123_SUBDOMAIN_MSG]],
  ['subdomain too long', isDNS1123Subdomain, `${'a'.repeat(250)}.com`, ['must be no more than 253 characters']],
  ['label ok', isDNS1123Label, '123-abc', []],
  ['label with dots', isDNS1123Label, 'a.b', ['must not contain dots']],
  ['label underscore', isDNS1123Label, 'a_b', [DNS1123_LABEL_MSG]],
  ['label too long', isDNS1123Label, 'a'.repeat(64), ['must be no more than 63 characters']],
  ['1035 leading digit', isDNS1035Label, '1web', [DNS1035_LABEL_MSG]],
  ['1035 ok', isDNS1035Label, 'web-1', []],
  ['wildcard ok', isWildcardDNS1123Subdomain, '*.example.com', []],
  ['qualified ok', isQualifiedName, 'app.kubernetes.io/name', []],
  ['qualified bad name', isQualifiedName, 'a b', [LABEL_KEY_NAME_MSG]],
  ['qualified empty prefix', isQualifiedName, '/a', ['prefix part must be non-empty']],
  ['qualified bad prefix', isQualifiedName, 'Bad_/a', [`prefix part ${DNS1123_SUBDOMAIN_MSG}`]],
  ['qualified two slashes', isQualifiedName, 'a/b/c', ["a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]],
  ['label value empty ok', isLabelValue, '', []],
  ['label value bad', isLabelValue, '-x', [LABEL_VALUE_MSG]],
  ['label value too long', isLabelValue, 'a'.repeat(64), ['must be no more than 63 characters']],
  ['port name ok', isValidPortName, 'http-alt', []],
  ['port name digits only', isValidPortName, '8080', ['must contain at least one letter (a-z)']],
  ['port name too long, upper case', isValidPortName, 'ABCDEFGHIJKLMNOP', ['must be no more than 15 characters', 'must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)', 'must contain at least one letter (a-z)']],
  ['port name hyphens', isValidPortName, '-a--b', ['must not contain consecutive hyphens', 'must not begin or end with a hyphen']],
  ['percent bad', isValidPercent, '25', ["a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"]],
  ['config key bad', isConfigMapKey, 'a/b', [CONFIG_KEY_MSG]],
  ['config key dotdot', isConfigMapKey, '..a', ["must not start with '..'"]],
  ['env name relaxed ok', isEnvVarName, '1-weird.NAME', []],
  ['env name with =', isEnvVarName, 'A=B', ["a valid environment variable name must consist only of printable ASCII characters other than '='"]],
  ['generateName may end with -', (v) => nameIsDNSSubdomain(v, true), 'web-', []],
  ['name may not end with -', (v) => nameIsDNSSubdomain(v, false), 'web-', [DNS1123_SUBDOMAIN_MSG]],
];

for (const [name, fn, value, want] of rows) {
  test(`names: ${name}`, () => assert.deepEqual(fn(value), want));
}
