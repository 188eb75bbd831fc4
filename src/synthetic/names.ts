/**
 * Name material faker's English locale lacks but record linkage must cope
 * with: accented names, compound family names and nicknames.
 */

export const HISPANIC_GIVEN_FEMALE = [
  'María', 'Sofía', 'Lucía', 'Mónica', 'Verónica', 'Inés', 'Raquel', 'Ana', 'Isabel', 'Guadalupe',
  'Beatriz', 'Ramona', 'Rocío', 'Adriana', 'Valeria', 'Camila', 'Natalia', 'Elena', 'Julia', 'Angélica',
] as const;

export const HISPANIC_GIVEN_MALE = [
  'José', 'Jesús', 'Andrés', 'Raúl', 'Tomás', 'Martín', 'Héctor', 'Víctor', 'Rubén', 'Julián',
  'Adrián', 'Iván', 'Ramón', 'Francisco', 'Alejandro', 'Miguel', 'Luis', 'Jorge', 'Diego', 'Óscar',
] as const;

export const HISPANIC_FAMILY = [
  'García', 'Hernández', 'Martínez', 'Rodríguez', 'González', 'López', 'Pérez', 'Sánchez', 'Ramírez', 'Gómez',
  'Díaz', 'Muñoz', 'Núñez', 'Jiménez', 'Ortiz', 'Cruz', 'Castillo', 'Peña', 'Ibáñez', 'Chávez',
  'Domínguez', 'Vásquez', 'Gutiérrez', 'Rosales', 'Morales', 'Reyes', 'Flores', 'Rivera', 'Torres', 'Mendoza',
] as const;

export const FRENCH_GIVEN_FEMALE = ['Zoé', 'Chloé', 'Renée', 'Hélène', 'Léa', 'Céline', 'Amélie', 'Noémie'] as const;
export const FRENCH_GIVEN_MALE = ['André', 'Jérôme', 'René', 'Émile', 'Noël', 'Frédéric', 'Loïc', 'Stéphane'] as const;

/** Common English nicknames; only ever used on copies that also carry the SSN. */
export const NICKNAMES: Readonly<Record<string, readonly string[]>> = {
  Robert: ['Bob', 'Rob', 'Bobby'],
  William: ['Bill', 'Will', 'Billy'],
  Elizabeth: ['Liz', 'Beth', 'Betty'],
  Richard: ['Rick', 'Dick', 'Rich'],
  James: ['Jim', 'Jimmy'],
  John: ['Jack', 'Johnny'],
  Michael: ['Mike', 'Mikey'],
  Thomas: ['Tom', 'Tommy'],
  Joseph: ['Joe', 'Joey'],
  Charles: ['Chuck', 'Charlie'],
  Margaret: ['Peggy', 'Maggie', 'Meg'],
  Katherine: ['Kate', 'Kathy', 'Katie'],
  Catherine: ['Cathy', 'Cate'],
  Jennifer: ['Jen', 'Jenny'],
  Patricia: ['Pat', 'Patty', 'Trish'],
  Christopher: ['Chris'],
  Daniel: ['Dan', 'Danny'],
  Matthew: ['Matt'],
  Anthony: ['Tony'],
  Steven: ['Steve'],
  Stephen: ['Steve'],
  Edward: ['Ed', 'Eddie', 'Ted'],
  Kenneth: ['Ken', 'Kenny'],
  Andrew: ['Andy', 'Drew'],
  Joshua: ['Josh'],
  Benjamin: ['Ben'],
  Samuel: ['Sam'],
  Alexander: ['Alex'],
  Nicholas: ['Nick'],
  Jonathan: ['Jon'],
  Timothy: ['Tim'],
  Gregory: ['Greg'],
  Jeffrey: ['Jeff'],
  Ronald: ['Ron'],
  Donald: ['Don'],
  Gerald: ['Jerry'],
  Lawrence: ['Larry'],
  Raymond: ['Ray'],
  Patrick: ['Pat'],
  Peter: ['Pete'],
  Susan: ['Sue', 'Suzy'],
  Deborah: ['Deb', 'Debbie'],
  Rebecca: ['Becky'],
  Barbara: ['Barb'],
  Jessica: ['Jess'],
  Kimberly: ['Kim'],
  Victoria: ['Vicky', 'Tori'],
  Samantha: ['Sam'],
  Alexandra: ['Alex', 'Sasha'],
  Christina: ['Tina', 'Chris'],
  Abigail: ['Abby'],
  Judith: ['Judy'],
  Frances: ['Fran'],
  Theodore: ['Ted', 'Teddy'],
  Francisco: ['Paco'],
  'José': ['Pepe'],
  'Jesús': ['Chuy'],
  Guadalupe: ['Lupe'],
  Alejandro: ['Alex'],
  Dorothy: ['Dot', 'Dottie'],
  Virginia: ['Ginny'],
  Cynthia: ['Cindy'],
  Pamela: ['Pam'],
  Douglas: ['Doug'],
  Zachary: ['Zach'],
  Nathaniel: ['Nate'],
  Vincent: ['Vince'],
};

/** Removes combining marks after canonical decomposition: José -> Jose. */
export function stripAccents(text: string): string {
  return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
}

const STREET_ABBREVIATIONS: readonly (readonly [RegExp, string])[] = [
  [/\bStreet\b/, 'St'],
  [/\bAvenue\b/, 'Ave'],
  [/\bDrive\b/, 'Dr'],
  [/\bRoad\b/, 'Rd'],
  [/\bLane\b/, 'Ln'],
  [/\bCourt\b/, 'Ct'],
  [/\bBoulevard\b/, 'Blvd'],
  [/\bPlace\b/, 'Pl'],
  [/\bCircle\b/, 'Cir'],
  [/\bParkway\b/, 'Pkwy'],
];

export function abbreviateStreet(line: string): string {
  let out = line;
  for (const [pattern, short] of STREET_ABBREVIATIONS) out = out.replace(pattern, short);
  return out;
}

/** Faker draws given names uniformly from long lists; real populations repeat common names, which is where nicknames come from. */
export const COMMON_GIVEN_MALE = [
  'Robert', 'William', 'Richard', 'James', 'John', 'Michael', 'Thomas', 'Joseph', 'Charles', 'Christopher',
  'Daniel', 'Matthew', 'Anthony', 'Steven', 'Stephen', 'Edward', 'Kenneth', 'Andrew', 'Joshua', 'Benjamin',
  'Samuel', 'Alexander', 'Nicholas', 'Jonathan', 'Timothy', 'Gregory', 'Jeffrey', 'Ronald', 'Donald', 'Gerald',
  'Lawrence', 'Raymond', 'Patrick', 'Peter', 'Theodore', 'Douglas', 'Zachary', 'Nathaniel', 'Vincent',
] as const;

export const COMMON_GIVEN_FEMALE = [
  'Elizabeth', 'Margaret', 'Katherine', 'Catherine', 'Jennifer', 'Patricia', 'Susan', 'Deborah', 'Rebecca', 'Barbara',
  'Jessica', 'Kimberly', 'Victoria', 'Samantha', 'Alexandra', 'Christina', 'Abigail', 'Judith', 'Frances', 'Dorothy',
  'Virginia', 'Cynthia', 'Pamela',
] as const;
