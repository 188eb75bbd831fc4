/**
 * A Consent provision class of our own: "tell my doctor I was in hospital, but not where or
 * why". A permit naming it (with the categories it covers as security labels, and usually the
 * recipient as actor) lets a notification say that there was a stay of this class and when,
 * and nothing else. It opens no read: the Encounter itself stays as her other provisions say.
 */
export const NOTICE_CLASS_SYSTEM = 'https://consent-gateway.example/fhir/CodeSystem/consent-class';
export const ENCOUNTER_NOTICE = 'encounter-notice';
