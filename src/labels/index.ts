import codeListsJson from '../../policies/sensitivity-codes.json' with { type: 'json' };
import { compileCodeLists, type CompiledCodeLists, type SensitivityCodeLists } from './code-lists.js';

export { compileCodeLists, type CompiledCodeLists, type SensitivityCodeLists } from './code-lists.js';
export { mergeLabels, sensitiveCategories } from './label.js';

/** The deployment's code lists, from policies/ (bundled as data so the Worker has them too). */
export const defaultCodeLists: CompiledCodeLists = compileCodeLists(codeListsJson as SensitivityCodeLists);
