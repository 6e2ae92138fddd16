// `kubectl describe serviceaccount` (describe.go describeServiceAccount): its
// image pull secrets, mountable secrets and token Secrets, each name marked
// "(not found)" when no Secret of the namespace has it. podnet issues no
// tokens, so Tokens lists only token Secrets a user made for the account.

import type { Event, Secret, ServiceAccount } from '../../api/types.js';
import type { Instant } from './age.js';
import { describeEvents, LEVEL_0, nsOf, PrefixWriter, printAnnotationsMultiline, printLabelsMultiline } from './describe-writer.js';

/** core/v1 SecretTypeServiceAccountToken and the annotations that tie such a Secret to its account */
const TOKEN_SECRET_TYPE = 'kubernetes.io/service-account-token';
const ACCOUNT_NAME_ANNOTATION = 'kubernetes.io/service-account.name';
const ACCOUNT_UID_ANNOTATION = 'kubernetes.io/service-account.uid';

/**
 * kubectl's headers, padded to one width with spaces (not tabs) and printed
 * in sorted order; a list's later names go under a blank header of that width.
 */
const HEADERS = [
  { title: 'Image pull secrets:', names: (sa: ServiceAccount, _tokens: Secret[]) => (sa.imagePullSecrets ?? []).map((s) => s.name ?? '') },
  { title: 'Mountable secrets: ', names: (sa: ServiceAccount, _tokens: Secret[]) => (sa.secrets ?? []).map((s) => s.name ?? '') },
  { title: 'Tokens:            ', names: (_sa: ServiceAccount, tokens: Secret[]) => tokens.map((s) => s.metadata.name ?? '') },
];
const BLANK_HEADER = ' '.repeat(HEADERS[0]!.title.length);

/** The token Secrets of the account: its type, and the account's name and uid in its annotations. */
function tokensOf(sa: ServiceAccount, secrets: readonly Secret[]): Secret[] {
  return secrets.filter((s) => s.type === TOKEN_SECRET_TYPE
    && (s.metadata.annotations?.[ACCOUNT_NAME_ANNOTATION] ?? '') === sa.metadata.name
    && (s.metadata.annotations?.[ACCOUNT_UID_ANNOTATION] ?? '') === (sa.metadata.uid ?? ''));
}

/**
 * `secrets`: the Secrets of the account's namespace, or undefined when they
 * could not be listed (kubectl then marks nothing as not found and lists no
 * tokens).
 */
export function describeServiceAccount(sa: ServiceAccount, secrets: readonly Secret[] | undefined, events: readonly Event[] | undefined, now: Instant): string {
  const w = new PrefixWriter();
  w.write(LEVEL_0, `Name:\t${sa.metadata.name ?? ''}\n`);
  w.write(LEVEL_0, `Namespace:\t${nsOf(sa)}\n`);
  printLabelsMultiline(w, 'Labels', sa.metadata.labels);
  printAnnotationsMultiline(w, 'Annotations', sa.metadata.annotations);
  const existing = secrets ? new Set(secrets.map((s) => s.metadata.name)) : undefined;
  const tokens = secrets ? tokensOf(sa, secrets) : [];
  for (const header of HEADERS) {
    const names = header.names(sa, tokens);
    if (names.length === 0) w.write(LEVEL_0, `${header.title}\t<none>\n`);
    names.forEach((name, i) => {
      const missing = existing !== undefined && !existing.has(name) ? ' (not found)' : '';
      w.write(LEVEL_0, `${i === 0 ? header.title : BLANK_HEADER}\t${name}${missing}\n`);
    });
  }
  if (events) describeEvents(events, w, now);
  return w.toString();
}
