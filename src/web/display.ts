/** A FHIR HumanName list as a person would write it ("Maria Elena Alvarez"); empty when there is none. */
export function displayName(names: readonly { given?: string[]; family?: string }[] | undefined): string {
  const n = names?.[0];
  return [n?.given?.join(' '), n?.family].filter(Boolean).join(' ');
}
