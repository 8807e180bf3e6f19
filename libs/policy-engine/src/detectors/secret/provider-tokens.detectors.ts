import { asciiSet } from '../../normalize/char-tables';
import type { DetectorDef } from '../detector.types';
import { entropy, literalPrefixed, randomLooking, TOKEN_CHARS } from './literal-prefixed';
import type { ProviderTokenId } from './provider-ids';

/**
 * Provider token formats from the public rule sets of dedicated secret scanners (gitleaks' rules, MIT;
 * detect-secrets' plugins, Apache-2.0; trufflehog's detectors, AGPL: formats only, no code): literal
 * prefixes, alphabets and lengths. Each runs in the engine's own prefix-triggered matcher, so adding one
 * costs nothing on text without its prefix. The random part must not look like a placeholder.
 */
interface ProviderSpec {
  id: ProviderTokenId;
  prefixes: readonly string[];
  /** Sticky; group 1, when present, is the random part checked for placeholders (else the whole match). */
  re: RegExp;
  maxLength: number;
  /** Extra check on the match (e.g. entropy, a decoded payload). */
  check?: (m: RegExpExecArray) => boolean;
  /** The prefix alone is specific enough: skip the placeholder check (vendors' own examples count). */
  anyBody?: boolean;
}

const END = '(?![A-Za-z0-9_-])';
const B64END = '(?![A-Za-z0-9+/=_-])';
const re = (source: string) => new RegExp(source, 'y');

/** "ZXlK..." is base64 of "eyJ...": decode and require a JWT (header.payload.signature). */
function decodesToJwt(m: RegExpExecArray): boolean {
  const decoded = Buffer.from(m[0], 'base64').toString('latin1');
  return /^eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_=-]*\s*$/.test(decoded);
}

const SPECS: readonly ProviderSpec[] = [
  {
    id: 'slack_webhook_url',
    prefixes: ['https://hooks.slack.com/', 'http://hooks.slack.com/', 'hooks.slack.com/'],
    re: re(`(?:https?://)?hooks\\.slack\\.com/(?:services|workflows|triggers)/([A-Za-z0-9+/]{40,120})${END}`),
    maxLength: 8 + 16 + 10 + 120,
  },
  {
    id: 'jwt_base64',
    prefixes: ['ZXlK'],
    re: re(`ZXlK[A-Za-z0-9+/]{60,4000}={0,2}${B64END}`),
    maxLength: 4100,
    check: decodesToJwt,
  },
  {
    id: 'aws_bedrock_api_key',
    prefixes: ['ABSK', 'bedrock-api-key-'],
    re: re(
      `(?:ABSK([A-Za-z0-9+/]{109,269}={0,2})|bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t([A-Za-z0-9+/%]{0,2000}={0,2}))${B64END}`,
    ),
    maxLength: 2100,
    anyBody: true,
  },
  {
    id: 'gitlab_token',
    prefixes: [
      'glpat-',
      'glptt-',
      'gldt-',
      'glrt-',
      'glsoat-',
      'glcbt-',
      'glffct-',
      'glft-',
      'glimt-',
      'glagent-',
      'gloas-',
      'GR1348941',
    ],
    re: re(
      `(?:glpat-([\\w-]{20,300})(?:\\.[0-9a-z]{2}\\.?[0-9a-z]{7,9})?|glptt-([0-9a-f]{40})|GR1348941([\\w-]{20,50})|gl(?:dt|rt|soat|ffct|ft|imt)-([\\w-]{20,50})|glcbt-(?:[0-9a-fA-F]{1,5}_)?([\\w-]{20,50})|glagent-([\\w-]{50,60})|gloas-([\\w-]{64}))${END}`,
    ),
    maxLength: 320,
  },
  { id: 'npm_token', prefixes: ['npm_'], re: re(`npm_([A-Za-z0-9]{36})${END}`), maxLength: 40 },
  {
    id: 'pypi_token',
    // pypi.org and test.pypi.org macaroons; a body under 70 characters is a truncated token (detect-secrets).
    prefixes: ['pypi-AgEIcHlwaS5vcmc', 'pypi-AgENdGVzdC5weXBpLm9yZw'],
    re: re(`pypi-(?:AgEIcHlwaS5vcmc|AgENdGVzdC5weXBpLm9yZw)([\\w-]{70,1000})${END}`),
    maxLength: 1100,
  },
  { id: 'sendgrid_key', prefixes: ['SG.'], re: re(`SG\\.([\\w-]{22}\\.[\\w-]{43})${END}`), maxLength: 69 },
  {
    id: 'huggingface_token',
    prefixes: ['hf_', 'api_org_'],
    re: re(`(?:hf_|api_org_)([A-Za-z0-9]{34})${END}`),
    maxLength: 42,
  },
  {
    id: 'shopify_token',
    prefixes: ['shpat_', 'shpca_', 'shppa_', 'shpss_'],
    re: re(`shp(?:at|ca|pa|ss)_([a-fA-F0-9]{32})${END}`),
    maxLength: 38,
  },
  {
    id: 'digitalocean_token',
    prefixes: ['dop_v1_', 'doo_v1_', 'dor_v1_'],
    re: re(`do[opr]_v1_([a-f0-9]{64})${END}`),
    maxLength: 71,
  },
  {
    id: 'doppler_token',
    prefixes: ['dp.pt.', 'dp.st.', 'dp.sa.', 'dp.ct.', 'dp.scim.', 'dp.audit.'],
    re: re(`dp\\.(?:pt|st|sa|ct|scim|audit)\\.(?:[a-z0-9_-]{2,35}\\.)?([A-Za-z0-9]{40,44})${END}`),
    maxLength: 90,
  },
  {
    id: 'vault_token',
    prefixes: ['hvs.', 'hvb.'],
    re: re(`(?:hvs\\.([\\w-]{90,120})|hvb\\.([\\w-]{138,300}))${END}`),
    maxLength: 304,
  },
  { id: 'linear_api_key', prefixes: ['lin_api_'], re: re(`lin_api_([A-Za-z0-9]{40})${END}`), maxLength: 48 },
  {
    id: 'postman_api_key',
    prefixes: ['PMAK-'],
    re: re(`PMAK-([a-fA-F0-9]{24}-[a-fA-F0-9]{34})${END}`),
    maxLength: 64,
  },
  { id: 'pulumi_token', prefixes: ['pul-'], re: re(`pul-([a-f0-9]{40})${END}`), maxLength: 44 },
  {
    id: 'grafana_token',
    prefixes: ['glc_', 'glsa_'],
    re: re(`(?:glc_([A-Za-z0-9+/]{32,400}={0,2})|glsa_([A-Za-z0-9]{32}_[A-Fa-f0-9]{8}))${B64END}`),
    maxLength: 410,
  },
  { id: 'databricks_token', prefixes: ['dapi'], re: re(`dapi([a-f0-9]{32})(?:-\\d)?${END}`), maxLength: 38 },
  {
    id: 'age_secret_key',
    prefixes: ['AGE-SECRET-KEY-1'],
    re: re(`AGE-SECRET-KEY-1([QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58})${END}`),
    maxLength: 74,
  },
  { id: 'groq_api_key', prefixes: ['gsk_'], re: re(`gsk_([A-Za-z0-9]{52})${END}`), maxLength: 56 },
  { id: 'perplexity_api_key', prefixes: ['pplx-'], re: re(`pplx-([A-Za-z0-9]{48})${END}`), maxLength: 53 },
  { id: 'xai_api_key', prefixes: ['xai-'], re: re(`xai-([A-Za-z0-9]{80})${END}`), maxLength: 84 },
  { id: 'openrouter_key', prefixes: ['sk-or-v1-'], re: re(`sk-or-v1-([a-f0-9]{64})${END}`), maxLength: 73 },
  {
    id: 'new_relic_key',
    prefixes: ['NRAK-', 'NRJS-', 'NRII-', 'NRAA-'],
    re: re(`(?:NRAK-([A-Z0-9]{27})|NRJS-([a-f0-9]{19})|NRII-([\\w-]{32})|NRAA-([a-f0-9]{27}))${END}`),
    maxLength: 37,
  },
  {
    id: 'dynatrace_token',
    prefixes: ['dt0c01.'],
    re: re(`dt0c01\\.([A-Za-z0-9]{24}\\.[A-Za-z0-9]{64})${END}`),
    maxLength: 96,
  },
  {
    id: 'square_token',
    prefixes: ['sq0atp-', 'sq0csp-', 'EAAA'],
    // detect-secrets' sq0csp alphabet includes '\\'.
    re: re(`(?:sq0atp-([\\w-]{22})|sq0csp-([\\w\\\\-]{43})|EAAA([\\w-]{60}))${END}`),
    maxLength: 64,
  },
  {
    id: 'atlassian_token',
    prefixes: ['ATATT3', 'ATCTT3', 'ATBB'],
    re: re(`(?:AT[AC]TT3([A-Za-z0-9_=-]{180,200})|ATBB([A-Za-z0-9_=-]{32}))${END}`),
    maxLength: 206,
  },
  {
    id: 'google_oauth_token',
    prefixes: ['GOCSPX-', 'ya29.'],
    re: re(`(?:GOCSPX-([\\w-]{28})|ya29\\.([\\w-]{30,500}))${END}`),
    maxLength: 505,
  },
  {
    id: 'sentry_token',
    prefixes: ['sntrys_', 'sntryu_'],
    re: re(`(?:sntrys_(eyJ[A-Za-z0-9+/=_-]{60,400})|sntryu_([a-f0-9]{64}))${B64END}`),
    maxLength: 410,
  },
  {
    id: 'mailgun_key',
    prefixes: ['key-', 'pubkey-'],
    re: re(`(?:pub)?key-([a-f0-9]{32})${END}`),
    maxLength: 39,
  },
  {
    id: 'twilio_key',
    prefixes: ['SK'],
    re: re(`SK([0-9a-fA-F]{32})${END}`),
    maxLength: 34,
    check: (m) => entropy(m[1]) > 3,
  },
  { id: 'heroku_key', prefixes: ['HRKU-AA'], re: re(`HRKU-AA([\\w-]{58})${END}`), maxLength: 65 },
  {
    id: 'flyio_token',
    prefixes: ['fo1_', 'fm1r_', 'fm1a_', 'fm2_'],
    re: re(
      `(?:fo1_([\\w-]{43})|fm1[ar]_([A-Za-z0-9+/]{100,}={0,3})|fm2_([A-Za-z0-9+/]{100,}={0,3}))${B64END}`,
    ),
    maxLength: 1200,
  },
  {
    id: 'planetscale_token',
    prefixes: ['pscale_tkn_', 'pscale_pw_', 'pscale_oauth_'],
    re: re(`pscale_(?:tkn|pw|oauth)_([\\w=.-]{32,64})${END}`),
    maxLength: 77,
  },
  { id: 'rubygems_token', prefixes: ['rubygems_'], re: re(`rubygems_([a-f0-9]{48})${END}`), maxLength: 57 },
  {
    id: 'langsmith_key',
    prefixes: ['lsv2_pt_', 'lsv2_sk_'],
    re: re(`lsv2_(?:pt|sk)_([a-f0-9]{32}_[a-f0-9]{10})${END}`),
    maxLength: 51,
  },
  {
    id: 'onepassword_token',
    prefixes: ['ops_eyJ'],
    re: re(`ops_(eyJ[A-Za-z0-9+/]{250,2000}={0,3})${B64END}`),
    maxLength: 2010,
  },
  {
    id: 'artifactory_token',
    prefixes: ['AKCp', 'cmVmdGtu'],
    re: re(`(?:AKCp([A-Za-z0-9]{69})|cmVmdGtu([A-Za-z0-9]{56}))${END}`),
    maxLength: 73,
  },
  {
    id: 'dropbox_token',
    prefixes: ['sl.'],
    re: re(`sl\\.(?:u\\.)?([A-Za-z0-9_=-]{130,1400})${END}`),
    maxLength: 1405,
  },
  {
    id: 'shippo_token',
    prefixes: ['shippo_live_', 'shippo_test_'],
    re: re(`shippo_(?:live|test)_([a-f0-9]{40})${END}`),
    maxLength: 52,
  },
  {
    id: 'easypost_token',
    prefixes: ['EZAK', 'EZTK'],
    re: re(`EZ[AT]K([A-Za-z0-9]{54})${END}`),
    maxLength: 58,
  },
  { id: 'adobe_token', prefixes: ['p8e-'], re: re(`p8e-([A-Za-z0-9]{32})${END}`), maxLength: 36 },
  {
    id: 'harness_token',
    prefixes: ['pat.', 'sat.'],
    re: re(`(?:pat|sat)\\.([\\w-]{22}\\.[0-9a-f]{24}\\.[0-9a-zA-Z]{20})${END}`),
    maxLength: 71,
  },
  { id: 'openshift_token', prefixes: ['sha256~'], re: re(`sha256~([\\w-]{43})${END}`), maxLength: 50 },
  { id: 'replicate_token', prefixes: ['r8_'], re: re(`r8_([A-Za-z0-9]{37})${END}`), maxLength: 40 },
];

const PROVIDER_TOKEN = asciiSet('A-Za-z0-9_.+/=~%:\\-');

function randomPart(m: RegExpExecArray): string {
  for (let k = 1; k < m.length; k++) if (m[k]) return m[k];
  return m[0];
}

export const PROVIDER_TOKEN_DETECTORS: readonly DetectorDef[] = SPECS.map((spec) =>
  literalPrefixed({
    id: spec.id,
    category: `secret.${spec.id}`,
    placeholder: `[REDACTED:${spec.id.toUpperCase()}]`,
    prefixes: spec.prefixes,
    re: spec.re,
    validate: (m) =>
      (spec.anyBody === true || randomLooking(randomPart(m))) && (!spec.check || spec.check(m)),
    token:
      spec.id === 'slack_webhook_url' || spec.id === 'aws_bedrock_api_key' ? PROVIDER_TOKEN : TOKEN_CHARS,
    maxLength: spec.maxLength,
    lookahead: 1,
  }),
);
