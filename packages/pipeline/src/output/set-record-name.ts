/** The file that completes a batch set's folder (`hypertx-set.json`, see batch/set-outputs.ts). */
export const SET_RECORD = 'hypertx-set.json';
