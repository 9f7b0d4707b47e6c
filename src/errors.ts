/** Bad input: reported as one line naming the file, flag or name, with exit code 2. */
export class InputError extends Error {}

/** A design or property file that cannot be loaded (a kind of bad input). */
export class LoadError extends InputError {}
