import codeListsJson from '../../policies/sensitivity-codes.json' with { type: 'json' };
import programsJson from '../../policies/part2-programs.json' with { type: 'json' };
import { compileCodeLists, type CompiledCodeLists, type Part2Programs, type SensitivityCodeLists } from './code-lists.js';

export { compileCodeLists, type CompiledCodeLists, type Part2Programs, type SensitivityCodeLists } from './code-lists.js';
export { mergeLabels, sensitiveCategories } from './label.js';

/** The deployment's code lists and Part 2 programs, from policies/ (bundled as data so the Worker has them too). */
export const defaultCodeLists: CompiledCodeLists = compileCodeLists(codeListsJson as SensitivityCodeLists, programsJson as Part2Programs);
