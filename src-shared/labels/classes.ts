// Label values follow the ilastik convention so that masks exchanged with ilastik-trained
// users mean the same thing: 0 is "nobody said anything here", 1 is an explicit
// "this is background", and 2.. are the foreground classes. Keeping "unlabeled" distinct
// from "background" is what makes sparse training possible: the loss ignores 0 only.

export const UNLABELED = 0;
export const BACKGROUND = 1;
export const FIRST_CLASS = 2;
/** Labels are stored as uint8, so 255 is the largest class value. */
export const MAX_LABEL = 255;

export function assertLabelValue(v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > MAX_LABEL) {
    throw new RangeError(`label value ${v} is not an integer in 0..${MAX_LABEL}`);
  }
}
