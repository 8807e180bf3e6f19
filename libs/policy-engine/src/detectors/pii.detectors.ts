import type { DetectorDef } from './detector.types';
import { CARD } from './pii/card.detector';
import { EMAIL } from './pii/email.detector';
import { IBAN } from './pii/iban.detector';
import { IP } from './pii/ip.detector';
import { PHONE } from './pii/phone.detector';
import { SSN } from './pii/ssn.detector';

export { CARD, EMAIL, IBAN, IP, PHONE, SSN };
export { isIpv6 } from './pii/ip.detector';

export const PII_DETECTORS: readonly DetectorDef[] = [CARD, SSN, IBAN, EMAIL, PHONE, IP];
